"""The job lifecycle: ``spec -> generate -> process -> export -> thumbnail -> store``.

A job lives in ``<asset_dir>/.jobs/<job_id>/`` with its ``checkpoint.json`` and the
intermediate files of each step. After every step the checkpoint is rewritten atomically, so
a job killed at any point resumes with :meth:`Job.run`: completed steps whose outputs still
match their sha256 are skipped, everything after the first invalid step runs again. One
process runs a job at a time (a file lock in the job folder). The steps' bodies are in
:mod:`core.jobs.steps`; what a job is asked to make is a :class:`~core.jobs.request.JobRequest`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator as Gen
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import GenerationError, JobCancelled, StorageError, WorkbenchError
from core.jobs.checkpoint import MAX_CHECKPOINT_BYTES, STEPS, Checkpoint, synced_files
from core.jobs.request import REFERENCE_FILE, JobRequest
from core.jobs.steps import STEP_BODIES, StepResult
from core.storage.keys import asset_id_for, check_id, new_job_id
from core.types import CancelToken, now

if TYPE_CHECKING:
    from core.config import Settings
    from core.jobs.checkpoint import StepState
    from core.schemas import JobResult
    from core.storage.base import Store

JOBS_DIR = ".jobs"
log = logging.getLogger("core.jobs")


@dataclass(frozen=True)
class JobEvent:
    """A progress report from a running job. ``kind``: start, progress, done, skip, error,
    cancelled or finished; ``fraction`` is the step's progress in [0, 1]; ``elapsed_s`` the
    seconds since the step (or, for ``finished``, the run) started."""

    job_id: str
    step: str
    kind: str
    fraction: float = 0.0
    message: str = ""
    elapsed_s: float = 0.0


def jobs_root(asset_dir: Path) -> Path:
    """``<asset_dir>/.jobs``: where every job folder lives."""
    return Path(asset_dir) / JOBS_DIR


def scan_jobs(
    asset_dir: Path, include_store: bool = True, settings: Settings | None = None
) -> tuple[list[Checkpoint], dict[str, str]]:
    """Every job checkpoint under ``asset_dir`` and, with a remote store (``settings``'
    ``ASSET_STORE``; default: the settings in force), in the store too (the local copy wins):
    ``(readable checkpoints, oldest first; {job id: why unreadable})``. A corrupt, oversized,
    too deeply nested or tampered checkpoint is reported, never fatal.

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
        store = _open_store(asset_dir, settings)
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


def list_jobs(
    asset_dir: Path, include_store: bool = True, settings: Settings | None = None
) -> list[Checkpoint]:
    """Every readable job checkpoint (see :func:`scan_jobs`); unreadable ones are skipped.

    Raises
    ------
    StorageError
        The jobs folder or the store cannot be listed.
    """
    return scan_jobs(asset_dir, include_store, settings)[0]


