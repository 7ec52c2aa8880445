"""Jobs on Celery workers (``JOB_RUNNER=celery``), with Redis as broker and result backend.

A job is one Celery task, ``workbench.run_job(job_id)``, that runs the same
pipeline steps as the embedded runner. Its state lives in its JSON checkpoint (in the shared
asset folder or S3), so any worker can resume any job, and redelivering a task never redoes a
completed step or creates a second remote task. Progress goes to Redis (``wb:job:<id>``) as it
happens; the checkpoint has it too, so a page can be closed and opened again.

Delivery: ``acks_late`` with ``task_reject_on_worker_lost``: a task is acknowledged only when it
ends, so if its worker dies the broker hands it to another worker after
``CELERY_VISIBILITY_TIMEOUT_S``; one task at a time per worker process
(``worker_prefetch_multiplier=1``) because jobs are long. One queue per resource class:
``cpu`` (procedural), ``gpu`` (Shap-E, Point-E), ``remote`` (Meshy, Tripo polling), so GPU
workers only take GPU jobs and polling a service never holds a GPU slot. Cancellation: the
task is revoked (if not started yet) and a ``wb:cancel:<id>`` flag stops it between steps.

Celery docs: https://docs.celeryq.dev/en/stable/userguide/configuration.html
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from functools import lru_cache
from typing import TYPE_CHECKING

from core.types import CancelToken

if TYPE_CHECKING:
    from core.config import Settings

QUEUES = {"procedural": "cpu", "meshy": "remote", "tripo": "remote", "shap_e": "gpu", "point_e": "gpu"}
PROGRESS_TTL_S = 7 * 24 * 3600


def queue_for(backend: str) -> str:
    """The queue of a job whose backend is ``backend`` (unknown names go to ``cpu``)."""
    return QUEUES.get(backend, "cpu")


def progress_key(job_id: str) -> str:
    return f"wb:job:{job_id}"


def cancel_key(job_id: str) -> str:
    return f"wb:cancel:{job_id}"


def celery_app(settings: Settings | None = None):
    """The Celery application for ``settings``' broker (default: the settings in force),
    created once per process and broker. ``celery_app.cache_clear()`` forgets it."""
    from core.config import get_settings

    s = settings or get_settings()
    return _app_for(s.celery_broker_url, s.celery_result_backend, s.celery_visibility_timeout_s)


@lru_cache(maxsize=4)
def _app_for(broker_url: str, result_backend: str | None, visibility_timeout_s: int):
    from celery import Celery

    app = Celery("workbench", broker=broker_url, backend=result_backend or broker_url)
    # kombu sweeps for unacknowledged (dead worker's) tasks every `unacked_restore_interval`
    # seconds, but by default acts only on every 10th sweep: act on every one, so a task is
    # redelivered within about a fifth of the visibility timeout (at most 10 s) after it expires
    transport = {
        "visibility_timeout": visibility_timeout_s,
        "unacked_restore_interval": min(10, max(1, visibility_timeout_s // 5)),
        "unacked_restore_throttle": 1,
    }
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="cpu",
        task_track_started=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=PROGRESS_TTL_S,
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # keep reconnecting when Redis restarts
        worker_hijack_root_logger=False,
    )
    app.task(name="workbench.run_job", bind=True)(_run_job)
    return app


celery_app.cache_clear = _app_for.cache_clear  # type: ignore[attr-defined]


def redis_client(settings: Settings | None = None):
    """A Redis client on ``settings``' broker (default: the settings in force)."""
    import redis

    from core.config import get_settings

    url = (settings or get_settings()).celery_broker_url
    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5, retry_on_timeout=True)


