"""Meshy and Tripo backends against loopback servers speaking their protocols
(tests/fake3d.py): text- and image-to-3D, every error path, retries with Retry-After,
fallbacks, cancellation, credits, and that no API key is ever written anywhere."""

from __future__ import annotations

import io
import itertools
import json
import threading
import time
from pathlib import Path

import pytest
from conftest import MESHY_KEY, TRIPO_KEY
from fake3d import Fault

from core.errors import (
    BackendUnavailable,
    InvalidModelFile,
    JobCancelled,
    RemoteAuthError,
    RemoteQuotaError,
    RemoteRateLimited,
    RemoteTaskFailed,
    RemoteUnavailable,
)
from core.generators.base import CancelToken
from core.jobs.pipeline import Job, run_to_completion
from core.jobs.request import JobRequest
from core.schemas import Costs


def _job(tmp_path: Path, backend: str, **kw) -> Job:
    kw.setdefault("formats", ["glb", "obj", "ply"])
    return Job.create(
        JobRequest("iron shield with a gold rim", backend=backend, **kw), asset_dir=tmp_path / "assets"
    )


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (180, 40, 40)).save(buf, format="PNG")
    return buf.getvalue()


def _glb_json(path: Path) -> dict:
    data = Path(path).read_bytes()
    length = int.from_bytes(data[12:16], "little")
    return json.loads(data[20 : 20 + length])


def _glb_images(path: Path) -> list[bytes]:
    """The encoded images embedded in the GLB at ``path``."""
    from core.mesh.gltf_sources import glb_chunks

    doc, blob = glb_chunks(Path(path).read_bytes())
    views = [doc["bufferViews"][image["bufferView"]] for image in doc.get("images", [])]
    return [blob[v.get("byteOffset", 0) : v.get("byteOffset", 0) + v["byteLength"]] for v in views]


def _server(request, backend):
    return request.getfixturevalue(backend)


