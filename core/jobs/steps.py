"""The bodies of the job pipeline's steps: ``spec -> generate -> process -> export -> thumbnail
-> store``, the fallback policy between generator backends, the cost accounting and the
``metadata.json`` an asset is published with.

Each step is a generator function ``step(job, cancel)`` that yields
:class:`~core.types.Progress` and returns a :class:`StepResult` (files it wrote, relative to
the job folder, and info kept in the checkpoint). The job (:class:`core.jobs.pipeline.Job`)
owns the lifecycle around them: which step runs, the checkpoint, the lock, the store sync.
Sizes are in metres (+Y up), money in US dollars.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import GenerationError, JobCancelled, StorageError, WorkbenchError
from core.jobs.checkpoint import Checkpoint, job_file
from core.schemas import AssetMetadata, Costs, MeshStats, StoredFileInfo
from core.types import CancelToken, Progress

if TYPE_CHECKING:
    from core.generators.base import GenerationResult
    from core.jobs.pipeline import Job
    from core.spec.model import AssetSpec

log = logging.getLogger("core.jobs")


@dataclass
class StepResult:
    """What a step made: ``outputs`` (paths relative to the job folder; resume checks their
    sha256) and ``info`` (kept in the checkpoint, read by later steps and the results)."""

    outputs: list[str] = field(default_factory=list)
    info: dict = field(default_factory=dict)


Step = Generator[Progress, None, StepResult]


def load_spec(job: Job) -> AssetSpec:
    """The job's ``spec.json``.

    Raises
    ------
    SpecError
        It cannot be read or is not a valid spec.
    CheckpointError
        The path leads out of the job folder.
    """
    from core.spec.io import read_spec_file

    return read_spec_file(job_file(job.folder, "spec.json"))


# --- spec -----------------------------------------------------------------------------------
def write_spec(job: Job, cancel: CancelToken) -> Step:
    """Write ``spec.json`` with the job's spec writer (the ``spec`` step)."""
    from core.fsutil import atomic_write_text
    from core.spec.io import dump_spec
    from core.spec.writers import get_writer

    inp = job.cp.inputs
    kwargs: dict = {"settings": job.settings}
    if inp.writer == "litellm" and inp.model:
        kwargs["model"] = inp.model
    yield Progress(0.1, f"Writing spec with '{inp.writer}'", "spec")
    result = get_writer(inp.writer, **kwargs).write(inp.description, style=inp.style, seed=inp.seed)
    atomic_write_text(job.folder / "spec.json", dump_spec(result.spec))
    info = {
        "writer": result.writer,
        "archetype": result.archetype,
        "warnings": result.warnings,
        "model": result.model,
        "cached": result.cached,
        "candidates": [c.as_dict() for c in result.candidates],
    }
    return StepResult(["spec.json"], info)


# --- generate -------------------------------------------------------------------------------
def generate(job: Job, cancel: CancelToken) -> Step:
    """Make the raw model (``raw.npz`` or ``raw.glb``) with the job's backend, falling back to
    the next of its fallbacks when :func:`may_fall_back` allows (the ``generate`` step). Each
    backend keeps its own state in the checkpoint (a remote task id, credits), so resume polls
    the same task.

    Raises
    ------
    WorkbenchError
        The last backend's error, or one no fallback may follow (a task still running remotely
        is resumed, never abandoned).
    """
    from core.generators import GENERATORS

    spec = load_spec(job)
    inp, state = job.cp.inputs, job.cp.steps["generate"].state
    chain = [inp.backend, *inp.fallbacks]
    fell_back: list[dict] = []
    for i, name in enumerate(chain):
        try:
            result = yield from _generate_with(job, name, spec, state.setdefault(name, {}), cancel)
        except JobCancelled:
            raise
        except WorkbenchError as e:
            pending = bool(state.get(name, {}).get("pending_task"))
            if i == len(chain) - 1 or pending or not may_fall_back(e):
                raise  # a task still running remotely is resumed, never abandoned
            fell_back.append({"backend": name, "error": str(e)})
            log.warning(
                "falling back from %s to %s: %s",
                name,
                chain[i + 1],
                e,
                extra={"job_id": job.job_id, "step": "generate", "backend": name},
            )
            yield Progress(
                0.0,
                f"{GENERATORS.get(name).label} failed ({e.message}); "
                f"falling back to {GENERATORS.get(chain[i + 1]).label}",
            )
            continue
        return _keep_raw_model(job, name, result, {**result.info, "backend": name, "fallbacks": fell_back})
    raise GenerationError("No generator backend was configured.")  # unreachable: chain is never empty


