"""Jobs and checkpoints: steps, atomic checkpoints, resume, corruption, cancellation."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from core.errors import CheckpointError, JobCancelled, SpecError, StorageError, UnknownBackendError
from core.fsutil import sha256_file
from core.generators.base import CancelToken
from core.jobs.checkpoint import STEPS, Checkpoint
from core.jobs.pipeline import Job, list_jobs, run_to_completion
from core.jobs.request import JobRequest
from core.spec.builtin import BuiltinSpecWriter


@pytest.fixture
def assets(isolated_settings) -> Path:
    return isolated_settings / "assets"


def test_a_job_runs_every_step_and_stores_the_asset(assets):
    job = Job.create(JobRequest("oak barrel", formats=["glb", "stl"]), asset_dir=assets)
    events = list(job.run())
    assert [e.step for e in events if e.kind == "done"] == list(STEPS)
    result = job.result()
    assert result.status == "done" and result.archetype == "barrel"
    folder = assets / result.asset_id
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
    assert meta["stats"]["watertight"] is True and meta["schema_version"] == 2
    assert meta["costs"] == {"credits": {}, "usd": {}}
    assert result.stats is not None and result.stats.watertight
    stored_cp = json.loads((folder / "checkpoint.json").read_text())
    assert stored_cp["status"] == "done" and stored_cp["schema_version"] == 1
    assert set(result.timings) == set(STEPS)
    # the thumbnail is a real picture, not a blank
    from PIL import Image

    img = Image.open(folder / "thumbnail.png")
    assert img.size == (512, 512) and len(set(img.convert("RGB").getdata())) > 50


def test_checkpoint_is_written_after_each_step(assets):
    job = Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=assets)
    seen = []
    for ev in job.run():
        if ev.kind == "done":
            seen.append(Checkpoint.load(job.folder).steps[ev.step].status)
    assert seen == ["done"] * len(STEPS)


def test_resume_skips_completed_steps(assets):
    job = Job.create(JobRequest("war hammer", formats=["glb"]), asset_dir=assets)
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
    job = Job.create(JobRequest("oak barrel", formats=["glb"]), asset_dir=assets)
    run_to_completion(job)
    (job.folder / "raw.npz").write_bytes(b"tampered")
    events = list(Job.open(job.job_id, assets).run())
    assert [e.step for e in events if e.kind == "skip"] == ["spec"]
    assert [e.step for e in events if e.kind == "done"] == list(STEPS[1:])


def test_a_done_job_resumes_to_nothing(assets):
    job = Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=assets)
    run_to_completion(job)
    events = list(Job.open(job.job_id, assets).run())
    assert [e.kind for e in events] == ["finished"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "corrupt"),
        ('{"schema_version": 99}', "schema_version 99"),
        ('{"schema_version": 1, "job_id": 5}', "invalid"),
        ("[]", "not a JSON object"),
    ],
)
def test_bad_checkpoints_give_clear_errors(assets, content, words):
    job = Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=assets)
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
    job = Job.create(JobRequest("castle tower", formats=["glb"]), asset_dir=assets)
    with pytest.raises(JobCancelled):
        for ev in job.run(token):
            if ev.step == "generate" and ev.kind == "progress":
                token.cancel()
    cp = Checkpoint.load(job.folder)
    assert cp.status == "cancelled" and cp.steps["spec"].status == "done"
    assert cp.steps["generate"].status == "pending"
    assert run_to_completion(Job.open(job.job_id, assets)).status == "done"


def test_a_failing_step_is_recorded_and_nothing_is_published(assets, configure):
    configure(blender_path="/nonexistent/blender")
    job = Job.create(JobRequest("anvil", formats=["glb", "fbx"]), asset_dir=assets)
    with pytest.raises(Exception, match="Blender"):
        list(job.run())
    cp = Checkpoint.load(job.folder)
    assert cp.status == "failed" and cp.steps["export"].status == "failed"
    assert "Blender" in cp.steps["export"].error
    assert not (assets / cp.asset_id).exists()


def test_user_spec_skips_the_writer(assets):
    spec = BuiltinSpecWriter().write("oak barrel").spec
    spec.name = "My Barrel"
    job = Job.create(JobRequest("oak barrel", formats=["glb"], spec=spec), asset_dir=assets)
    events = list(job.run())
    assert [e.step for e in events if e.kind == "skip"] == ["spec"]
    assert json.loads((job.folder / "spec.json").read_text())["name"] == "My Barrel"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"formats": ["glb", "dae"]}, SpecError),
        ({"backend": "nope"}, UnknownBackendError),
        ({"writer": "nope"}, UnknownBackendError),
        ({"seed": -1}, SpecError),
    ],
)
def test_bad_job_inputs_fail_before_anything_is_written(assets, kwargs, error):
    with pytest.raises(error):
        Job.create(JobRequest("anvil", **kwargs), asset_dir=assets)
    assert list_jobs(assets) == []


def test_no_secrets_in_checkpoints(assets, configure):
    configure(llm_api_key="sk-secret-value-123")
    job = Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=assets)
    run_to_completion(job)
    for path in [job.folder / "checkpoint.json", *(assets / job.cp.asset_id).iterdir()]:
        if path.suffix == ".json":
            assert "sk-secret" not in path.read_text()


def test_one_process_per_job(assets):
    job = Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=assets)
    first = job.run()
    next(first)
    with pytest.raises(StorageError, match="already running"):
        next(Job.open(job.job_id, assets).run())
    first.close()


# --- checkpoints are untrusted input ---------------------------------------------------------
def _done(assets) -> tuple[Job, dict]:
    job = Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=assets)
    run_to_completion(job)
    return job, json.loads((job.folder / "checkpoint.json").read_text())


def _parse(job: Job, raw: dict) -> Checkpoint:
    return Checkpoint.parse(json.dumps(raw).encode(), job.job_id, "test")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda r: r["steps"].pop("store"), "missing store"),
        (lambda r: r["steps"].update(extra={}), "unknown extra"),
        (lambda r: r.update(asset_id="barrel-12345678"), "does not belong to job"),
        (lambda r: r["inputs"].update(description="chest"), "does not belong to job"),
        (lambda r: r["inputs"].update(reference_image="/etc/hostname"), "reference_image"),
        (lambda r: r["inputs"].update(reference_image="../x.png"), "reference_image"),
        (lambda r: r["inputs"].update(model="m" * 10_000), "inputs.model"),
        (
            lambda r: r["steps"]["export"]["outputs"].update(
                {"../../etc/hostname": {"path": "../../etc/hostname", "sha256": "0" * 64, "size": 1}}
            ),
            "job folder",
        ),
        (
            lambda r: r["steps"]["export"]["outputs"].update(
                {"exports/a.glb": {"path": "exports/b.glb", "sha256": "0" * 64, "size": 1}}
            ),
            "records the path",
        ),
        (
            lambda r: r["steps"]["export"]["outputs"].update(
                {f"f{i}.bin": {"path": f"f{i}.bin", "sha256": "0" * 64, "size": 1} for i in range(100)}
            ),
            "at most 64",
        ),
        (
            lambda r: r["steps"]["export"]["info"].update(files={"glb": "../../../etc/hostname"}),
            "export.info.files",
        ),
        (lambda r: r["steps"]["spec"].update(error="e" * 100_000), "steps.spec.error"),
    ],
)
def test_tampered_checkpoints_are_refused(assets, change, words):
    job, raw = _done(assets)
    assert _parse(job, raw).status == "done"
    change(raw)
    with pytest.raises(CheckpointError, match=words):
        _parse(job, raw)


def test_oversized_and_deeply_nested_checkpoints(assets):
    job, raw = _done(assets)
    with pytest.raises(CheckpointError, match="recursion limit"):
        Checkpoint.parse(b"[" * 10_000 + b"]" * 10_000, job.job_id, "test")
    raw["steps"]["spec"]["info"]["pad"] = "x" * (2 * 1024 * 1024)
    (job.folder / "checkpoint.json").write_text(json.dumps(raw))
    with pytest.raises(CheckpointError, match="larger than"):
        Checkpoint.load(job.folder)
    cps, bad = __import__("core.jobs.pipeline", fromlist=["scan_jobs"]).scan_jobs(assets)
    assert cps == [] and list(bad) == [job.job_id] and "larger than" in bad[job.job_id]


def test_a_symlinked_output_leading_out_is_refused(assets, tmp_path):
    job, _ = _done(assets)
    outside = tmp_path / "outside.glb"
    target = job.folder / "exports" / "model.glb"
    outside.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(outside)
    with pytest.raises(CheckpointError, match="outside its job folder"):
        list(Job.open(job.job_id, assets).run())


def test_long_errors_are_clipped_so_the_checkpoint_stays_readable(assets):
    job = Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=assets)
    job.cp.error = "e" * 100_000
    job.cp.save(job.folder)
    assert len(Checkpoint.load(job.folder).error) <= 4000


def test_job_inputs_too_long_or_not_utf8_fail_before_anything_is_written(assets):
    with pytest.raises(SpecError, match="model"):
        Job.create(JobRequest("anvil", model="m" * 10_000), asset_dir=assets)
    with pytest.raises(SpecError, match="UTF-8"):
        Job.create(JobRequest("anvil \udcff"), asset_dir=assets)
    assert not (assets / ".jobs").exists() or list((assets / ".jobs").iterdir()) == []


def test_an_unusable_asset_folder_is_a_storage_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError, match="Cannot create a job folder"):
        Job.create(JobRequest("anvil"), asset_dir=tmp_path / "file")


def test_a_deleted_asset_is_published_again_on_resume(assets):
    import shutil

    job, _ = _done(assets)
    shutil.rmtree(assets / job.cp.asset_id)
    events = list(Job.open(job.job_id, assets).run())
    assert [e.step for e in events if e.kind == "done"] == ["store"]
    assert (assets / job.cp.asset_id / "model.glb").is_file()


# --- requests and costs ----------------------------------------------------------------------
def test_a_request_is_normalised_once():
    request = JobRequest(
        "  oak\tbarrel ",
        backend="procedural",
        fallbacks=["meshy", "procedural", "meshy"],
        formats=["glb", "glb", "stl"],
        costs={"concept_images_usd": 0.08},
    )
    assert request.description == "oak barrel" and request.warnings == ()
    assert request.fallbacks == ("meshy",) and request.formats == ("glb", "stl")
    assert request.costs.usd == {"concept_images": 0.08}
    assert JobRequest("anvil", formats=[]).formats == ("glb", "obj", "stl")
    long = JobRequest("oak barrel " * 200)
    assert len(long.description) <= 1000 and "characters" in long.warnings[0]


def test_fallbacks_left_open_come_from_the_settings(assets, configure):
    settings = configure(generator_fallbacks=["procedural", "meshy"], asset_store="local")
    job = Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=assets, settings=settings)
    assert job.cp.inputs.fallbacks == ["meshy"] and job.settings is settings
    with pytest.raises(UnknownBackendError, match="nope"):
        JobRequest("anvil", formats=["glb"]).inputs(configure(generator_fallbacks=["nope"]))


def test_costs_are_typed_and_old_flat_checkpoints_still_load(assets):
    from core.jobs.steps import job_costs

    request = JobRequest("anvil", formats=["glb"], costs={"concept_images_usd": 0.08})
    job = Job.create(request, asset_dir=assets)
    raw = json.loads((job.folder / "checkpoint.json").read_text())
    assert raw["inputs"]["costs"] == {"credits": {}, "usd": {"concept_images": 0.08}}
    raw["inputs"]["costs"] = {"concept_images_usd": 0.08}  # the flat form of older checkpoints
    raw["steps"]["generate"]["state"] = {"meshy": {"credits": 30}, "tripo": {}}
    (job.folder / "checkpoint.json").write_text(json.dumps(raw))
    costs = job_costs(Job.open(job.job_id, assets).cp)
    assert costs.credits == {"meshy": 30.0} and costs.usd == {"concept_images": 0.08}
    assert costs.summary() == "30 meshy credits, $0.08 concept images"


def test_a_result_is_typed_and_a_tampered_one_is_a_checkpoint_error(assets):
    job, raw = _done(assets)
    result = run_to_completion(Job.open(job.job_id, assets))
    assert result.status == "done" and Path(result.files["glb"]).is_file()
    assert result.model_dump(mode="json")["stats"]["faces"] > 0
    raw["steps"]["spec"]["info"]["warnings"] = 5
    (job.folder / "checkpoint.json").write_text(json.dumps(raw))
    with pytest.raises(CheckpointError, match="unusable result"):
        Job.open(job.job_id, assets).result()


def test_a_resumed_job_keeps_the_texture_size_and_collision_it_was_asked_for(assets, configure):
    """``--texture-size``/``--collision`` (or the settings then) are recorded in the
    checkpoint: resuming under other settings still makes what was asked."""
    from core.config import get_settings

    asked = get_settings().model_copy(update={"texture_size": 512, "collision": "none"})
    job = Job.create(JobRequest("oak barrel", formats=["glb"]), asset_dir=assets, settings=asked)
    assert (job.cp.inputs.texture_size, job.cp.inputs.collision) == (512, "none")
    gen = job.run()
    for ev in gen:
        if ev.step == "process" and ev.kind == "done":
            break
    gen.close()  # a crash after processing
    configure(texture_size=2048, collision="hull")  # the settings changed before the resume
    resumed = Job.open(job.job_id, assets)
    assert (resumed.settings.texture_size, resumed.settings.collision) == (512, "none")
    result = run_to_completion(resumed)
    assert result.status == "done"
    export = Checkpoint.load(job.folder).steps["export"].info
    assert export["collision"] == {"mode": "none", "pieces": 0}
    from PIL import Image

    from core.mesh.gltf_sources import glb_chunks

    doc, blob = glb_chunks(Path(result.files["glb"]).read_bytes())
    view = doc["bufferViews"][doc["images"][0]["bufferView"]]
    start = view.get("byteOffset", 0)
    assert Image.open(io.BytesIO(blob[start : start + view["byteLength"]])).size == (512, 512)
    old = json.loads((job.folder / "checkpoint.json").read_text())
    del old["inputs"]["texture_size"], old["inputs"]["collision"]  # a checkpoint from before
    assert Checkpoint.model_validate(old).inputs.texture_size is None


@pytest.mark.parametrize(
    "field,value", [("texture_size", 300), ("texture_size", -1), ("collision", "sphere")]
)
def test_a_request_refuses_an_unknown_texture_size_or_collision_mode(field, value):
    with pytest.raises(SpecError) as err:
        JobRequest("oak barrel", **{field: value})
    assert err.value.hint  # says what to use
