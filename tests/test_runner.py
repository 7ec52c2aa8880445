"""Job runners: the embedded runner's progress by id, re-attach, cancel and interrupted jobs;
picking a runner from the settings; start-up recovery (core.jobs.recovery)."""

from __future__ import annotations

from core.jobs.checkpoint import Checkpoint
from core.jobs.pipeline import Job
from core.jobs.request import JobRequest
from core.jobs.runner import EmbeddedRunner, snapshot_from_checkpoint


def make_job(description: str, assets, **kwargs) -> Job:
    return Job.create(JobRequest(description, formats=["glb"], **kwargs), asset_dir=assets)


def left_running(description: str, assets) -> Job:
    """A job whose process died after its first step (its checkpoint says ``running``)."""
    job = make_job(description, assets)
    gen = job.run()
    for ev in gen:
        if ev.kind == "done":
            break
    gen.close()
    return job


def test_submit_runs_in_the_background_and_reports_progress(isolated_settings):
    assets = isolated_settings / "assets"
    runner = EmbeddedRunner()
    job = make_job("oak barrel", assets)
    job_id = runner.submit(job)
    assert runner.submit(job) == job_id  # a second submit re-attaches, no second run
    snap = runner.wait(job_id)
    assert snap.status == "done" and snap.fraction == 1.0
    assert snap.result.archetype == "barrel"
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
    blocker = make_job("castle tower", assets)
    job = make_job("anvil", assets)
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
    job = left_running("anvil", assets)
    snap = snapshot_from_checkpoint(job.job_id, assets)
    assert snap.status == "interrupted" and 0 < snap.fraction < 1
    assert snapshot_from_checkpoint("0123456789ab", assets) is None


def test_failures_are_reported_not_raised(configure):
    settings = configure(blender_path="/nonexistent")
    runner = EmbeddedRunner()
    job = Job.create(JobRequest("anvil", formats=["fbx"]), asset_dir=settings.asset_dir)
    snap = runner.wait(runner.submit(job))
    assert snap.status == "failed" and "Blender" in snap.error


def test_server_start_marks_dead_jobs_interrupted_and_leaves_live_ones(isolated_settings):
    from filelock import FileLock

    from core.jobs.runner import recover_interrupted

    assets = isolated_settings / "assets"
    dead = make_job("anvil", assets)
    gen = dead.run()
    next(gen)
    gen.close()  # left "running" with no process behind it
    live = make_job("oak barrel", assets)
    live.cp.status = "running"
    live.cp.save(live.folder)
    with FileLock(str(live.folder / ".lock")):  # another process is running it
        found = recover_interrupted(assets)
    assert found == [dead.job_id]
    assert Checkpoint.load(dead.folder).status == "interrupted"
    assert Checkpoint.load(live.folder).status == "running"


def test_the_settings_pick_the_runner(configure):
    import pytest

    from core.errors import UnknownBackendError
    from core.jobs.runner import RUNNERS, CeleryRunner, runner_for

    assert isinstance(runner_for(configure(job_runner="embedded")), EmbeddedRunner)
    celery = runner_for(configure(job_runner="celery", celery_broker_url="redis://127.0.0.1:1/0"))
    assert isinstance(celery, CeleryRunner)  # built without reaching the broker
    with pytest.raises(UnknownBackendError, match="celery, embedded"):
        RUNNERS.get("threads")


def test_startup_recovery_asks_by_default(configure):
    from core.jobs.recovery import recover_on_startup

    settings = configure()
    job = left_running("anvil", settings.asset_dir)
    runner = EmbeddedRunner()
    report = recover_on_startup(settings, runner)
    assert report.interrupted == [job.job_id] and report.resumed == [] and not report.skipped
    assert runner.snapshot(job.job_id) is None  # offered on the Generate page, not run
    assert Checkpoint.load(job.folder).status == "interrupted"


def test_startup_recovery_resumes_with_auto(configure):
    from core.jobs.recovery import recover_on_startup

    settings = configure(resume_interrupted="auto")
    job = left_running("anvil", settings.asset_dir)
    runner = EmbeddedRunner()
    report = recover_on_startup(settings, runner)
    assert report.interrupted == report.resumed == [job.job_id] and report.failed == {}
    assert runner.wait(job.job_id).status == "done"
    assert Checkpoint.load(job.folder).steps["spec"].attempts == 1  # resumed, not redone


def test_startup_recovery_leaves_a_redelivering_runner_alone(configure):
    from core.jobs.recovery import recover_on_startup
    from core.jobs.runner import runner_for

    settings = configure(
        job_runner="celery", celery_broker_url="redis://127.0.0.1:1/0", resume_interrupted="auto"
    )
    job = left_running("anvil", settings.asset_dir)
    report = recover_on_startup(settings, runner_for(settings))
    assert report.skipped and report.interrupted == []
    assert Checkpoint.load(job.folder).status == "running"  # the broker redelivers its task