def _generate_with(
    job: Job, name: str, spec: AssetSpec, state: dict, cancel: CancelToken
) -> Generator[Progress, None, GenerationResult]:
    """Run backend ``name`` once; ``state`` is its part of the step's checkpoint state."""
    from core.config import use_settings
    from core.generators import get_generator
    from core.generators.base import GenerationContext, GenerationResult

    gen = get_generator(name, job.settings)
    with use_settings(job.settings):  # availability() is a classmethod: it reads the settings in force
        avail = gen.availability()
    if not avail.ok:
        from core.errors import BackendUnavailable

        raise BackendUnavailable(f"{gen.label} cannot run here: {avail.reason}")
    ref = job.cp.inputs.reference_image
    ctx = GenerationContext(
        workdir=job.folder,
        state=state,
        save_state=lambda: job.cp.save(job.folder),
        reference_image=job_file(job.folder, ref) if ref and gen.accepts_image else None,
    )
    result = None
    for item in gen.generate(spec, seed=job.cp.inputs.seed, cancel=cancel, context=ctx):
        if isinstance(item, GenerationResult):
            result = item
        else:
            yield item
    if result is None:
        raise GenerationError(f"Backend '{name}' returned no model.")
    return result


def _keep_raw_model(job: Job, name: str, result: GenerationResult, info: dict) -> StepResult:
    """Save a backend's mesh as ``raw.npz`` (and the coarser LODs it built as
    ``raw_lod<i>.npz``, listed in ``info["raw_lods"]``), or move its GLB to ``raw.glb`` once it
    loads."""
    if result.mesh is not None:
        result.mesh.save_npz(job.folder / "raw.npz")
        info = {**info, "faces": len(result.mesh.faces)}
        if result.lods is not None:
            info["raw_lods"] = [f"raw_lod{i}.npz" for i in range(1, len(result.lods) + 1)]
            for name, lod in zip(info["raw_lods"], result.lods, strict=True):
                lod.save_npz(job.folder / name)
        return StepResult(["raw.npz", *info.get("raw_lods", [])], info)
    if result.file is not None:
        from core.mesh.textured import TexturedMesh

        model = TexturedMesh.load_glb(result.file)  # validated again before it is kept
        os.replace(result.file, job.folder / "raw.glb")
        return StepResult(["raw.glb"], {**info, "faces": len(model.faces)})
    raise GenerationError(f"Backend '{name}' returned no model.")


def may_fall_back(error: WorkbenchError) -> bool:
    """Whether another backend should be tried after ``error``: yes when retrying this one
    cannot help (missing key or package, no credits, failed task, unusable model); no for
    transient errors (rate limits, outages), which resume retries with the same backend."""
    from core.errors import BackendUnavailable, RemoteServiceError

    if isinstance(error, BackendUnavailable):
        return True
    if isinstance(error, RemoteServiceError):
        return error.definitive
    return isinstance(error, GenerationError)


