"""Job runners: run jobs in the background and report their progress by job id.

Runners are registered by name in :data:`RUNNERS` (the ``JOB_RUNNER`` setting picks one;
:func:`runner_for` builds it). ``embedded`` (the default, :class:`EmbeddedRunner`) runs jobs
in a thread pool inside the current process (the Streamlit server), so a page reload or a
second tab re-attaches to a running job by its id; ``celery`` (:class:`CeleryRunner`) queues
them for Celery workers. The interface (:class:`JobRunner`: submit / snapshot / cancel /
wait) is small on purpose, so a distributed queue replaces the embedded runner without
touching pages or pipeline steps.
"""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from core.errors import JobCancelled, UnknownBackendError, WorkbenchError
from core.formats import FORMATS
from core.jobs.checkpoint import STEPS, Checkpoint
from core.jobs.pipeline import Job, jobs_root
from core.registry import Entry, LazyRegistry
from core.types import Availability, CancelToken

if TYPE_CHECKING:
    from core.config import Settings
    from core.schemas import JobResult

# seconds per step on embedded defaults (bench/pipeline.py p50), used until real runs are seen
DEFAULT_STEP_SECONDS = {
    "spec": 0.01,
    "generate": 0.05,
    "process": 0.05,
    "export": 0.05,
    "thumbnail": 0.3,
    "store": 0.01,
}
BLENDER_EXPORT_SECONDS = 3.0


@dataclass
class JobSnapshot:
    """What a page needs to draw a job: status, current step, progress and log lines."""

    job_id: str
    asset_id: str
    status: str  # pending | running | done | failed | cancelled | interrupted
    step: str = ""
    fraction: float = 0.0  # of the whole job, 0..1
    message: str = ""
    started_at: float = 0.0
    finished_at: float | None = None
    estimate_s: float | None = None
    log: list[str] = field(default_factory=list)
    error: str | None = None
    result: JobResult | None = None  # the job's summary once it ended (embedded runner)

    @property
    def elapsed_s(self) -> float:
        end = self.finished_at or time.time()
        return max(end - self.started_at, 0.0) if self.started_at else 0.0

    @property
    def active(self) -> bool:
        return self.status in ("pending", "running")


@runtime_checkable
class JobRunner(Protocol):
    """What every job runner exposes (registered by name in :data:`RUNNERS`).

    ``label`` is what people see, ``availability()`` whether it can run here (a classmethod),
    ``for_settings(settings)`` builds one. ``redelivers``: the runner resumes jobs whose
    process died by itself (Celery redelivers their tasks), so start-up recovery
    (:mod:`core.jobs.recovery`) leaves its jobs alone.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    redelivers: ClassVar[bool]

    @classmethod
    def availability(cls) -> Availability: ...

    @classmethod
    def for_settings(cls, settings: Settings) -> JobRunner:
        """A runner configured by ``settings``."""
        ...

    def submit(self, job: Job) -> str:
        """Start (or resume) ``job`` in the background; returns its id. A job already
        pending or running is re-attached, never started twice."""
        ...

    def snapshot(self, job_id: str) -> JobSnapshot | None:
        """The job's current state, or None if this runner never saw it."""
        ...

    def cancel(self, job_id: str) -> bool:
        """Ask a running job to stop after its current step part; True if it was running."""
        ...

    def wait(self, job_id: str, timeout: float = 60.0) -> JobSnapshot | None:
        """Block until the job is no longer active or ``timeout`` seconds passed; its last
        snapshot (for the CLI and tests)."""
        ...