class RedisCancelToken(CancelToken):
    """A cancel token that also turns on when ``wb:cancel:<job_id>`` is set in Redis (polled)."""

    def __init__(self, client, job_id: str, poll_s: float = 0.5) -> None:
        super().__init__()
        self._stop = threading.Event()

        def watch() -> None:
            while not self._stop.wait(poll_s):
                try:
                    if client.exists(cancel_key(job_id)):
                        self.cancel()
                        return
                except Exception:  # Redis restarting: try again at the next poll
                    continue

        self._thread = threading.Thread(target=watch, name=f"cancel-{job_id}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()


def write_progress(client, job_id: str, **fields) -> None:
    """Merge ``fields`` into the job's progress record in Redis (best effort: a Redis outage
    must not fail a job whose checkpoint is the real state)."""
    try:
        key = progress_key(job_id)
        client.hset(key, mapping={k: json.dumps(v) for k, v in fields.items()})
        client.expire(key, PROGRESS_TTL_S)
    except Exception:  # redis.ConnectionError and friends
        pass


def read_progress(client, job_id: str) -> dict:
    raw = client.hgetall(progress_key(job_id))
    return {k.decode(): json.loads(v) for k, v in raw.items()}


def _run_job(task, job_id: str, asset_dir: str | None = None) -> dict:
    """The Celery task: open the job from its checkpoint and run (or resume) it. The worker's
    own ``ASSET_DIR`` is used unless ``asset_dir`` is given: on another machine the job comes
    from the shared store (``ASSET_STORE=s3``)."""
    from pathlib import Path

    from core.config import get_settings
    from core.errors import JobCancelled, StorageError, WorkbenchError
    from core.jobs.checkpoint import STEPS
    from core.jobs.pipeline import Job

    settings = get_settings()  # the worker's own settings: this task is its entry point
    client = redis_client(settings)
    worker = {"worker": f"{socket.gethostname()}:{os.getpid()}", "pid": os.getpid()}
    job = Job.open(job_id, Path(asset_dir) if asset_dir else settings.asset_dir, settings)
    token = RedisCancelToken(client, job_id)
    started = time.time()
    write_progress(
        client,
        job_id,
        status="running",
        started_at=started,
        asset_id=job.cp.asset_id,
        deliveries=int(task.request.delivery_info.get("redelivered", False)) + 1,
        **worker,
    )
    log: list[str] = []
    last = 0.0
    try:
        for ev in job.run(token):
            done = STEPS.index(ev.step) + (ev.fraction if ev.kind not in ("skip", "done") else 1.0)
            if ev.kind in ("start", "done", "skip", "error", "cancelled"):
                log.append(f"{ev.step}: {ev.kind} {ev.message}".strip())
            now = time.time()
            if now - last > 0.2 or ev.kind != "progress":
                last = now
                write_progress(
                    client,
                    job_id,
                    step=ev.step,
                    fraction=min(done / len(STEPS), 1.0),
                    message=ev.message,
                    log=log[-50:],
                )
        write_progress(client, job_id, status="done", fraction=1.0, finished_at=time.time(), error=None)
        return {"job_id": job_id, "status": "done", "asset_id": job.cp.asset_id}
    except JobCancelled:
        write_progress(client, job_id, status="cancelled", finished_at=time.time())
        return {"job_id": job_id, "status": "cancelled"}
    except StorageError as e:
        if "already running" in str(e):  # a duplicate delivery while the job is alive elsewhere
            return {"job_id": job_id, "status": "duplicate"}
        write_progress(client, job_id, status="failed", error=str(e), finished_at=time.time())
        return {"job_id": job_id, "status": "failed", "error": str(e)}
    except WorkbenchError as e:  # recorded in the checkpoint; resumable by submitting again
        write_progress(client, job_id, status="failed", error=str(e), finished_at=time.time())
        return {"job_id": job_id, "status": "failed", "error": str(e)}
    finally:
        token.close()


def run_worker(
    queues: list[str],
    concurrency: int = 1,
    loglevel: str = "warning",
    name: str | None = None,
    settings: Settings | None = None,
) -> None:
    """Start a Celery worker in this process consuming ``queues`` (blocks until stopped);
    ``settings`` (default: the settings in force) name the broker."""
    app = celery_app(settings)
    argv = [
        "worker",
        "--queues",
        ",".join(queues),
        "--concurrency",
        str(concurrency),
        "--loglevel",
        loglevel,
        "--without-gossip",
        "--without-mingle",
        "--prefetch-multiplier",
        "1",
    ]
    if name:
        argv += ["--hostname", name]
    app.worker_main(argv)
