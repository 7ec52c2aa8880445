"""The job pipeline: ``spec -> generate -> process -> export -> thumbnail -> store``.

A job lives in ``<asset_dir>/.jobs/<job_id>/`` with its ``checkpoint.json`` and the
intermediate files of each step. After every step the checkpoint is rewritten atomically, so
a job killed at any point resumes with :meth:`Job.run`: completed steps whose outputs still
match their sha256 are skipped, everything after the first invalid step runs again. One
process runs a job at a time (a file lock in the job folder).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Generator as Gen
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import (
    GenerationError,
    JobCancelled,
    SpecError,
    StorageError,
    WorkbenchError,
)
from core.generators.base import CancelToken, GenerationResult, Progress
from core.jobs.checkpoint import MAX_CHECKPOINT_BYTES, STEPS, Checkpoint, JobInputs, job_file, now
from core.storage.keys import asset_id_for, check_id, new_job_id

JOBS_DIR = ".jobs"
log = logging.getLogger("core.jobs")


@dataclass(frozen=True)
class JobEvent:
    """A progress report from a running job. ``kind``: start, progress, done, skip, error,
    cancelled or finished; ``fraction`` is the step's progress in [0, 1]."""

    job_id: str
    step: str
    kind: str
    fraction: float = 0.0
    message: str = ""
    elapsed_s: float = 0.0


@dataclass
class StepResult:
    outputs: list[str] = field(default_factory=list)  # paths relative to the job folder
    info: dict = field(default_factory=dict)


def jobs_root(asset_dir: Path) -> Path:
    return Path(asset_dir) / JOBS_DIR


def scan_jobs(asset_dir: Path, include_store: bool = True) -> tuple[list[Checkpoint], dict[str, str]]:
    """Every job checkpoint under ``asset_dir`` and, with a remote store, in the store too
    (the local copy wins): ``(readable checkpoints, oldest first; {job id: why unreadable}})``.
    A corrupt, oversized, too deeply nested or tampered checkpoint is reported, never fatal.

    Raises
    ------
    StorageError
        The jobs folder or the store cannot be listed.
    """
    found: dict[str, Checkpoint] = {}
    bad: dict[str, str] = {}
    root = jobs_root(asset_dir)
    try:
        folders = sorted(d for d in root.iterdir() if d.is_dir()) if root.is_dir() else []
    except OSError as e:
        raise StorageError(f"Cannot list the jobs in {root}: {e.strerror or e}.") from None
    for d in folders:
        if d.name.startswith("."):
            continue
        try:
            cp = Checkpoint.load(d)
        except WorkbenchError as e:
            bad[d.name[:80]] = str(e)
            continue
        found[cp.job_id] = cp
    if include_store:
        from core.storage import open_store

        store = open_store(root=asset_dir)
        for job_id, data in store.list_job_checkpoints(MAX_CHECKPOINT_BYTES):
            if job_id in found:
                continue
            try:
                cp = Checkpoint.parse(data, job_id, f"of job {job_id} in {store.location()}")
            except WorkbenchError as e:
                bad.setdefault(job_id, str(e))
                continue
            found[cp.job_id] = cp
    for job_id in found:
        bad.pop(job_id, None)
    return sorted(found.values(), key=lambda c: c.created_at), bad


def list_jobs(asset_dir: Path, include_store: bool = True) -> list[Checkpoint]:
    """Every readable job checkpoint (see :func:`scan_jobs`); unreadable ones are skipped.

    Raises
    ------
    StorageError
        The jobs folder or the store cannot be listed.
    """
    return scan_jobs(asset_dir, include_store)[0]