class Job:
    """One generation job; create with :meth:`create`, reopen with :meth:`open`. ``settings``
    are the ones it was created or opened with (thumbnail size, baking, the store), with the
    texture size and collision mode its checkpoint recorded in place of the settings' own."""

    def __init__(self, folder: Path, checkpoint: Checkpoint, asset_dir: Path, settings: Settings) -> None:
        self.folder = Path(folder)
        self.cp = checkpoint
        self.asset_dir = Path(asset_dir)
        recorded = {
            "texture_size": checkpoint.inputs.texture_size,
            "collision": checkpoint.inputs.collision,
        }
        recorded = {k: v for k, v in recorded.items() if v is not None and v != getattr(settings, k)}
        self.settings = settings.model_copy(update=recorded) if recorded else settings
        self._store: Store | None = None

    @property
    def job_id(self) -> str:
        return self.cp.job_id

    @property
    def store(self) -> Store:
        """The store this job publishes to (its checkpoint's ``store``), opened once."""
        if self._store is None:
            from core.storage import open_store

            self._store = open_store(self.cp.inputs.store, self.asset_dir)
        return self._store

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def create(cls, request: JobRequest, *, asset_dir: Path, settings: Settings | None = None) -> Job:
        """Write the first checkpoint of a job for ``request`` in ``asset_dir`` (nothing runs
        yet). ``settings`` (default: the settings in force) give the fallbacks the request
        leaves open and the store; the job keeps them.

        Raises
        ------
        SpecError, UnknownBackendError
            As :meth:`JobRequest.inputs`: an unknown fallback or store, a name too long.
        StorageError
            The job folder cannot be created or written under ``asset_dir`` (a file, a
            read-only or missing device, a path too long); nothing is left behind.
        """
        if settings is None:
            from core.config import get_settings

            settings = get_settings()
        inputs = request.inputs(settings)
        job_id = new_job_id()
        cp = Checkpoint(job_id=job_id, asset_id=asset_id_for(inputs.description, job_id), inputs=inputs)
        folder = jobs_root(asset_dir) / job_id
        try:
            folder.mkdir(parents=True, exist_ok=False)
        except (OSError, RuntimeError) as e:
            raise _folder_error(asset_dir, e) from None
        job = cls(folder, cp, asset_dir, settings)
        try:
            job._write_inputs(request)
        except OSError as e:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
            raise _folder_error(asset_dir, e) from None
        return job

    def _write_inputs(self, request: JobRequest) -> None:
        """The reference image, a given spec (its step recorded as done) and the checkpoint."""
        from core.fsutil import atomic_write_bytes, atomic_write_text
        from core.spec.io import dump_spec

        if request.reference_image is not None:
            atomic_write_bytes(self.folder / REFERENCE_FILE, request.reference_image)
        if request.spec is not None:
            atomic_write_text(self.folder / "spec.json", dump_spec(request.spec))
            st = self.cp.steps["spec"]
            st.status, st.started_at, st.finished_at, st.duration_s = "done", now(), now(), 0.0
            st.outputs = {"spec.json": Checkpoint.describe_output(self.folder, "spec.json")}
            st.info = {"writer": "user", "archetype": request.spec.archetype, "warnings": []}
        self.cp.save(self.folder)

    @classmethod
    def open(cls, job_id: str, asset_dir: Path, settings: Settings | None = None) -> Job:
        """Reopen job ``job_id`` from ``asset_dir``; with a remote store (``ASSET_STORE=s3``)
        a job missing locally is pulled from the store first (checkpoint + completed outputs),
        so it resumes on any machine. ``settings``: as :meth:`create`.

        Raises
        ------
        CheckpointError
            No such job, or its checkpoint is unusable (corrupt, too large, tampered).
        StorageError
            An invalid job id, or the job folder cannot be created or fetched.
        """
        if settings is None:
            from core.config import get_settings

            settings = get_settings()
        check_id(job_id, "job id")
        folder = jobs_root(asset_dir) / job_id
        try:
            present = (folder / "checkpoint.json").is_file()
        except OSError as e:
            raise _folder_error(asset_dir, e) from None
        if not present:
            _fetch_job(job_id, folder, asset_dir, settings)
        return cls(folder, Checkpoint.load(folder), asset_dir, settings)

    def share(self) -> None:
        """With a remote store, copy the checkpoint and the job's inputs (spec, reference
        image) there, so a worker on another machine can open the job before any step ran."""
        store = self.store
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
        first = self._first_step_to_run()
        if first is None:  # every step done, every output intact, the asset published
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
            describe(cp.inputs.description, self.settings),
            extra={"job_id": self.job_id, "step": STEPS[start], "backend": cp.inputs.backend},
        )
        for step in STEPS[start:]:
            yield from self._run_step(step, cancel)
        yield JobEvent(self.job_id, "store", "finished", 1.0, "done", time.perf_counter() - t_job)

    def _first_step_to_run(self) -> str | None:
        """The first step whose outputs are missing or changed; ``store`` when everything is
        done here but the asset is gone from the store; None when nothing is left to do."""
        first = next((s for s in STEPS if not self.cp.step_outputs_valid(self.folder, s)), None)
        if first is None and not self._asset_published():
            return "store"  # done here, but the asset is gone from the store: publish again
        return first

    def _run_step(self, step: str, cancel: CancelToken) -> Iterator[JobEvent]:
        """Run one step: record its start, drive its body, record the result or the error."""
        state = self.cp.steps[step]
        state.status, state.started_at, state.error = "running", now(), None
        state.attempts += 1
        self.cp.save(self.folder)
        yield JobEvent(self.job_id, step, "start", 0.0, f"{step} started")
        t0 = time.perf_counter()
        try:
            cancel.raise_if_cancelled()
            result = yield from self._drive(step, STEP_BODIES[step](self, cancel), t0)
        except Exception as e:
            yield self._record_failure(step, e)
            if isinstance(e, WorkbenchError):
                raise
            raise GenerationError(f"Step '{step}' failed unexpectedly: {type(e).__name__}: {e}") from e
        self._finish_step(step, result, t0)
        yield JobEvent(self.job_id, step, "done", 1.0, f"{step} done", state.duration_s)

    def _record_failure(self, step: str, error: Exception) -> JobEvent:
        """Record why ``step`` stopped in the checkpoint; returns the event to report. A
        cancelled step is pending again; a store step that cannot reach the store leaves the
        job ``interrupted`` (its files are safe here: resume publishes them)."""
        cp, state = self.cp, self.cp.steps[step]
        if isinstance(error, JobCancelled):
            state.status, cp.status = "pending", "cancelled"
            cp.save(self.folder)
            return JobEvent(self.job_id, step, "cancelled", 0.0, "cancelled")
        if isinstance(error, StorageError) and step == "store":
            state.status, state.error = "pending", str(error)
            cp.status, cp.error = "interrupted", f"store unreachable: {error}"
            cp.save(self.folder)
        elif isinstance(error, StorageError):
            self._fail(state, str(error))
        elif isinstance(error, WorkbenchError):
            self._fail(state, str(error))
            log.warning("step failed: %s", error, extra={"job_id": self.job_id, "step": step})
        else:  # an unexpected bug: record it, then surface it typed
            self._fail(state, f"{type(error).__name__}: {error}")
        return JobEvent(self.job_id, step, "error", 0.0, str(error))

    def _finish_step(self, step: str, result: StepResult, t0: float) -> None:
        """Record a finished step (outputs with their sha256, info) and sync it to the store."""
        cp, state = self.cp, self.cp.steps[step]
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
            self.store.put_file(cp.asset_id, "checkpoint.json", self.folder / "checkpoint.json")
        self._sync(step)

    def _asset_published(self) -> bool:
        """Whether the store still holds this job's asset (an unreachable store counts as
        yes: nothing is republished on a guess)."""
        try:
            return self.store.has_asset(self.cp.asset_id)
        except StorageError:
            return True

    def _sync(self, step: str) -> None:
        """Copy the step's outputs and the checkpoint to a remote store so the job can resume
        on another machine. Best effort: a store that is down now only means those steps
        would rerun elsewhere; the store step itself retries and must succeed."""
        store = self.store
        if store.name == "local":
            return
        try:
            for out in self.cp.steps[step].outputs.values():
                store.sync_job_file(self.job_id, out.path, self.folder / out.path)
            store.sync_job_file(self.job_id, "checkpoint.json", self.folder / "checkpoint.json")
        except StorageError as e:
            self.cp.steps[step].info["sync_warning"] = str(e)
            self.cp.save(self.folder)

    def _fail(self, state: StepState, message: str) -> None:
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

    # --- results ----------------------------------------------------------------------------
    def result(self) -> JobResult:
        """The job's summary (:func:`core.jobs.results.job_result`): ids, status, files
        (format -> absolute local path), stats, timings, backend, fallbacks, costs, error."""
        from core.jobs.results import job_result

        return job_result(self)


