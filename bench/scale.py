"""Scaling benchmark: procedural jobs on Celery workers (1, 2 and 4 worker processes, a real
redis-server on loopback) against the embedded runner (a thread pool of 2 in one process).
Prints throughput (jobs/minute), the scaling ratio against one worker, and queueing latency
(submit -> a worker starts the job) p50 / p95.

    .venv/bin/python bench/scale.py [--jobs 24] [--workers 1,2,4]

On the 2-core development machine more than two workers cannot add throughput: the numbers
show the overhead of the queue and where the CPU runs out.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def pct(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def crate_job(text: str, settings):
    """A new procedural GLB job for ``text`` under ``settings``."""
    from core.jobs.pipeline import Job
    from core.jobs.request import JobRequest

    return Job.create(JobRequest(text, formats=["glb"]), asset_dir=settings.asset_dir, settings=settings)


def embedded(n_jobs: int, settings) -> tuple[float, list[float]]:
    from core.jobs.runner import EmbeddedRunner

    runner = EmbeddedRunner(max_workers=2)
    warm = crate_job("warm up crate", settings)
    runner.wait(runner.submit(warm), 120)
    jobs = [crate_job(f"wooden crate {i}", settings) for i in range(n_jobs)]
    t0 = time.time()
    for job in jobs:
        runner.submit(job)
    snaps = [runner.wait(j.job_id, 600) for j in jobs]
    assert all(s.status == "done" for s in snaps)
    return n_jobs / ((max(s.finished_at for s in snaps) - t0) / 60), []


def celery(n_workers: int, n_jobs: int, settings) -> tuple[float, list[float]]:
    from core.jobs.celery_app import celery_app, read_progress
    from core.jobs.runner import CeleryRunner

    celery_app.cache_clear()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "core", "worker", "--queues", "cpu", "--name", f"b{i}@%h"],
            cwd=REPO,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(n_workers)
    ]
    try:
        runner = CeleryRunner(settings.asset_dir, settings)
        while len(runner.app.control.ping(timeout=0.5)) < n_workers:
            pass
        warm = [crate_job(f"warm up crate {i}", settings) for i in range(2 * n_workers)]
        for job in warm:
            runner.submit(job)
        for job in warm:
            runner.wait(job.job_id, 300)
        jobs = [crate_job(f"wooden crate {i}", settings) for i in range(n_jobs)]
        t0 = time.time()
        for job in jobs:
            runner.submit(job)
        snaps = [runner.wait(j.job_id, 600) for j in jobs]
        assert all(s.status == "done" for s in snaps), [s.status for s in snaps]
        records = [read_progress(runner.redis, j.job_id) for j in jobs]
        end = max(float(r["finished_at"]) for r in records)
        latency = [float(r["started_at"]) - float(r["submitted_at"]) for r in records]
        return n_jobs / ((end - t0) / 60), latency
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=24)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-scale-"))
    port = free_port()
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp),
        ],
        stdout=subprocess.DEVNULL,
    )
    os.environ.update(
        ASSET_DIR=str(tmp / "assets"),
        CACHE_DIR=str(tmp / "cache"),
        JOB_RUNNER="celery",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0",
    )
    from core.config import Settings

    settings = Settings()  # the environment just set, as the workers read it
    time.sleep(0.5)
    try:
        rows = [("embedded (2 threads)", *embedded(args.jobs, settings))]
        for n in (int(x) for x in args.workers.split(",")):
            rows.append((f"celery, {n} worker(s)", *celery(n, args.jobs, settings)))
    finally:
        redis.terminate()
    base = next(r[1] for r in rows if r[0].startswith("celery, 1 "))
    print(f"{args.jobs} procedural jobs (GLB), {os.cpu_count()} CPU cores\n")
    print("| runner | jobs/minute | vs 1 worker | queue latency p50 (s) | p95 (s) |")
    print("|---|---|---|---|---|")
    for name, rate, lat in rows:
        l50 = f"{pct(lat, 50):.2f}" if lat else "--"
        l95 = f"{pct(lat, 95):.2f}" if lat else "--"
        print(f"| {name} | {rate:.0f} | {rate / base:.2f}x | {l50} | {l95} |")


if __name__ == "__main__":
    main()