# --- process, export, thumbnail ---------------------------------------------------------------
def process(job: Job, cancel: CancelToken) -> Step:
    """Scale the raw model to the spec's size (metres, pivot at the base centre), make its
    LODs (the generator's own when it built them, ``info["raw_lods"]`` of the generate step;
    else by simplifying), bake vertex colours when ``BAKE_VERTEX_COLORS`` asks; ``stats`` is
    the first LOD's :class:`~core.schemas.MeshStats` (the ``process`` step)."""
    from core.mesh.process import fit_lods, fit_model, load_model, make_lods, mesh_stats, save_model

    spec, generated = load_spec(job), job.cp.steps["generate"]
    raw, raw_lods = next(iter(generated.outputs)), generated.info.get("raw_lods")
    model, dims = load_model(job_file(job.folder, raw)), spec.dimensions.as_tuple()
    if raw_lods is not None:  # built by the generator (watertight, with UVs): kept, not decimated
        coarser = [load_model(job_file(job.folder, name)) for name in raw_lods]
        lods, fit = fit_lods([model, *coarser], dims)[: spec.technical.lod_count], {"fit": "per_axis"}
        yield Progress(0.3, "Scaled to real-world size; pivot at base centre", "process")
    else:
        mesh, fit = fit_model(model, dims)
        yield Progress(0.3, "Scaled to real-world size; pivot at base centre", "process")
        lods = make_lods(mesh, spec.technical.target_polycount, spec.technical.lod_count)
    if job.settings.bake_vertex_colors and any(
        getattr(g.visual, "kind", None) == "vertex" for lod in lods for g in getattr(lod, "geometries", [])
    ):
        from core.mesh.bake import bake_vertex_colors

        yield Progress(0.6, "Baking vertex colours into a UV texture", "process")
        lods = [bake_vertex_colors(lod) for lod in lods]
    outputs = []
    for i, lod in enumerate(lods):
        cancel.raise_if_cancelled()
        outputs.append(save_model(lod, job.folder, f"lod{i}"))
    faces = [len(m.faces) for m in lods]
    yield Progress(0.9, f"{len(lods)} LODs: {faces} triangles", "process")
    return StepResult(
        outputs,
        {
            "stats": mesh_stats(lods[0], job.settings.texture_size).model_dump(mode="json"),
            **fit,
            "lod_faces": faces,
            "warnings": budget_warnings(spec, faces[0]),
        },
    )


def budget_warnings(spec: AssetSpec, lod0_faces: int) -> list[str]:
    """What to tell the user when LOD0 has more triangles than the spec's budget: the
    procedural backend never pinches the mesh to fit, so a spec whose parts cannot make a
    closed, unpinched union within it comes out over it."""
    budget = spec.technical.target_polycount
    if lod0_faces <= budget:
        return []
    return [
        f"LOD0 has {lod0_faces:,} triangles, over the budget of {budget:,}: its {len(spec.parts)} "
        "parts need that many to stay closed with the fewest sides that fit together. Raise the "
        "polycount, or remove or merge parts, to meet it."
    ]


def export(job: Job, cancel: CancelToken) -> Step:
    """Write the job's formats from the first LOD into ``exports/``, every further LOD as
    ``model_lod<i>.glb`` and the collision pieces (:func:`write_collision`) as
    ``collision.glb``; FBX and .blend hold the LODs and the collision pieces too
    (``<name>_LOD<n>``, ``UCX_<name>_NN``). Procedural models are textured at the
    ``TEXTURE_SIZE`` setting. ``info["files"]`` maps each format to its main file,
    ``info["collision"]`` says what collision was made (the ``export`` step)."""
    from dataclasses import replace

    from core.mesh.formats import ExportOptions, export_all
    from core.mesh.process import load_model

    lod_files = list(job.cp.steps["process"].outputs)
    mesh = load_model(job_file(job.folder, lod_files[0]))
    out_dir = job.folder / "exports"
    options = ExportOptions.from_settings(job.settings, load_spec(job).name)
    yield Progress(0.1, f"Writing {len(lod_files)} LODs and the collision mesh", "export")
    lods = write_lods(job, lod_files[1:], out_dir, options, cancel)
    collision, collision_info = write_collision(job, mesh, out_dir, options.name)
    yield Progress(0.4, f"Exporting {', '.join(job.cp.inputs.formats)}", "export")
    options = replace(options, lod_glbs=tuple(lods), collision_glb=collision)
    written = export_all(mesh, job.cp.inputs.formats, out_dir, options=options)
    extra = [*lods, *([collision] if collision else [])]
    paths = [p for ps in written.values() for p in ps] + extra
    outputs = list(dict.fromkeys(str(p.relative_to(job.folder)) for p in paths))
    files = {fmt: str(paths[0].relative_to(job.folder)) for fmt, paths in written.items()}
    return StepResult(outputs, {"files": files, "collision": collision_info})