def run_to_completion(job: Job, cancel: CancelToken | None = None) -> JobResult:
    """Run ``job`` without reporting progress; returns :meth:`Job.result`.

    Raises
    ------
    WorkbenchError
        As :meth:`Job.run`.
    """
    for _ in job.run(cancel):
        pass
    return job.result()


def _open_store(asset_dir: Path, settings: Settings | None) -> Store:
    """The store ``settings`` name (default: the settings in force), rooted at ``asset_dir``."""
    from core.storage import open_store

    if settings is None:
        from core.config import get_settings

        settings = get_settings()
    return open_store(settings.asset_store, asset_dir)


def _fetch_job(job_id: str, folder: Path, asset_dir: Path, settings: Settings) -> None:
    """Pull job ``job_id`` from a remote store into ``folder`` (nothing with the local store;
    nothing left behind when the store has no such job or the fetch fails)."""
    store = _open_store(asset_dir, settings)
    if store.name == "local":
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError) as e:
        raise _folder_error(asset_dir, e) from None
    try:
        found = store.fetch_job(job_id, folder, synced_files, MAX_CHECKPOINT_BYTES)
    except WorkbenchError:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not found:
        folder.rmdir()


def _folder_error(asset_dir: Path, error: BaseException) -> StorageError:
    """A one-line StorageError for an asset folder that cannot hold job folders."""
    where = str(asset_dir)
    where = where if len(where) <= 120 else f"{where[:60]}...{where[-40:]} ({len(where)} characters)"
    why = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return StorageError(
        f"Cannot create a job folder in the asset folder '{where}': {why}.",
        "Choose a writable folder with --out or ASSET_DIR.",
    )


__all__ = ["Job", "JobEvent", "JobRequest", "jobs_root", "list_jobs", "run_to_completion", "scan_jobs"]