class Job:
    """One generation job; create with :meth:`create`, reopen with :meth:`open`."""

    def __init__(self, folder: Path, checkpoint: Checkpoint, asset_dir: Path) -> None:
        self.folder = Path(folder)
        self.cp = checkpoint
        self.asset_dir = Path(asset_dir)

    @property
    def job_id(self) -> str:
        return self.cp.job_id

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        description: str,
        *,
        asset_dir: Path,
        writer: str = "builtin",
        model: str | None = None,
        backend: str = "procedural",
        fallbacks: list[str] | None = None,
        formats: list[str] | None = None,
        seed: int = 0,
        style: str | None = None,
        spec=None,
        reference_image: bytes | None = None,
        costs: dict[str, float] | None = None,
    ) -> Job:
        """Validate the inputs and write the job's first checkpoint (nothing runs yet).

        ``spec`` (an :class:`AssetSpec`) skips the spec writer: the job uses it as given.
        ``reference_image`` (image bytes) is validated and kept with the job and the asset;
        backends that accept images generate from it (image-to-3D).
        ``fallbacks`` (default: the ``GENERATOR_FALLBACKS`` setting) are backends tried in
        order when ``backend`` fails for a reason retrying cannot fix (no key, no credits,
        failed task); the result records every fallback taken.

        Raises
        ------
        SpecError, UnknownBackendError
            Empty description or one that is not UTF-8, unknown writer/backend/format,
            out-of-range seed, a name too long.
        StorageError
            The job folder cannot be created or written under ``asset_dir`` (a file, a
            read-only or missing device, a path too long); nothing is left behind.
        """
        from pydantic import ValidationError

        from core.config import get_settings
        from core.fsutil import atomic_write_bytes, atomic_write_text
        from core.generators import GENERATORS
        from core.images import validate_reference_image
        from core.mesh.formats import FORMATS
        from core.spec.builtin import clean_description
        from core.spec.io import dump_spec
        from core.spec.writers import WRITERS
        from core.storage import STORES

        text, _ = clean_description(description)
        WRITERS.get(writer)  # unknown names fail here, listing the known ones
        GENERATORS.get(backend)
        settings = get_settings()
        fallbacks = [
            b
            for b in dict.fromkeys(settings.generator_fallbacks if fallbacks is None else fallbacks)
            if b != backend
        ]
        for name in fallbacks:
            GENERATORS.get(name)
        store_name = settings.asset_store
        STORES.get(store_name)
        formats = list(dict.fromkeys(formats or ["glb", "obj", "stl"]))
        unknown = [f for f in formats if f not in FORMATS]
        if unknown:
            raise SpecError(
                f"Unknown export format(s): {', '.join(unknown)}.",
                f"Choose from {', '.join(FORMATS)}.",
            )
        if not 0 <= seed < 2**32:
            raise SpecError(f"Seed {seed} is out of range.", "Use 0 to 4294967295.")
        reference = validate_reference_image(reference_image) if reference_image is not None else None
        job_id = new_job_id()
        try:
            cp = Checkpoint(
                job_id=job_id,
                asset_id=asset_id_for(text, job_id),
                inputs=JobInputs(
                    description=text,
                    writer="user" if spec is not None else writer,
                    model=model,
                    backend=backend,
                    fallbacks=fallbacks,
                    formats=formats,
                    seed=seed,
                    style=style,
                    reference_image="reference.png" if reference else None,
                    store=store_name,
                    costs=dict(costs or {}),
                ),
            )
            cp.model_dump_json()  # text that cannot be written as UTF-8 fails here, not half-way
        except (ValidationError, ValueError) as e:
            from core.spec.io import format_validation_error

            why = format_validation_error(e) if isinstance(e, ValidationError) else str(e)
            raise SpecError(f"Invalid job inputs: {why[:300]}") from None
        folder = jobs_root(asset_dir) / job_id
        try:
            folder.mkdir(parents=True, exist_ok=False)
        except (OSError, RuntimeError) as e:
            raise _folder_error(asset_dir, e) from None
        job = cls(folder, cp, asset_dir)
        try:
            if reference is not None:
                atomic_write_bytes(folder / "reference.png", reference.png)
            if spec is not None:
                atomic_write_text(folder / "spec.json", dump_spec(spec))
                st = cp.steps["spec"]
                st.status, st.started_at, st.finished_at, st.duration_s = "done", now(), now(), 0.0
                st.outputs = {"spec.json": Checkpoint.describe_output(folder, "spec.json")}
                st.info = {"writer": "user", "archetype": spec.archetype, "warnings": []}
            cp.save(folder)
        except OSError as e:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
            raise _folder_error(asset_dir, e) from None
        return job

    @classmethod
    def open(cls, job_id: str, asset_dir: Path) -> Job:
        """Reopen job ``job_id`` from ``asset_dir``; with a remote store (``ASSET_STORE=s3``)
        a job missing locally is pulled from the store first (checkpoint + completed outputs),
        so it resumes on any machine.

        Raises
        ------
        CheckpointError
            No such job, or its checkpoint is unusable (corrupt, too large, tampered).
        StorageError
            An invalid job id, or the job folder cannot be created or fetched.
        """
        check_id(job_id, "job id")
        folder = jobs_root(asset_dir) / job_id
        try:
            present = (folder / "checkpoint.json").is_file()
        except OSError as e:
            raise _folder_error(asset_dir, e) from None
        if not present:
            from core.storage import open_store

            store = open_store(root=asset_dir)
            if store.name != "local":
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except (OSError, RuntimeError) as e:
                    raise _folder_error(asset_dir, e) from None
                try:
                    found = store.fetch_job(job_id, folder)
                except WorkbenchError:
                    import shutil

                    shutil.rmtree(folder, ignore_errors=True)
                    raise
                if not found:
                    folder.rmdir()
        return cls(folder, Checkpoint.load(folder), asset_dir)

    def share(self) -> None:
        """With a remote store, copy the checkpoint and the job's inputs (spec, reference
        image) there, so a worker on another machine can open the job before any step ran."""
        store = self._store
        if store.name == "local":
            return
        for rel in ("checkpoint.json", "spec.json", self.cp.inputs.reference_image):
            if rel and (self.folder / rel).is_file():
                store.sync_job_file(self.job_id, rel, self.folder / rel)

    # --- running ----------------------------------------------------------------------------
    def run(self, cancel: CancelToken | None = None) -> Iterator[JobEvent]:
        """Run (or resume) the job, yielding :class:`JobEvent` s.

        Raises
        ------
        WorkbenchError
            The failing step's typed error (the checkpoint records it; resume retries).
        JobCancelled
            ``cancel`` was set; the checkpoint stays resumable.
        StorageError
            Another process is running this job.
        """
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.folder / ".lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise StorageError(
                f"Job {self.job_id} is already running in another process.",
                "Wait for it to finish, or stop that process first.",
            ) from None
        try:
            yield from self._run(cancel or CancelToken())
        finally:
            lock.release()

    def _run(self, cancel: CancelToken) -> Iterator[JobEvent]:
        cp, t_job = self.cp, time.perf_counter()
        first = next((s for s in STEPS if not cp.step_outputs_valid(self.folder, s)), None)
        if first is None and not self._asset_published():
            first = "store"  # done here, but the asset is gone from the store: publish again
        if first is None:  # every step done and every output intact
            if cp.status != "done":
                cp.status = "done"
                cp.save(self.folder)
            yield JobEvent(self.job_id, "store", "finished", 1.0, "already done")
            return
        start = STEPS.index(first)
        for step in STEPS[:start]:
            yield JobEvent(self.job_id, step, "skip", 1.0, "already done")
        cp.status, cp.error = "running", None
        cp.save(self.folder)
        from core.logs import describe

        log.info(
            "job started: %s",
            describe(cp.inputs.description),
            extra={"job_id": self.job_id, "step": STEPS[start], "backend": cp.inputs.backend},
        )
        for step in STEPS[start:]:
            state = cp.steps[step]
            state.status, state.started_at, state.error = "running", now(), None
            state.attempts += 1
            cp.save(self.folder)
            yield JobEvent(self.job_id, step, "start", 0.0, f"{step} started")
            t0 = time.perf_counter()
            try:
                cancel.raise_if_cancelled()
                gen = getattr(self, f"_step_{step}")(cancel)
                result = yield from self._drive(step, gen, t0)
            except JobCancelled:
                state.status = "pending"
                cp.status = "cancelled"
                cp.save(self.folder)
                yield JobEvent(self.job_id, step, "cancelled", 0.0, "cancelled")
                raise
            except StorageError as e:
                if step != "store":
                    self._fail(state, str(e))
                else:  # files are safe in the job folder: publishing is retried by resume
                    state.status, state.error = "pending", str(e)
                    cp.status, cp.error = "interrupted", f"store unreachable: {e}"
                    cp.save(self.folder)
                yield JobEvent(self.job_id, step, "error", 0.0, str(e))
                raise
            except WorkbenchError as e:
                self._fail(state, str(e))
                log.warning("step failed: %s", e, extra={"job_id": self.job_id, "step": step})
                yield JobEvent(self.job_id, step, "error", 0.0, str(e))
                raise
            except Exception as e:  # an unexpected bug: record it, then surface it typed
                self._fail(state, f"{type(e).__name__}: {e}")
                yield JobEvent(self.job_id, step, "error", 0.0, str(e))
                raise GenerationError(f"Step '{step}' failed unexpectedly: {type(e).__name__}: {e}") from e
            state.status, state.finished_at = "done", now()
            state.duration_s = round(time.perf_counter() - t0, 4)
            log.info(
                "step done",
                extra={
                    "job_id": self.job_id,
                    "step": step,
                    "backend": cp.inputs.backend,
                    "duration_s": state.duration_s,
                },
            )
            state.outputs = {rel: Checkpoint.describe_output(self.folder, rel) for rel in result.outputs}
            state.info = result.info
            if step == "store":
                cp.status = "done"
            cp.save(self.folder)
            if step == "store":
                self._store.put_file(cp.asset_id, "checkpoint.json", self.folder / "checkpoint.json")
            self._sync(step)
            yield JobEvent(self.job_id, step, "done", 1.0, f"{step} done", state.duration_s)
        yield JobEvent(self.job_id, "store", "finished", 1.0, "done", time.perf_counter() - t_job)

    def _asset_published(self) -> bool:
        """Whether the store still holds this job's asset (an unreachable store counts as
        yes: nothing is republished on a guess)."""
        try:
            return self._store.has_asset(self.cp.asset_id)
        except StorageError:
            return True

    def _sync(self, step: str) -> None:
        """Copy the step's outputs and the checkpoint to a remote store so the job can resume
        on another machine. Best effort: a store that is down now only means those steps
        would rerun elsewhere; the store step itself retries and must succeed."""
        store = self._store
        if store.name == "local":
            return
        try:
            for out in self.cp.steps[step].outputs.values():
                store.sync_job_file(self.job_id, out.path, self.folder / out.path)
            store.sync_job_file(self.job_id, "checkpoint.json", self.folder / "checkpoint.json")
        except StorageError as e:
            self.cp.steps[step].info["sync_warning"] = str(e)
            self.cp.save(self.folder)

    def _fail(self, state, message: str) -> None:
        from core.errors import clip
        from core.jobs.checkpoint import MAX_ERROR_CHARS

        message = clip(message, MAX_ERROR_CHARS)
        state.status, state.error = "failed", message
        self.cp.status, self.cp.error = "failed", message
        self.cp.save(self.folder)

    def _drive(self, step: str, gen: Gen, t0: float) -> Gen[JobEvent, None, StepResult]:
        while True:
            try:
                item = next(gen)
            except StopIteration as stop:
                return stop.value
            yield JobEvent(
                self.job_id, step, "progress", item.fraction, item.message, time.perf_counter() - t0
            )

    # --- steps ------------------------------------------------------------------------------
    def _load_spec(self):
        from core.spec.io import read_spec_file

        return read_spec_file(job_file(self.folder, "spec.json"))

    def _step_spec(self, cancel: CancelToken) -> Gen[Progress, None, StepResult]:
        from core.fsutil import atomic_write_text
        from core.spec.io import dump_spec
        from core.spec.writers import get_writer

        inp = self.cp.inputs
        kwargs = {"model": inp.model} if inp.writer == "litellm" and inp.model else {}
        yield Progress(0.1, f"Writing spec with '{inp.writer}'", "spec")
        result = get_writer(inp.writer, **kwargs).write(inp.description, style=inp.style, seed=inp.seed)
        atomic_write_text(self.folder / "spec.json", dump_spec(result.spec))
        info = {
            "writer": result.writer,
            "archetype": result.archetype,
            "warnings": result.warnings,
            "model": result.model,
            "cached": result.cached,
            "candidates": [c.as_dict() for c in result.candidates],
        }
        return StepResult(["spec.json"], info)

    def _step_generate(self, cancel: CancelToken) -> Gen[Progress, None, StepResult]:
        from core.generators import GENERATORS

        spec = self._load_spec()
        inp, state = self.cp.inputs, self.cp.steps["generate"].state
        chain = [inp.backend, *inp.fallbacks]
        fell_back: list[dict] = []
        for i, name in enumerate(chain):
            try:
                result = yield from self._generate_with(name, spec, state.setdefault(name, {}), cancel)
            except JobCancelled:
                raise
            except WorkbenchError as e:
                pending = bool(state.get(name, {}).get("pending_task"))
                if i == len(chain) - 1 or pending or not _may_fall_back(e):
                    raise  # a task still running remotely is resumed, never abandoned
                nxt = GENERATORS.get(chain[i + 1]).label
                fell_back.append({"backend": name, "error": str(e)})
                log.warning(
                    "falling back from %s to %s: %s",
                    name,
                    chain[i + 1],
                    e,
                    extra={"job_id": self.job_id, "step": "generate", "backend": name},
                )
                yield Progress(
                    0.0, f"{GENERATORS.get(name).label} failed ({e.message}); falling back to {nxt}"
                )
                continue
            info = {**result.info, "backend": name, "fallbacks": fell_back}
            if result.mesh is not None:
                result.mesh.save_npz(self.folder / "raw.npz")
                return StepResult(["raw.npz"], {**info, "faces": len(result.mesh.faces)})
            if result.file is not None:
                from core.mesh.textured import TexturedMesh

                model = TexturedMesh.load_glb(result.file)  # validated again before it is kept
                os.replace(result.file, self.folder / "raw.glb")
                return StepResult(["raw.glb"], {**info, "faces": len(model.faces)})
            raise GenerationError(f"Backend '{name}' returned no model.")
        raise GenerationError("No generator backend was configured.")  # unreachable: chain is never empty

    def _generate_with(
        self, name: str, spec, state: dict, cancel: CancelToken
    ) -> Gen[Progress, None, GenerationResult]:
        from core.generators import get_generator
        from core.generators.base import GenerationContext

        gen = get_generator(name)
        avail = gen.availability()
        if not avail.ok:
            from core.errors import BackendUnavailable

            raise BackendUnavailable(f"{gen.label} cannot run here: {avail.reason}")
        ref = self.cp.inputs.reference_image
        ctx = GenerationContext(
            workdir=self.folder,
            state=state,
            save_state=lambda: self.cp.save(self.folder),
            reference_image=job_file(self.folder, ref) if ref and gen.accepts_image else None,
        )
        result = None
        for item in gen.generate(spec, seed=self.cp.inputs.seed, cancel=cancel, context=ctx):
            if isinstance(item, GenerationResult):
                result = item
            else:
                yield item
        if result is None:
            raise GenerationError(f"Backend '{name}' returned no model.")
        return result

    def _step_process(self, cancel: CancelToken) -> Gen[Progress, None, StepResult]:
        from core.mesh.process import fit_model, load_model, make_lods, mesh_stats, save_model

        spec = self._load_spec()
        raw = next(iter(self.cp.steps["generate"].outputs))
        mesh, fit = fit_model(load_model(job_file(self.folder, raw)), spec.dimensions.as_tuple())
        yield Progress(0.3, "Scaled to real-world size; pivot at base centre", "process")
        lods = make_lods(mesh, spec.technical.target_polycount, spec.technical.lod_count)
        from core.config import get_settings

        if get_settings().bake_vertex_colors and any(
            getattr(g.visual, "kind", None) == "vertex"
            for lod in lods
            for g in getattr(lod, "geometries", [])
        ):
            from core.mesh.bake import bake_vertex_colors

            yield Progress(0.6, "Baking vertex colours into a UV texture", "process")
            lods = [bake_vertex_colors(lod) for lod in lods]
        outputs = []
        for i, lod in enumerate(lods):
            cancel.raise_if_cancelled()
            outputs.append(save_model(lod, self.folder, f"lod{i}"))
        yield Progress(0.9, f"{len(lods)} LODs: {[len(m.faces) for m in lods]} triangles", "process")
        return StepResult(
            outputs, {"stats": mesh_stats(lods[0]), **fit, "lod_faces": [len(m.faces) for m in lods]}
        )

    def _step_export(self, cancel: CancelToken) -> Gen[Progress, None, StepResult]:
        from core.fsutil import atomic_write_bytes
        from core.mesh.formats import export_all
        from core.mesh.formats.gltf import export_glb
        from core.mesh.process import load_model

        lod_files = list(self.cp.steps["process"].outputs)
        mesh = load_model(job_file(self.folder, lod_files[0]))
        out_dir = self.folder / "exports"
        yield Progress(0.1, f"Exporting {', '.join(self.cp.inputs.formats)}", "export")
        written = export_all(mesh, self.cp.inputs.formats, out_dir)
        outputs = [str(p.relative_to(self.folder)) for paths in written.values() for p in paths]
        for i in range(1, len(lod_files)):
            cancel.raise_if_cancelled()
            src, dest = job_file(self.folder, lod_files[i]), out_dir / f"model_lod{i}.glb"
            if src.suffix == ".glb":  # a textured LOD is already a GLB: copy, do not re-encode
                atomic_write_bytes(dest, src.read_bytes())
            else:
                export_glb(load_model(src), dest)
            outputs.append(str(dest.relative_to(self.folder)))
        files = {fmt: str(paths[0].relative_to(self.folder)) for fmt, paths in written.items()}
        return StepResult(outputs, {"files": files})

    def _step_thumbnail(self, cancel: CancelToken) -> Gen[Progress, None, StepResult]:
        from core.config import get_settings
        from core.mesh.process import load_model
        from core.render import render_thumbnail

        yield Progress(0.2, "Rendering thumbnail", "thumbnail")
        mesh = load_model(job_file(self.folder, next(iter(self.cp.steps["process"].outputs))))
        render_thumbnail(mesh, self.folder / "thumbnail.png", get_settings().thumbnail_size)
        return StepResult(["thumbnail.png"], {})

    @property
    def _store(self):
        if getattr(self, "_store_obj", None) is None:
            from core.storage import open_store

            self._store_obj = open_store(self.cp.inputs.store, self.asset_dir)
        return self._store_obj

    def _step_store(self, cancel: CancelToken) -> Gen[Progress, None, StepResult]:
        from core.fsutil import atomic_write_json
        from core.mesh.formats import FORMATS

        cp = self.cp
        spec = self._load_spec()
        gen_info = cp.steps["generate"].info
        export_outputs = cp.steps["export"].outputs
        self._check_owner()
        files = {
            "spec.json": job_file(self.folder, "spec.json"),
            "thumbnail.png": job_file(self.folder, "thumbnail.png"),
        }
        if cp.inputs.reference_image:
            files["reference.png"] = job_file(self.folder, cp.inputs.reference_image)
        for rel in export_outputs:
            files[Path(rel).name] = job_file(self.folder, rel)
        manifest = {}
        for name, path in files.items():
            o = Checkpoint.describe_output(self.folder, str(path.relative_to(self.folder)))
            ext = path.suffix.lstrip(".")
            mime = (
                FORMATS[ext].mime_type
                if ext in FORMATS
                else {"png": "image/png", "json": "application/json", "mtl": "model/mtl"}.get(
                    ext, "application/octet-stream"
                )
            )
            manifest[name] = {"size": o.size, "sha256": o.sha256, "content_type": mime}
        metadata = {
            "schema_version": 1,
            "asset_id": cp.asset_id,
            "job_id": cp.job_id,
            "name": spec.name,
            "archetype": spec.archetype,
            "category": spec.category.value,
            "style": spec.style.value,
            "description": cp.inputs.description,
            "created_at": cp.created_at,
            "writer": cp.steps["spec"].info.get("writer"),
            "model": cp.steps["spec"].info.get("model"),
            "backend": gen_info.get("backend", cp.inputs.backend),
            "requested_backend": cp.inputs.backend,
            "fallbacks": gen_info.get("fallbacks", []),
            "remote": gen_info.get("remote"),
            "seed": cp.inputs.seed,
            "formats": {fmt: Path(rel).name for fmt, rel in cp.steps["export"].info["files"].items()},
            "files": manifest,
            "stats": cp.steps["process"].info["stats"],
            "lod_faces": cp.steps["process"].info["lod_faces"],
            "timings": cp.timings(),
            "costs": job_costs(cp),
            "tags": spec.tags,
        }
        atomic_write_json(self.folder / "metadata.json", metadata)
        files["metadata.json"] = self.folder / "metadata.json"
        yield Progress(0.5, f"Storing {len(files)} files", "store")
        stored = self._store.put_asset(cp.asset_id, files)
        return StepResult(["metadata.json"], {"location": self._store.location(), "files": sorted(stored)})

    def _check_owner(self) -> None:
        """Refuse to publish over an asset another job made (a tampered checkpoint naming
        someone else's asset id must not replace it)."""
        try:
            meta = self._store.get_metadata(self.cp.asset_id)
        except StorageError:
            return  # not there yet (or the store is down: the upload then fails on its own)
        owner = meta.get("job_id") if isinstance(meta, dict) else None
        if owner is not None and owner != self.cp.job_id:
            from core.errors import AssetConflictError

            raise AssetConflictError(
                f"Asset '{self.cp.asset_id}' belongs to job {str(owner)[:80]}, not to job {self.job_id}; "
                "it is not replaced.",
                "Delete this job's folder; its checkpoint names an asset it did not make.",
            )

    # --- results ----------------------------------------------------------------------------
    def result(self) -> dict:
        """Summary for the CLI's ``--json`` and the UI: ids, status, files (format -> absolute
        local path: in the asset folder of the local store; for a remote store, the job
        folder's copy of what was uploaded, so nothing is downloaded again), stats, timings."""
        cp = self.cp
        files = {}
        if cp.status == "done":
            store = self._store
            export = cp.steps["export"]
            for fmt, rel in export.info.get("files", {}).items():
                local = self.folder / rel
                intact = (
                    rel in export.outputs
                    and local.is_file()
                    and local.stat().st_size == export.outputs[rel].size
                )
                if store.name != "local" and intact:
                    files[fmt] = str(local.resolve())
                else:
                    try:
                        files[fmt] = str(
                            store.local_path(
                                cp.asset_id,
                                Path(rel).name,
                                export.outputs[rel].sha256 if rel in export.outputs else None,
                            )
                        )
                    except StorageError:
                        continue  # the asset was deleted meanwhile: resume publishes it again
        return {
            "asset_id": cp.asset_id,
            "job_id": cp.job_id,
            "status": cp.status,
            "archetype": cp.steps["spec"].info.get("archetype"),
            "warnings": cp.steps["spec"].info.get("warnings", []),
            "files": files,
            "stats": cp.steps["process"].info.get("stats", {}),
            "timings": cp.timings(),
            "backend": cp.steps["generate"].info.get("backend", cp.inputs.backend),
            "fallbacks": cp.steps["generate"].info.get("fallbacks", []),
            "costs": job_costs(cp),
            "error": cp.error,
        }


