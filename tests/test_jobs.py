"""Jobs and checkpoints: steps, atomic checkpoints, resume, corruption, cancellation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import CheckpointError, JobCancelled, SpecError, StorageError, UnknownBackendError
from core.fsutil import sha256_file
from core.generators.base import CancelToken
from core.jobs.checkpoint import STEPS, Checkpoint
from core.jobs.pipeline import Job, list_jobs, run_to_completion
from core.spec.builtin import BuiltinSpecWriter


@pytest.fixture
def assets(isolated_settings) -> Path:
    return isolated_settings / "assets"


def test_a_job_runs_every_step_and_stores_the_asset(assets):
    job = Job.create("oak barrel", asset_dir=assets, formats=["glb", "stl"])
    events = list(job.run())
    assert [e.step for e in events if e.kind == "done"] == list(STEPS)
    result = job.result()
    assert result["status"] == "done" and result["archetype"] == "barrel"
    folder = assets / result["asset_id"]
    names = {p.name for p in folder.iterdir()}
    assert {
        "spec.json",
        "model.glb",
        "model.stl",
        "thumbnail.png",
        "metadata.json",
        "checkpoint.json",
    } <= names
    assert {"model_lod1.glb", "model_lod2.glb"} <= names
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["files"]["model.glb"]["sha256"] == sha256_file(folder / "model.glb")
    assert meta["files"]["model.glb"]["content_type"] == "model/gltf-binary"
    assert meta["stats"]["watertight"] is True
    stored_cp = json.loads((folder / "checkpoint.json").read_text())
    assert stored_cp["status"] == "done" and stored_cp["schema_version"] == 1
    assert set(result["timings"]) == set(STEPS)
    # the thumbnail is a real picture, not a blank
    from PIL import Image

    img = Image.open(folder / "thumbnail.png")
    assert img.size == (512, 512) and len(set(img.convert("RGB").getdata())) > 50


def test_checkpoint_is_written_after_each_step(assets):
    job = Job.create("anvil", asset_dir=assets, formats=["glb"])
    seen = []
    for ev in job.run():
        if ev.kind == "done":
            seen.append(Checkpoint.load(job.folder).steps[ev.step].status)
    assert seen == ["done"] * len(STEPS)


def test_resume_skips_completed_steps(assets):
    job = Job.create("war hammer", asset_dir=assets, formats=["glb"])
    gen = job.run()
    for ev in gen:
        if ev.step == "process" and ev.kind == "done":
            break
    gen.close()  # stop here, as a crash would
    before = Checkpoint.load(job.folder)
    assert before.steps["process"].status == "done" and before.steps["export"].status == "pending"
    resumed = Job.open(job.job_id, assets)
    events = list(resumed.run())
    assert [e.step for e in events if e.kind == "skip"] == ["spec", "generate", "process"]
    after = Checkpoint.load(job.folder)
    for step in ("spec", "generate", "process"):
        assert after.steps[step].finished_at == before.steps[step].finished_at
        assert after.steps[step].attempts == 1
    assert after.status == "done"


def test_a_changed_output_is_detected_and_its_step_rerun(assets):
    job = Job.create("oak barrel", asset_dir=assets, formats=["glb"])
    run_to_completion(job)
    (job.folder / "raw.npz").write_bytes(b"tampered")
    events = list(Job.open(job.job_id, assets).run())
    assert [e.step for e in events if e.kind == "skip"] == ["spec"]
    assert [e.step for e in events if e.kind == "done"] == list(STEPS[1:])


def test_a_done_job_resumes_to_nothing(assets):
    job = Job.create("anvil", asset_dir=assets, formats=["glb"])
    run_to_completion(job)
    events = list(Job.open(job.job_id, assets).run())
    assert [e.kind for e in events] == ["finished"]


@pytest.mark.parametrize(
    ("content", "words"),
    [("{not json", "corrupt"), ('{"schema_version": 99}', "schema_version 99"),
     ('{"schema_version": 1, "job_id": 5}', "invalid"), ("[]", "not a JSON object")],
)  # fmt: skip
def test_bad_checkpoints_give_clear_errors(assets, content, words):
    job = Job.create("anvil", asset_dir=assets, formats=["glb"])
    (job.folder / "checkpoint.json").write_text(content)
    with pytest.raises(CheckpointError, match=words):
        Job.open(job.job_id, assets)


def test_missing_job_and_unsafe_ids(assets):
    with pytest.raises(CheckpointError, match="No checkpoint"):
        Job.open("0123456789ab", assets)
    with pytest.raises(StorageError, match="Invalid job id"):
        Job.open("../../etc", assets)


def test_cancel_leaves_a_resumable_checkpoint(assets):
    token = CancelToken()
    job = Job.create("castle tower", asset_dir=assets, formats=["glb"])
    with pytest.raises(JobCancelled):
        for ev in job.run(token):
            if ev.step == "generate" and ev.kind == "progress":
                token.cancel()
    cp = Checkpoint.load(job.folder)
    assert cp.status == "cancelled" and cp.steps["spec"].status == "done"
    assert cp.steps["generate"].status == "pending"
    assert run_to_completion(Job.open(job.job_id, assets))["status"] == "done"


def test_a_failing_step_is_recorded_and_nothing_is_published(assets, monkeypatch):
    from core.config import get_settings

    monkeypatch.setenv("BLENDER_PATH", "/nonexistent/blender")
    get_settings.cache_clear()
    job = Job.create("anvil", asset_dir=assets, formats=["glb", "fbx"])
    with pytest.raises(Exception, match="Blender"):
        list(job.run())
    cp = Checkpoint.load(job.folder)
    assert cp.status == "failed" and cp.steps["export"].status == "failed"
    assert "Blender" in cp.steps["export"].error
    assert not (assets / cp.asset_id).exists()


def test_user_spec_skips_the_writer(assets):
    spec = BuiltinSpecWriter().write("oak barrel").spec
    spec.name = "My Barrel"
    job = Job.create("oak barrel", asset_dir=assets, formats=["glb"], spec=spec)
    events = list(job.run())
    assert [e.step for e in events if e.kind == "skip"] == ["spec"]
    assert json.loads((job.folder / "spec.json").read_text())["name"] == "My Barrel"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"formats": ["glb", "dae"]}, SpecError), ({"backend": "nope"}, UnknownBackendError),
     ({"writer": "nope"}, UnknownBackendError), ({"seed": -1}, SpecError)],
)  # fmt: skip
def test_bad_job_inputs_fail_before_anything_is_written(assets, kwargs, error):
    with pytest.raises(error):
        Job.create("anvil", asset_dir=assets, **kwargs)
    assert list_jobs(assets) == []


def test_no_secrets_in_checkpoints(assets, monkeypatch):
    monkeypatch.setenv("LLM_API_KEY", "sk-secret-value-123")
    job = Job.create("anvil", asset_dir=assets, formats=["glb"])
    run_to_completion(job)
    for path in [job.folder / "checkpoint.json", *(assets / job.cp.asset_id).iterdir()]:
        if path.suffix == ".json":
            assert "sk-secret" not in path.read_text()


def test_one_process_per_job(assets):
    job = Job.create("anvil", asset_dir=assets, formats=["glb"])
    first = job.run()
    next(first)
    with pytest.raises(StorageError, match="already running"):
        next(Job.open(job.job_id, assets).run())
    first.close()