# --- happy paths --------------------------------------------------------------------------------
@pytest.mark.parametrize("backend,creates,credits", [("meshy", 2, 30.0), ("tripo", 1, 20.0)])
def test_text_to_3d_keeps_textures_and_records_credits(request, tmp_path, backend, creates, credits):
    server = _server(request, backend)
    job = _job(tmp_path, backend)
    result = run_to_completion(job)
    assert result.status == "done", result.error
    assert len(server.creates) == creates
    assert result.costs == Costs(credits={backend: credits})
    assert job.cp.steps["generate"].info["balance"] == server.balance
    assert result.stats.textured is True
    gltf = _glb_json(result.files["glb"])  # the texture survived processing and export
    assert gltf["images"] and gltf["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]
    obj_dir = Path(result.files["obj"]).parent
    mtl = (obj_dir / "model.mtl").read_text()
    texture = next(ln.split()[-1] for ln in mtl.splitlines() if ln.startswith("map_Kd"))
    assert (obj_dir / texture).read_bytes() in _glb_images(result.files["glb"])  # as downloaded
    import trimesh

    ply = trimesh.load(result.files["ply"], process=False)
    assert ply.visual.vertex_colors[:, :3].std() > 0  # texture colours baked into vertex colours
    meta = json.loads((Path(result.files["glb"]).parent / "metadata.json").read_text())
    assert meta["backend"] == backend and meta["remote"]["service"] == backend
    assert meta["costs"] == result.costs.model_dump()
    assert texture in meta["files"]


def test_meshy_sends_the_documented_fields(meshy, tmp_path):
    run_to_completion(_job(tmp_path, "meshy"))
    preview, refine = (c["body"] for c in meshy.creates)
    assert preview["mode"] == "preview" and 0 < len(preview["prompt"]) <= 600
    assert preview["ai_model"] == "latest" and "art_style" not in preview
    assert preview["topology"] == "triangle" and 100 <= preview["target_polycount"] <= 300_000
    assert refine == {
        **refine,
        "mode": "refine",
        "preview_task_id": meshy.creates[0]["id"],
        "enable_pbr": True,
    }
    assert refine["texture_prompt"]


@pytest.mark.parametrize("backend", ["meshy", "tripo"])
def test_image_to_3d(request, tmp_path, backend):
    server = _server(request, backend)
    result = run_to_completion(_job(tmp_path, backend, reference_image=_png()))
    assert result.status == "done", result.error
    (create,) = server.creates
    if backend == "meshy":
        assert create["kind"] == "image" and create["body"]["image_url"].startswith("data:image/png;base64,")
    else:
        assert create["kind"] == "image_to_model" and create["body"]["file"]["file_token"] == "img-token-1"
        assert any(path.endswith("/upload") for _, _, path in server.requests)
    assert result.costs.credits[backend] == 30.0  # textured image-to-3D on both price lists


def test_meshy_test_mode_uses_the_published_key_and_costs_nothing(meshy, tmp_path, configure):
    from core.generators.meshy import TEST_MODE_KEY, MeshyGenerator

    configure(meshy_api_key=None, meshy_test_mode=True)
    meshy.api_key = TEST_MODE_KEY
    assert "test mode" in MeshyGenerator.availability().reason
    result = run_to_completion(_job(tmp_path, "meshy"))
    assert result.status == "done" and result.costs == Costs()


# --- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["meshy", "tripo"])
@pytest.mark.parametrize(
    "fault,error,words",
    [
        (Fault("create", 401), RemoteAuthError, "API_KEY"),
        (Fault("create", 402), RemoteQuotaError, "credits"),
        (Fault("create", 500), RemoteUnavailable, "server error"),  # not retried: it may have been created
        (Fault("create", "hang"), RemoteUnavailable, "connection"),  # likewise
    ],
)
def test_create_errors_are_typed_and_never_pay_twice(request, tmp_path, backend, fault, error, words):
    server = _server(request, backend)
    server.faults.append(fault)
    job = _job(tmp_path, backend)
    with pytest.raises(error) as info:
        run_to_completion(job)
    assert words.lower() in str(info.value).lower()
    assert info.value.hint  # the user is told what to do
    assert sum(1 for _, m, p in server.requests if m == "POST" and not p.endswith("/upload")) == 1
    assert job.cp.status == "failed" and job.cp.error


@pytest.mark.parametrize("backend", ["meshy", "tripo"])
@pytest.mark.parametrize(
    "fault",
    [
        Fault("create", 429),
        Fault("create", 503),
        Fault("poll", 500),
        Fault("poll", "hang"),
        Fault("poll", "drop"),
        Fault("download", "drop"),
        Fault("balance", 500),
    ],
)
def test_transient_errors_are_retried(request, tmp_path, backend, fault):
    server = _server(request, backend)
    server.faults.append(fault)
    result = run_to_completion(_job(tmp_path, backend))
    assert result.status == "done", result.error
    assert not server.faults  # the fault was served
    assert len(server.creates) == (2 if backend == "meshy" else 1)


def test_retry_after_is_honoured(meshy, tmp_path, configure):
    configure(remote_max_wait_s=5)
    meshy.faults.append(Fault("poll", 429, retry_after="1"))
    run_to_completion(_job(tmp_path, "meshy"))
    polls = [t for t, m, p in meshy.requests if m == "GET" and "/text-to-3d/" in p]
    assert max(b - a for a, b in itertools.pairwise(polls)) >= 0.95


def test_persistent_rate_limit_gives_up_with_a_typed_error(tripo, tmp_path):
    tripo.faults += [Fault("create", 429, retry_after="0")] * 4  # REMOTE_RETRIES=3 -> 4 attempts
    with pytest.raises(RemoteRateLimited, match="429"):
        run_to_completion(_job(tmp_path, "tripo"))
    assert not tripo.creates


@pytest.mark.parametrize("backend", ["meshy", "tripo"])
def test_a_failed_task_is_reported_and_resume_starts_a_new_one(request, tmp_path, backend):
    server = _server(request, backend)
    server.outcome = "fail"
    job = _job(tmp_path, backend)
    with pytest.raises(RemoteTaskFailed) as info:
        run_to_completion(job)
    if backend == "meshy":
        assert "moderation" in str(info.value)
    state = job.cp.steps["generate"].state[backend]
    assert state["failed_tasks"] and "pending_task" not in state and not state.get("credits")
    server.outcome = "succeed"
    result = run_to_completion(Job.open(job.job_id, tmp_path / "assets"))
    assert result.status == "done"
    assert len(server.creates) == 2 if backend == "tripo" else 3  # failed preview + preview + refine


@pytest.mark.parametrize("kind", ["corrupt", "html"])
def test_a_bad_download_is_refused(meshy, tmp_path, kind):
    meshy.faults.append(Fault("download", kind))
    job = _job(tmp_path, "meshy")
    with pytest.raises(InvalidModelFile):
        run_to_completion(job)
    assert not (job.folder / "raw.glb").exists() and not list(job.folder.glob("*.part"))


def test_no_key_means_unavailable_with_the_reason(tmp_path):
    from core.generators import GENERATORS

    for name, var in (("meshy", "MESHY_API_KEY"), ("tripo", "TRIPO_API_KEY")):
        avail = GENERATORS.get(name).availability()
        assert not avail.ok and var in avail.reason
    job = _job(tmp_path, "meshy", fallbacks=[])
    with pytest.raises(BackendUnavailable, match="MESHY_API_KEY"):
        run_to_completion(job)


# --- fallbacks ----------------------------------------------------------------------------------
def test_fallback_chain_is_followed_and_shown(meshy, tripo, tmp_path):
    meshy.faults.append(Fault("create", 402))
    job = _job(tmp_path, "meshy", fallbacks=["tripo", "procedural"])
    events = list(job.run())
    result = job.result()
    assert result.backend == "tripo" and result.status == "done"
    assert result.fallbacks[0]["backend"] == "meshy" and "credits" in result.fallbacks[0]["error"]
    assert any("falling back to Tripo" in e.message for e in events)
    meta = json.loads((Path(result.files["glb"]).parent / "metadata.json").read_text())
    assert meta["backend"] == "tripo" and meta["requested_backend"] == "meshy"


def test_no_fallback_while_a_paid_task_is_still_running(meshy, tmp_path):
    meshy.faults += [Fault("poll", 503)] * 4  # outlasts the retries: transient, task pending
    job = _job(tmp_path, "meshy", fallbacks=["procedural"])
    with pytest.raises(RemoteUnavailable):
        run_to_completion(job)
    state = job.cp.steps["generate"].state["meshy"]
    assert state["pending_task"] == meshy.creates[0]["id"]
    result = run_to_completion(Job.open(job.job_id, tmp_path / "assets"))
    assert result.backend == "meshy" and len(meshy.creates) == 2  # same preview, then refine


def test_fallback_setting_is_the_default(meshy, tmp_path, configure):
    configure(generator_fallbacks=["procedural"])
    meshy.faults.append(Fault("create", 401))
    result = run_to_completion(_job(tmp_path, "meshy"))
    assert result.backend == "procedural" and result.fallbacks[0]["backend"] == "meshy"


# --- cancellation, concurrency, secrets -----------------------------------------------------------
def test_cancel_while_polling_keeps_the_task_for_resume(tripo, tmp_path):
    tripo.hold.set()  # the task keeps running until released
    job, token = _job(tmp_path, "tripo"), CancelToken()
    errors = []

    def run():
        try:
            run_to_completion(job, token)
        except JobCancelled as e:
            errors.append(e)

    t = threading.Thread(target=run)
    t.start()
    deadline = time.time() + 10
    while not any("/task/" in p for _, m, p in tripo.requests) and time.time() < deadline:
        time.sleep(0.02)
    token.cancel()
    t.join(10)
    assert errors and job.cp.status == "cancelled"
    assert job.cp.steps["generate"].state["tripo"]["pending_task"] == tripo.creates[0]["id"]
    tripo.hold.clear()
    result = run_to_completion(Job.open(job.job_id, tmp_path / "assets"))
    assert result.status == "done" and len(tripo.creates) == 1


def test_rate_limit_and_task_cap_hold_under_ten_concurrent_jobs(meshy, tmp_path, configure):
    configure(remote_requests_per_s=20, remote_max_tasks=2, meshy_refine=False)
    jobs = [_job(tmp_path, "meshy", formats=["glb"]) for _ in range(10)]
    results = [None] * 10

    def run(i):
        results[i] = run_to_completion(jobs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(r and r.status == "done" for r in results)
    assert len(meshy.creates) == 10 and meshy.max_in_flight <= 2
    api = sorted(t for t, _, p in meshy.requests if p.startswith("/openapi"))
    # the limiter admits 20 per second when a request leaves; they reach the server up to ~0.1 s
    # later on a loaded machine, so count arrivals over 0.9 s windows
    busiest = max(sum(1 for u in api if s <= u < s + 0.9) for s in api)
    assert busiest <= 20 + 1, busiest


def test_api_keys_are_never_written_or_logged(meshy, tripo, tmp_path, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    meshy.faults.append(Fault("create", 402))
    job = _job(tmp_path, "meshy", fallbacks=["tripo"])
    run_to_completion(job)
    texts = [p.read_bytes() for p in (tmp_path / "assets").rglob("*") if p.is_file()]
    for key in (MESHY_KEY, TRIPO_KEY):
        assert not any(key.encode() in t for t in texts)
        assert key not in caplog.text


def test_retry_after_parses_seconds_and_dates():
    from email.utils import format_datetime

    from core.generators.http import retry_after_s

    assert retry_after_s("3") == 3.0
    assert retry_after_s(None) is None and retry_after_s("soon") is None
    from datetime import UTC, datetime, timedelta

    assert 1.0 < retry_after_s(format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)) <= 5.0


# --- the one-create-per-job guarantee, with a real process killed mid-poll ------------------------
@pytest.mark.parametrize("backend,creates", [("meshy", 2), ("tripo", 1)])
def test_sigkill_while_polling_then_resume_creates_no_second_task(request, tmp_path, backend, creates):
    import signal
    import subprocess
    import sys

    from core.jobs.checkpoint import Checkpoint

    server = _server(request, backend)
    server.hold.set()
    out = tmp_path / "assets"
    repo = Path(__file__).resolve().parent.parent
    cmd = [
        sys.executable,
        "-m",
        "core",
        "generate",
        "iron shield",
        "--backend",
        backend,
        "--formats",
        "glb,fbx",
        "--out",
        str(out),
        "--json",
    ]
    proc = subprocess.Popen(cmd, cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            polls = [p for _, m, p in server.requests if m == "GET" and ("/task/" in p or "-to-3d/" in p)]
            if len(polls) >= 3:
                break
            time.sleep(0.05)
        assert polls, "the job never polled"
        (folder,) = (out / ".jobs").iterdir()
        cp = Checkpoint.load(folder)  # the task id was on disk before the first poll
        assert cp.steps["generate"].state[backend]["pending_task"] == server.creates[0]["id"]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    server.hold.clear()
    done = subprocess.run(
        [sys.executable, "-m", "core", "resume", "--all", "--out", str(out), "--json"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["status"] == "done" and set(result["files"]) == {"glb", "fbx"}
    assert len(server.creates) == creates  # one create per task: the resumed job polled the same one
    meta = json.loads((Path(result["files"]["glb"]).parent / "metadata.json").read_text())
    assert server.creates[0]["id"] in meta["remote"]["tasks"].values()


def test_tripo_no_credits_code_2010_is_a_quota_error(tripo, tmp_path):
    tripo.balance = 5  # the fake answers HTTP 403 with code 2010, as Tripo does
    with pytest.raises(RemoteQuotaError, match="credits") as info:
        run_to_completion(_job(tmp_path, "tripo"))
    assert info.value.status == 403 and "GENERATOR_FALLBACKS" in info.value.hint


def test_meshy_prompt_is_cut_to_its_600_character_limit(meshy, tmp_path):
    from core.generators.remote import remote_prompt
    from core.spec.builtin import BuiltinSpecWriter

    spec = BuiltinSpecWriter().write("ancient " * 120 + "sword").spec
    assert len(remote_prompt(spec, 600)) <= 600  # cut to Meshy's limit, never sent too long
    run_to_completion(
        Job.create(
            JobRequest("ancient " * 120 + "sword", backend="meshy", formats=["glb"]), asset_dir=tmp_path / "a"
        )
    )
    assert len(meshy.creates[0]["body"]["prompt"]) <= 600
