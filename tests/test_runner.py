"""The embedded background job runner: progress by id, re-attach, cancel, interrupted jobs."""

from __future__ import annotations

from core.jobs.checkpoint import Checkpoint
from core.jobs.pipeline import Job
from core.jobs.runner import EmbeddedRunner, snapshot_from_checkpoint


def test_submit_runs_in_the_background_and_reports_progress(isolated_settings):
    assets = isolated_settings / "assets"
    runner = EmbeddedRunner()
    job = Job.create("oak barrel", asset_dir=assets, formats=["glb"])
    job_id = runner.submit(job)
    assert runner.submit(job) == job_id  # a second submit re-attaches, no second run
    snap = runner.wait(job_id)
    assert snap.status == "done" and snap.fraction == 1.0
    assert snap.result["archetype"] == "barrel"
    assert [line.split(":")[0] for line in snap.log] == [
        "spec",
        "generate",
        "process",
        "export",
        "thumbnail",
        "store",
    ]
    assert snap.estimate_s and snap.elapsed_s > 0
    assert Checkpoint.load(job.folder).steps["store"].attempts == 1


def test_cancel_really_stops_and_the_job_stays_resumable(isolated_settings):
    assets = isolated_settings / "assets"
    runner = EmbeddedRunner(max_workers=1)
    blocker = Job.create("castle tower", asset_dir=assets, formats=["glb"])
    job = Job.create("anvil", asset_dir=assets, formats=["glb"])
    runner.submit(blocker)
    runner.submit(job)
    assert runner.cancel(job.job_id)  # cancelled while queued behind the first job
    snap = runner.wait(job.job_id)
    assert snap.status == "cancelled"
    assert Checkpoint.load(job.folder).status == "cancelled"
    assert not runner.cancel(job.job_id)
    resumed = runner.wait(runner.submit(Job.open(job.job_id, assets)))
    assert resumed.status == "done"


def test_a_job_left_running_by_a_dead_process_reads_as_interrupted(isolated_settings):
    assets = isolated_settings / "assets"
    job = Job.create("anvil", asset_dir=assets, formats=["glb"])
    gen = job.run()
    for ev in gen:
        if ev.kind == "done":
            break
    gen.close()
    snap = snapshot_from_checkpoint(job.job_id, assets)
    assert snap.status == "interrupted" and 0 < snap.fraction < 1
    assert snapshot_from_checkpoint("0123456789ab", assets) is None


def test_failures_are_reported_not_raised(isolated_settings, monkeypatch):
    from core.config import get_settings

    monkeypatch.setenv("BLENDER_PATH", "/nonexistent")
    get_settings.cache_clear()
    runner = EmbeddedRunner()
    job = Job.create("anvil", asset_dir=isolated_settings / "assets", formats=["fbx"])
    snap = runner.wait(runner.submit(job))
    assert snap.status == "failed" and "Blender" in snap.error


def test_server_start_marks_dead_jobs_interrupted_and_leaves_live_ones(isolated_settings):
    from filelock import FileLock

    from core.jobs.runner import recover_interrupted

    assets = isolated_settings / "assets"
    dead = Job.create("anvil", asset_dir=assets, formats=["glb"])
    gen = dead.run()
    next(gen)
    gen.close()  # left "running" with no process behind it
    live = Job.create("oak barrel", asset_dir=assets, formats=["glb"])
    live.cp.status = "running"
    live.cp.save(live.folder)
    with FileLock(str(live.folder / ".lock")):  # another process is running it
        found = recover_interrupted(assets)
    assert found == [dead.job_id]
    assert Checkpoint.load(dead.folder).status == "interrupted"
    assert Checkpoint.load(live.folder).status == "running"