def _may_fall_back(error: WorkbenchError) -> bool:
    """Whether another backend should be tried after ``error``: yes when retrying this one
    cannot help (missing key or package, no credits, failed task, unusable model); no for
    transient errors (rate limits, outages), which resume retries with the same backend."""
    from core.errors import BackendUnavailable, RemoteServiceError

    if isinstance(error, BackendUnavailable):
        return True
    if isinstance(error, RemoteServiceError):
        return error.definitive
    return isinstance(error, GenerationError)


def job_costs(cp: Checkpoint) -> dict[str, float]:
    """What the job cost: the inputs' costs (concept images, USD) plus the credits each remote
    backend reported or estimated, e.g. ``{"meshy_credits": 30}``."""
    costs = dict(cp.inputs.costs)
    for name, state in cp.steps["generate"].state.items():
        credits = state.get("credits") if isinstance(state, dict) else None
        if credits:
            costs[f"{name}_credits"] = float(credits)
    return costs


def run_to_completion(job: Job, cancel: CancelToken | None = None) -> dict:
    """Run ``job`` without reporting progress; returns :meth:`Job.result`."""
    for _ in job.run(cancel):
        pass
    return job.result()


def _folder_error(asset_dir: Path, error: BaseException) -> StorageError:
    """A one-line StorageError for an asset folder that cannot hold job folders."""
    where = str(asset_dir)
    where = where if len(where) <= 120 else f"{where[:60]}...{where[-40:]} ({len(where)} characters)"
    why = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return StorageError(
        f"Cannot create a job folder in the asset folder '{where}': {why}.",
        "Choose a writable folder with --out or ASSET_DIR.",
    )


__all__ = ["Job", "JobEvent", "jobs_root", "list_jobs", "run_to_completion", "scan_jobs"]
