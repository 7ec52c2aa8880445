"""Local ML backends: the real Shap-E code path on a tiny random diffusers pipeline, the
Point-E adapter against its stand-in package, devices, progress per step, cancellation,
out-of-memory, missing weights or packages, and colours that survive export."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import trimesh

from core.errors import BackendUnavailable, GenerationError, JobCancelled
from core.generators.base import CancelToken
from core.jobs.pipeline import Job, run_to_completion
from core.jobs.request import JobRequest


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (96, 96), (40, 160, 60)).save(buf, format="PNG")
    return buf.getvalue()


def _attributes(glb: Path) -> dict:
    data = Path(glb).read_bytes()
    doc = json.loads(data[20 : 20 + int.from_bytes(data[12:16], "little")])
    return doc["meshes"][0]["primitives"][0]["attributes"]


def test_shap_e_text_job_runs_the_real_pipeline(shap_e, tmp_path, node_available):
    from conftest import validate_gltf

    job = Job.create(
        JobRequest("round stone orb", backend="shap_e", formats=["glb", "ply"]), asset_dir=tmp_path / "a"
    )
    events = list(job.run())
    result = job.result()
    assert result.status == "done", result.error
    steps = [e.message for e in events if e.step == "generate" and "Shap-E step" in e.message]
    assert len(steps) == 2 * 3 - 1  # Heun: two model evaluations per step but the last
    assert any("running on the CPU" in e.message for e in events)  # the CPU fallback is never silent
    info = job.cp.steps["generate"].info
    assert info["device"] == "cpu" and info["mode"] == "text" and info["prompt"]
    glb = Path(result.files["glb"])
    assert validate_gltf(glb)[0]["numErrors"] == 0
    assert "COLOR_0" in _attributes(glb)  # vertex colours survive export
    mesh = trimesh.load(glb, force="mesh")
    assert mesh.visual.vertex_colors[:, :3].std() > 5
    size = np.ptp(mesh.vertices, axis=0)
    assert size.max() / size.min() < 1.2  # the tiny decoder's octahedron, proportions kept
    ply = trimesh.load(result.files["ply"], process=False)
    assert ply.visual.vertex_colors[:, :3].std() > 5


def test_shap_e_is_deterministic_for_a_seed(shap_e, tmp_path):
    from core.generators.base import GenerationContext
    from core.generators.shap_e import ShapEGenerator
    from core.spec.builtin import BuiltinSpecWriter

    spec = BuiltinSpecWriter().write("round stone orb").spec
    a = list(ShapEGenerator().generate(spec, seed=3, context=GenerationContext(workdir=tmp_path / "a")))[-1]
    (tmp_path / "b").mkdir()
    b = list(ShapEGenerator().generate(spec, seed=3, context=GenerationContext(workdir=tmp_path / "b")))[-1]
    assert a.file.read_bytes() == b.file.read_bytes()


def test_shap_e_cancel_between_steps_then_resume(shap_e, tmp_path, configure):
    configure(shap_e_steps=40)
    job, token = (
        Job.create(JobRequest("stone orb", backend="shap_e", formats=["glb"]), asset_dir=tmp_path / "a"),
        CancelToken(),
    )
    seen = []

    def run():
        try:
            for ev in job.run(token):
                if "Shap-E step 2/" in ev.message:
                    token.cancel()
                seen.append(ev)
        except JobCancelled:
            seen.append("cancelled")

    t = threading.Thread(target=run)
    t.start()
    t.join(120)
    assert seen[-1] == "cancelled" and job.cp.status == "cancelled"
    assert not any("step 40/" in getattr(e, "message", "") for e in seen)  # stopped mid-sampling
    configure(shap_e_steps=3)
    assert run_to_completion(Job.open(job.job_id, tmp_path / "a")).status == "done"


def test_shap_e_out_of_memory_is_a_clear_resumable_error(shap_e, tmp_path, monkeypatch, configure):
    import torch

    from core.generators.shap_e import load_pipeline

    s = configure()
    pipe = load_pipeline(s.shap_e_model, False, "cpu", "float32", str(s.ml_cache_dir))

    def oom(*args, **kwargs):  # a GPU OOM cannot be produced on this CPU-only machine
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(pipe.shap_e_renderer, "decode_to_mesh", oom)
    job = Job.create(JobRequest("stone orb", backend="shap_e", formats=["glb"]), asset_dir=tmp_path / "a")
    with pytest.raises(GenerationError, match="out of memory") as info:
        run_to_completion(job)
    assert "SHAP_E_GRID" in info.value.hint and "Resume" in info.value.hint
    assert job.cp.status == "failed"
    monkeypatch.undo()
    assert run_to_completion(Job.open(job.job_id, tmp_path / "a")).status == "done"


def test_shap_e_missing_weights_say_what_to_do(shap_e, tmp_path, configure):
    from core.generators.shap_e import ShapEGenerator

    configure(shap_e_model=str(tmp_path / "nowhere"))
    avail = ShapEGenerator.availability()
    assert not avail.ok and "model_index.json" in avail.reason
    settings = configure(shap_e_model="openai/shap-e")  # a Hub id: offline here (HF_HUB_OFFLINE=1)
    assert ShapEGenerator.availability().ok  # downloads on first use ...
    assert "openai/shap-e" in ShapEGenerator.weights_availability(settings).reason
    job = Job.create(
        JobRequest("stone orb", backend="shap_e", formats=["glb"], fallbacks=[]), asset_dir=tmp_path / "a"
    )
    with pytest.raises(BackendUnavailable, match="could not be loaded") as info:
        run_to_completion(job)  # ... which fails offline with the way out
    assert "ML_CACHE_DIR" in info.value.hint


def test_requested_gpu_that_is_absent_is_refused(shap_e, tmp_path, configure):
    from core.ml.device import choose_device

    configure(ml_device="cuda")
    with pytest.raises(BackendUnavailable, match="no CUDA GPU"):
        choose_device("cuda")
    assert choose_device("cpu").dtype == "float32" and choose_device("cpu").warning


# --- Point-E ------------------------------------------------------------------------------------
def test_point_e_text_job_through_the_package_boundary(point_e, tmp_path, configure):
    configure(ml_cache_dir=tmp_path / "weights")
    job = Job.create(
        JobRequest("round stone orb", backend="point_e", formats=["glb"]), asset_dir=tmp_path / "a"
    )
    events = list(job.run())
    assert job.result().status == "done"
    calls = point_e.CALLS
    loads = {c["name"]: c["cache_dir"] for name, c in calls if name == "load_checkpoint"}
    assert set(loads) == {"base40M-textvec", "upsample", "sdf"}
    assert set(loads.values()) == {str(tmp_path / "weights")}  # not Point-E's default, the current directory
    (sampler,) = [c for name, c in calls if name == "PointCloudSampler"]
    assert sampler == {
        "num_points": [1024, 3072],
        "aux_channels": ["R", "G", "B"],
        "guidance_scale": [3.0, 0.0],
        "key_filter": ("texts", ""),
    }
    assert next(c for name, c in calls if name == "sample")["model_kwargs"] == ["texts"]
    assert next(c for name, c in calls if name == "marching_cubes_mesh")["grid_size"] == 32
    steps = [e for e in events if "Point-E points" in e.message or "Point-E upsampling" in e.message]
    assert len(steps) == 16 and steps[-1].fraction > steps[0].fraction
    assert "COLOR_0" in _attributes(job.result().files["glb"])


def test_point_e_image_job_and_our_mesher(point_e, tmp_path, configure):
    configure(point_e_mesher="reconstruct")
    job = Job.create(
        JobRequest("stone orb", backend="point_e", formats=["glb"], reference_image=_png()),
        asset_dir=tmp_path / "a",
    )
    result = run_to_completion(job)
    assert result.status == "done" and job.cp.steps["generate"].info["mode"] == "image"
    (sampler,) = [c for name, c in point_e.CALLS if name == "PointCloudSampler"]
    assert sampler["guidance_scale"] == [3.0, 3.0] and sampler["key_filter"] == ("*",)
    assert next(c for name, c in point_e.CALLS if name == "sample")["model_kwargs"] == ["images"]
    assert not [c for name, c in point_e.CALLS if name == "marching_cubes_mesh"]  # our reconstruction
    assert result.stats.watertight


def test_without_the_package_point_e_is_unavailable_with_the_command(monkeypatch):
    import importlib.util

    from core.generators.point_e import PointEGenerator

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "point_e" else real(n, *a))
    avail = PointEGenerator.availability()
    assert not avail.ok and "git+https://github.com/openai/point-e" in avail.reason


def test_run_with_progress_passes_results_errors_and_cancel():
    from core.ml.runtime import run_with_progress

    def work(report):
        for i in range(3):
            report(i / 3, f"step {i}")
        return 42

    gen = run_with_progress(work, CancelToken())
    events = []
    try:
        while True:
            events.append(next(gen))
    except StopIteration as stop:
        assert stop.value == 42
    assert [e.message for e in events] == ["step 0", "step 1", "step 2"]
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        list(run_with_progress(work, token))

    def boom(report):
        time.sleep(0.05)
        raise RuntimeError("CUDA out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        list(run_with_progress(boom, CancelToken()))


def test_bake_setting_gives_textured_lods_for_engines_without_vertex_colours(shap_e, tmp_path, configure):
    configure(bake_vertex_colors=True)
    job = Job.create(
        JobRequest("round stone orb", backend="shap_e", formats=["glb", "obj"]), asset_dir=tmp_path / "a"
    )
    result = run_to_completion(job)
    assert result.stats.textured is True
    attrs = _attributes(result.files["glb"])
    assert "TEXCOORD_0" in attrs and "COLOR_0" not in attrs
    assert "map_Kd" in (Path(result.files["obj"]).parent / "model.mtl").read_text()
