"""JOB_RUNNER=celery: a real Redis (Debian's redis-server on a loopback port) and real worker
processes (``python -m core worker``): jobs spread over workers, a worker SIGKILLed mid-job
is redelivered elsewhere without redoing steps or paying twice, revoke cancels, and a Redis
restart does not lose jobs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO

from core.jobs.pipeline import Job
from core.jobs.request import JobRequest

VISIBILITY_S = 5


def make_job(description: str, assets: Path, **kwargs) -> Job:
    return Job.create(JobRequest(description, formats=["glb"], **kwargs), asset_dir=assets)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """redis-server on loopback with an append-only file, so a restart keeps the queues."""

    def __init__(self, folder: Path) -> None:
        self.port, self.folder, self.proc = _free_port(), folder, None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if not binary:
            if os.environ.get("CI"):
                pytest.fail("redis-server is required in CI (tools/system-deps.sh --test installs it)")
            pytest.skip("redis-server not installed")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.kill()


@pytest.fixture
def celery_env(redis_server, monkeypatch, configure):
    """Redis as the broker: for this process (``configure``) and for the worker processes
    started by ``workers`` (the environment)."""
    from core.jobs.celery_app import celery_app

    broker = {"JOB_RUNNER": "celery", "CELERY_BROKER_URL": redis_server.url}
    for var, value in {**broker, "CELERY_VISIBILITY_TIMEOUT_S": str(VISIBILITY_S)}.items():
        monkeypatch.setenv(var, value)
    configure(
        job_runner="celery", celery_broker_url=redis_server.url, celery_visibility_timeout_s=VISIBILITY_S
    )
    celery_app.cache_clear()
    yield redis_server
    celery_app.cache_clear()


class Workers:
    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, n: int, queues: str = "cpu,remote", folders: list[Path] | None = None) -> Workers:
        """Start ``n`` workers; with ``folders``, each has its own ASSET_DIR (another machine)."""
        from core.jobs.celery_app import celery_app

        base = len(self.procs)
        for i in range(n):
            env = dict(os.environ, **({"ASSET_DIR": str(folders[i])} if folders else {}))
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "core", "worker", "--queues", queues, "--name", f"w{base + i}@%h"],
                    cwd=REPO,
                    env=env,
                    start_new_session=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if len(celery_app().control.ping(timeout=0.5)) >= len(
                [p for p in self.procs if p.poll() is None]
            ):
                return self
        raise RuntimeError("workers did not come up")

    def owner_of(self, pid: int) -> subprocess.Popen:
        """The worker whose process group holds ``pid`` (a prefork child)."""
        group = os.getpgid(pid)
        return next(p for p in self.procs if p.pid == group)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


@pytest.fixture
def workers(celery_env):
    w = Workers()
    yield w
    w.stop()


def _runner(tmp_path):
    from core.jobs.runner import CeleryRunner

    return CeleryRunner(tmp_path / "assets")


def test_twenty_jobs_across_three_workers(workers, tmp_path):
    workers.start(3)
    runner = _runner(tmp_path)
    jobs = [make_job(f"wooden crate number {i}", tmp_path / "assets") for i in range(20)]
    for job in jobs:
        runner.submit(job)
    snaps = [runner.wait(job.job_id, timeout=240) for job in jobs]
    assert all(s.status == "done" for s in snaps), [(s.job_id, s.status, s.error) for s in snaps]
    used = {workers.owner_of(runner.worker_of(j.job_id)["pid"]).pid for j in jobs}
    assert len(used) >= 2  # the queue spread the work
    for job in jobs:
        assert Job.open(job.job_id, tmp_path / "assets").result().status == "done"


def test_a_worker_killed_mid_job_is_redelivered_without_redoing_work(meshy, workers, tmp_path):
    from core.jobs.checkpoint import Checkpoint

    workers.start(2, "remote")
    runner = _runner(tmp_path)
    meshy.hold.set()
    job = make_job("iron shield", tmp_path / "assets", backend="meshy")
    runner.submit(job)
    deadline = time.monotonic() + 60
    while (
        not any(m == "GET" and "/text-to-3d/" in p for _, m, p in meshy.requests)
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    first = runner.worker_of(job.job_id)
    victim = workers.owner_of(first["pid"])
    os.killpg(victim.pid, signal.SIGKILL)  # the whole worker: parent and its pool
    victim.wait(10)
    meshy.hold.clear()
    snap = runner.wait(job.job_id, timeout=VISIBILITY_S * 12 + 60)
    assert snap.status == "done", (snap.status, snap.error)
    assert runner.worker_of(job.job_id)["pid"] != first["pid"]  # another worker finished it
    assert len(meshy.creates) == 2  # preview + refine: the preview task was polled again, not re-created
    cp = Checkpoint.load(tmp_path / "assets" / ".jobs" / job.job_id)
    assert cp.steps["spec"].attempts == 1 and cp.status == "done"  # completed steps were not redone


def test_revoke_cancels_queued_and_running_jobs(meshy, workers, tmp_path):
    workers.start(1, "remote")
    runner = _runner(tmp_path)
    meshy.hold.set()
    running = make_job("iron shield", tmp_path / "assets", backend="meshy")
    runner.submit(running)
    queued = make_job("wooden crate", tmp_path / "assets", backend="shap_e")
    runner.submit(queued)  # the gpu queue has no worker here: it stays queued
    deadline = time.monotonic() + 60
    while runner.snapshot(running.job_id).status != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runner.cancel(running.job_id) and runner.cancel(queued.job_id)
    assert runner.wait(running.job_id, timeout=60).status == "cancelled"
    assert runner.snapshot(queued.job_id).status == "cancelled"
    assert Job.open(running.job_id, tmp_path / "assets").cp.status == "cancelled"
    assert not runner.cancel(running.job_id)  # nothing left to cancel


def test_jobs_finish_when_redis_restarts_mid_run(celery_env, workers, tmp_path):
    workers.start(1)
    runner = _runner(tmp_path)
    jobs = [make_job(f"oak barrel {i}", tmp_path / "assets") for i in range(6)]
    for job in jobs:
        runner.submit(job)
    deadline = time.monotonic() + 60
    while not any(runner.snapshot(j.job_id).status == "done" for j in jobs) and time.monotonic() < deadline:
        time.sleep(0.05)
    celery_env.kill()  # the broker goes away with jobs queued and one running
    time.sleep(1.0)
    celery_env.start()  # same port, same append-only file: the queue is back
    snaps = [runner.wait(j.job_id, timeout=180) for j in jobs]
    assert all(s.status == "done" for s in snaps), [(s.job_id, s.status, s.error) for s in snaps]


def test_workers_on_other_machines_share_jobs_through_s3(s3_env, workers, tmp_path):
    from core.jobs.runner import CeleryRunner
    from core.storage import open_store

    workers.start(2, folders=[tmp_path / "machine1", tmp_path / "machine2"])
    app_dir = tmp_path / "web"
    runner = CeleryRunner(app_dir)
    png = __import__("io").BytesIO()
    __import__("PIL.Image").Image.new("RGB", (64, 64), (200, 30, 30)).save(png, format="PNG")
    jobs = [make_job(f"oak barrel {i}", app_dir, reference_image=png.getvalue()) for i in range(4)]
    for job in jobs:
        runner.submit(job)
    assert all(runner.wait(j.job_id, timeout=180).status == "done" for j in jobs)
    store = open_store(root=app_dir)
    for job in jobs:  # each asset is in the bucket with its reference image, made on a worker
        assert "reference.png" in store.get_metadata(job.cp.asset_id)["files"]
        assert not (app_dir / ".jobs" / job.job_id / "exports").exists()  # nothing made on the web server
        assert Job.open(job.job_id, tmp_path / "elsewhere").result().status == "done"