def write_lods(job: Job, lod_files: list[str], out_dir: Path, options, cancel: CancelToken) -> list[Path]:
    """Write the job's LOD files ``lod_files`` (LOD1 on) as ``out_dir/model_lod<i>.glb``:
    a textured LOD is already a GLB and is copied, a procedural one is written with
    ``options`` (an :class:`~core.mesh.formats.ExportOptions`). Returns the paths."""
    from core.fsutil import atomic_write_bytes
    from core.mesh.formats.gltf import export_glb
    from core.mesh.process import load_model

    paths = []
    for i, rel in enumerate(lod_files, start=1):
        cancel.raise_if_cancelled()
        src, dest = job_file(job.folder, rel), out_dir / f"model_lod{i}.glb"
        if src.suffix == ".glb":  # do not re-encode its textures
            atomic_write_bytes(dest, src.read_bytes())
        else:
            export_glb(load_model(src), dest, options)
        paths.append(dest)
    return paths


def write_collision(job: Job, mesh, out_dir: Path, name: str) -> tuple[Path | None, dict]:
    """Write the collision pieces of ``mesh`` for the ``COLLISION`` setting (none, hull,
    decomposition; :func:`core.mesh.collision.collision_meshes`, seeded with the job's seed)
    as ``out_dir/collision.glb``, nodes ``UCX_<name>_NN``. Returns the path (None when
    nothing was made) and ``{"mode", "pieces", "file"?, "skipped"?}``; a flat mesh, which has
    no volume to collide with, gets none (``skipped`` says why, and a warning is logged).

    Raises
    ------
    BackendUnavailable
        ``decomposition`` without the coacd package.
    """
    from core.mesh.collision import collision_meshes
    from core.mesh.formats.gltf import export_collision_glb

    mode = job.settings.collision
    if mode == "none":
        return None, {"mode": mode, "pieces": 0}
    try:
        pieces = collision_meshes(mesh.vertices, mesh.faces, mode, seed=job.cp.inputs.seed)
        path = export_collision_glb(pieces, out_dir / "collision.glb", name)
    except ValueError as e:  # flat: nothing to collide with
        log.warning("no collision mesh: %s", e, extra={"job_id": job.job_id, "step": "export"})
        return None, {"mode": mode, "pieces": 0, "skipped": str(e)}
    return path, {"mode": mode, "pieces": len(pieces), "file": str(path.relative_to(job.folder))}


def thumbnail(job: Job, cancel: CancelToken) -> Step:
    """Render ``thumbnail.png`` (``THUMBNAIL_SIZE`` pixels square) of the first LOD."""
    from core.mesh.process import load_model
    from core.render import render_thumbnail

    yield Progress(0.2, "Rendering thumbnail", "thumbnail")
    mesh = load_model(job_file(job.folder, next(iter(job.cp.steps["process"].outputs))))
    settings = job.settings
    render_thumbnail(
        mesh,
        job.folder / "thumbnail.png",
        settings.thumbnail_size,
        texture_size=settings.texture_size,
        cache_dir=settings.cache_dir,
    )
    return StepResult(["thumbnail.png"], {})


# --- store ----------------------------------------------------------------------------------
def store(job: Job, cancel: CancelToken) -> Step:
    """Publish the asset: spec, thumbnail, reference image, every export and ``metadata.json``
    (:func:`asset_metadata`) to the job's store (the ``store`` step).

    Raises
    ------
    AssetConflictError
        The store holds an asset of that id made by another job (:func:`check_owner`).
    StorageError
        The store cannot be written (the job is resumable: its files stay in the job folder).
    """
    from core.fsutil import atomic_write_json

    cp = job.cp
    spec = load_spec(job)
    check_owner(job)
    files = {
        "spec.json": job_file(job.folder, "spec.json"),
        "thumbnail.png": job_file(job.folder, "thumbnail.png"),
    }
    if cp.inputs.reference_image:
        files["reference.png"] = job_file(job.folder, cp.inputs.reference_image)
    for rel in cp.steps["export"].outputs:
        files[Path(rel).name] = job_file(job.folder, rel)
    manifest = {name: _stored_file(job.folder, path) for name, path in files.items()}
    atomic_write_json(
        job.folder / "metadata.json", asset_metadata(cp, spec, manifest).model_dump(mode="json")
    )
    files["metadata.json"] = job.folder / "metadata.json"
    yield Progress(0.5, f"Storing {len(files)} files", "store")
    stored = job.store.put_asset(cp.asset_id, files)
    return StepResult(["metadata.json"], {"location": job.store.location(), "files": sorted(stored)})