class EmbeddedRunner:
    """Thread-pool runner in this process; thread-safe."""

    name: ClassVar[str] = "embedded"
    label: ClassVar[str] = "Embedded (threads in this process)"
    redelivers: ClassVar[bool] = False

    @classmethod
    def availability(cls) -> Availability:
        return Availability(True, "threads in this process, always available")

    @classmethod
    def for_settings(cls, settings: Settings) -> EmbeddedRunner:
        return cls(max_workers=2)

    def __init__(self, max_workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="job")
        self._lock = threading.Lock()
        self._snaps: dict[str, JobSnapshot] = {}
        self._tokens: dict[str, CancelToken] = {}
        self._durations: dict[str, list[float]] = {s: [] for s in STEPS}

    def estimate(self, job: Job) -> float:
        """Expected seconds for the whole job from recent step durations (median)."""
        total = 0.0
        for step in STEPS:
            seen = self._durations[step][-20:]
            total += statistics.median(seen) if seen else DEFAULT_STEP_SECONDS[step]
        if any(FORMATS[f].needs_blender for f in job.cp.inputs.formats if f in FORMATS):
            total += BLENDER_EXPORT_SECONDS
        return total

    def submit(self, job: Job) -> str:
        with self._lock:
            current = self._snaps.get(job.job_id)
            if current and current.active:
                return job.job_id  # already running: re-attach
            token = CancelToken()
            self._tokens[job.job_id] = token
            self._snaps[job.job_id] = JobSnapshot(
                job.job_id,
                job.cp.asset_id,
                "pending",
                started_at=time.time(),
                estimate_s=self.estimate(job),
            )
        self._pool.submit(self._run, job, token)
        return job.job_id

    def _update(self, job_id: str, **changes) -> None:
        with self._lock:
            snap = self._snaps[job_id]
            for k, v in changes.items():
                setattr(snap, k, v)

    def _run(self, job: Job, token: CancelToken) -> None:
        jid = job.job_id
        self._update(jid, status="running")
        try:
            for ev in job.run(token):
                done = STEPS.index(ev.step) + (
                    1.0 if ev.kind in ("done", "skip", "finished") else ev.fraction
                )
                with self._lock:
                    snap = self._snaps[jid]
                    snap.step, snap.message = ev.step, ev.message
                    snap.fraction = min(done / len(STEPS), 1.0)
                    if ev.kind in ("done", "skip"):
                        snap.log.append(f"{ev.step}: {ev.message} ({ev.elapsed_s:.2f} s)")
                    if ev.kind == "done":
                        self._durations[ev.step].append(ev.elapsed_s)
            self._update(jid, status="done", fraction=1.0, result=job.result(), finished_at=time.time())
        except JobCancelled:
            self._update(jid, status="cancelled", finished_at=time.time(), result=job.result())
        except WorkbenchError as e:
            self._update(jid, status="failed", error=str(e), finished_at=time.time(), result=job.result())
        except Exception as e:  # a bug must not kill the worker thread silently
            self._update(jid, status="failed", error=f"{type(e).__name__}: {e}", finished_at=time.time())

    def snapshot(self, job_id: str) -> JobSnapshot | None:
        with self._lock:
            snap = self._snaps.get(job_id)
            if snap is None:
                return None
            return JobSnapshot(**{**snap.__dict__, "log": list(snap.log)})

    def cancel(self, job_id: str) -> bool:
        with self._lock:
            token = self._tokens.get(job_id)
            snap = self._snaps.get(job_id)
            if token is None or snap is None or not snap.active:
                return False
            token.cancel()
            return True

    def wait(self, job_id: str, timeout: float = 60.0) -> JobSnapshot | None:
        """Block until the job is no longer active (for the CLI and tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            snap = self.snapshot(job_id)
            if snap is None or not snap.active:
                return snap
            time.sleep(0.05)
        return self.snapshot(job_id)


def snapshot_from_checkpoint(job_id: str, asset_dir: Path) -> JobSnapshot | None:
    """A job this process is not running, read from its checkpoint: a job left ``running``
    by a dead process is reported ``interrupted`` (resumable)."""
    try:
        cp = Checkpoint.load(jobs_root(asset_dir) / job_id)
    except WorkbenchError:
        return None
    status = "interrupted" if cp.status in ("running", "pending") else cp.status
    done = sum(cp.steps[s].status == "done" for s in STEPS)
    return JobSnapshot(job_id, cp.asset_id, status, fraction=done / len(STEPS), error=cp.error)


def recover_interrupted(asset_dir: Path) -> list[str]:
    """Mark jobs left ``running``/``pending`` by a process that is gone as ``interrupted``.

    A job whose file lock is held is alive in another process (a CLI run, another server)
    and is left alone. Returns the ids of the interrupted jobs (resumable).
    """
    from filelock import FileLock, Timeout

    from core.jobs.pipeline import list_jobs

    found = []
    for cp in list_jobs(asset_dir, include_store=False):
        if cp.status not in ("running", "pending", "interrupted"):
            continue
        folder = jobs_root(asset_dir) / cp.job_id
        lock = FileLock(str(folder / ".lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            continue  # alive elsewhere
        try:
            if cp.status != "interrupted":
                cp.status = "interrupted"
                cp.save(folder)
        finally:
            lock.release()
        found.append(cp.job_id)
    return found


class CeleryRunner:
    """Jobs on Celery workers (``JOB_RUNNER=celery``); see :mod:`core.jobs.celery_app`.

    The pages stay thin: ``submit`` queues the job on its resource class's queue, ``snapshot``
    reads the progress workers write to Redis, ``cancel`` revokes a queued task and flags a
    running one to stop between steps. The job's checkpoint (shared folder or S3) stays the
    source of truth, so a snapshot survives Redis restarts and closed tabs.
    """

    name: ClassVar[str] = "celery"
    label: ClassVar[str] = "Celery workers (Redis broker)"
    redelivers: ClassVar[bool] = True

    @classmethod
    def availability(cls) -> Availability:
        """Ready when celery and redis are installed (the broker is reached on first use)."""
        import importlib.util

        missing = [p for p in ("celery", "redis") if importlib.util.find_spec(p) is None]
        if missing:
            return Availability(False, f"missing {', '.join(missing)}: pip install celery redis")
        return Availability(True, "jobs run on Celery workers (python -m core worker)")

    @classmethod
    def for_settings(cls, settings: Settings) -> CeleryRunner:
        return cls(settings.asset_dir, settings)

    def __init__(self, asset_dir: Path, settings: Settings | None = None) -> None:
        """``settings`` (default: the settings in force) name the broker."""
        from core.config import get_settings
        from core.jobs.celery_app import celery_app, redis_client

        settings = settings or get_settings()
        self.asset_dir = Path(asset_dir)
        self.app = celery_app(settings)
        self.redis = redis_client(settings)

    def submit(self, job: Job) -> str:
        from core.jobs.celery_app import cancel_key, queue_for, write_progress

        snap = self.snapshot(job.job_id)
        if snap is not None and snap.active:
            return job.job_id  # already queued or running: re-attach
        self.redis.delete(cancel_key(job.job_id))
        job.share()  # workers elsewhere open it from the store (ASSET_STORE=s3)
        queue = queue_for(job.cp.inputs.backend)
        write_progress(
            self.redis,
            job.job_id,
            status="pending",
            asset_id=job.cp.asset_id,
            queue=queue,
            submitted_at=time.time(),
            fraction=0.0,
            message="queued",
            log=[],
            error=None,
        )
        result = self.app.send_task("workbench.run_job", args=[job.job_id], queue=queue)
        write_progress(self.redis, job.job_id, task_id=result.id)
        return job.job_id

    def snapshot(self, job_id: str) -> JobSnapshot | None:
        from core.jobs.celery_app import read_progress

        p = read_progress(self.redis, job_id)
        if not p:
            return None
        if p.get("status") in ("pending", "running"):
            # the checkpoint is the truth: a worker that finished while Redis was down could
            # not record it there
            try:
                cp = Checkpoint.load(jobs_root(self.asset_dir) / job_id)
                if cp.status in ("done", "failed", "cancelled"):
                    p.update(
                        status=cp.status,
                        error=cp.error,
                        fraction=1.0 if cp.status == "done" else p.get("fraction", 0),
                    )
            except WorkbenchError:
                pass  # not on this machine (S3): Redis is all we have
        return JobSnapshot(
            job_id,
            p.get("asset_id", ""),
            p.get("status", "pending"),
            step=p.get("step", ""),
            fraction=float(p.get("fraction", 0.0)),
            message=p.get("message", ""),
            started_at=float(p.get("started_at") or p.get("submitted_at") or 0.0),
            finished_at=p.get("finished_at"),
            log=list(p.get("log", [])),
            error=p.get("error"),
        )

    def worker_of(self, job_id: str) -> dict:
        """``{"worker": "host:pid", "pid": ...}`` of the worker that last started the job."""
        from core.jobs.celery_app import read_progress

        p = read_progress(self.redis, job_id)
        return {"worker": p.get("worker"), "pid": p.get("pid"), "deliveries": p.get("deliveries")}

    def cancel(self, job_id: str) -> bool:
        from core.jobs.celery_app import cancel_key, read_progress, write_progress

        p = read_progress(self.redis, job_id)
        if p.get("status") not in ("pending", "running"):
            return False
        self.redis.set(cancel_key(job_id), 1, ex=24 * 3600)
        if p.get("task_id"):
            self.app.control.revoke(p["task_id"])  # a queued task never starts; a running one sees the flag
        if p.get("status") == "pending":
            write_progress(self.redis, job_id, status="cancelled", finished_at=time.time())
        return True

    def wait(self, job_id: str, timeout: float = 60.0) -> JobSnapshot | None:
        """Block until the job is no longer active (for the CLI and tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            snap = self.snapshot(job_id)
            if snap is not None and not snap.active:
                return snap
            time.sleep(0.1)
        return self.snapshot(job_id)


RUNNERS: LazyRegistry[type[JobRunner]] = LazyRegistry(
    "job runner",
    {
        "embedded": Entry("core.jobs.runner:EmbeddedRunner"),
        "celery": Entry("core.jobs.runner:CeleryRunner", "pip install celery redis"),
    },
    unknown_error=UnknownBackendError,
)


def runner_for(settings: Settings) -> JobRunner:
    """The runner ``settings.job_runner`` names, configured by ``settings``.

    Raises ``UnknownBackendError`` (unknown name) or ``BackendUnavailable``.
    """
    return RUNNERS.get(settings.job_runner).for_settings(settings)