def _stored_file(folder: Path, path: Path) -> StoredFileInfo:
    """Size, sha256 and content type (:func:`core.formats.content_type`) of a job file."""
    from core.formats import content_type

    out = Checkpoint.describe_output(folder, str(path.relative_to(folder)))
    return StoredFileInfo(size=out.size, sha256=out.sha256, content_type=content_type(path.name))


def asset_metadata(cp: Checkpoint, spec: AssetSpec, files: dict[str, StoredFileInfo]) -> AssetMetadata:
    """The ``metadata.json`` of the asset a finished job ``cp`` made from ``spec``
    (``schema_version`` 2); ``files`` is the manifest of what is published."""
    gen_info, process_info = cp.steps["generate"].info, cp.steps["process"].info
    return AssetMetadata(
        asset_id=cp.asset_id,
        job_id=cp.job_id,
        name=spec.name,
        archetype=spec.archetype,
        category=spec.category.value,
        style=spec.style.value,
        description=cp.inputs.description,
        created_at=cp.created_at,
        writer=cp.steps["spec"].info.get("writer"),
        model=cp.steps["spec"].info.get("model"),
        backend=gen_info.get("backend", cp.inputs.backend),
        requested_backend=cp.inputs.backend,
        fallbacks=gen_info.get("fallbacks", []),
        remote=gen_info.get("remote"),
        seed=cp.inputs.seed,
        formats={fmt: Path(rel).name for fmt, rel in cp.steps["export"].info["files"].items()},
        files=files,
        stats=MeshStats.model_validate(process_info["stats"]),
        lod_faces=process_info["lod_faces"],
        timings=cp.timings(),
        costs=job_costs(cp),
        tags=spec.tags,
    )


def check_owner(job: Job) -> None:
    """Refuse to publish over an asset another job made (a tampered checkpoint naming
    someone else's asset id must not replace it).

    Raises
    ------
    AssetConflictError
        The stored asset's ``metadata.json`` names another job.
    """
    try:
        meta = job.store.get_metadata(job.cp.asset_id)
    except StorageError:
        return  # not there yet (or the store is down: the upload then fails on its own)
    owner = meta.get("job_id") if isinstance(meta, dict) else getattr(meta, "job_id", None)
    if owner is not None and owner != job.cp.job_id:
        from core.errors import AssetConflictError

        raise AssetConflictError(
            f"Asset '{job.cp.asset_id}' belongs to job {str(owner)[:80]}, not to job {job.job_id}; "
            "it is not replaced.",
            "Delete this job's folder; its checkpoint names an asset it did not make.",
        )


# --- costs ----------------------------------------------------------------------------------
def job_costs(cp: Checkpoint) -> Costs:
    """What the job cost: the inputs' costs (concept images, USD) plus the credits each remote
    backend reported or estimated in its generate state, e.g. ``Costs(credits={"meshy": 30})``."""
    credits = dict(cp.inputs.costs.credits)
    for name, state in cp.steps["generate"].state.items():
        spent = state.get("credits") if isinstance(state, dict) else None
        if spent:
            credits[name] = float(spent)
    return Costs(credits=credits, usd=dict(cp.inputs.costs.usd))


STEP_BODIES: dict[str, Callable[[Job, CancelToken], Step]] = {
    "spec": write_spec,
    "generate": generate,
    "process": process,
    "export": export,
    "thumbnail": thumbnail,
    "store": store,
}


__all__ = [
    "STEP_BODIES",
    "StepResult",
    "asset_metadata",
    "check_owner",
    "job_costs",
    "load_spec",
    "may_fall_back",
    "write_collision",
    "write_lods",
]
