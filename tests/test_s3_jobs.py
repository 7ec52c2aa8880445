"""Jobs with ASSET_STORE=s3 (moto on loopback over HTTP): publish, resume on another machine,
outage mid-upload, list, secrets never stored."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO

from core.fsutil import sha256_file
from core.jobs.checkpoint import STEPS, Checkpoint
from core.jobs.pipeline import Job, jobs_root, run_to_completion
from core.jobs.request import JobRequest
from core.storage import open_store


def all_keys(store) -> list[str]:
    return [o["Key"] for o in store._list(store.prefix + "/")]


def check_bucket_consistent(store) -> None:
    """Every asset prefix has metadata.json, and every file it lists is there with its sha256."""
    keys = set(all_keys(store))
    assets = {k.split("/")[1] for k in keys if not k.split("/")[1].startswith(".")}
    for aid in assets:
        assert f"{store.prefix}/{aid}/metadata.json" in keys, f"orphaned asset folder {aid}"
        meta = store.get_metadata(aid)
        for name, info in meta["files"].items():
            head = store.client.head_object(Bucket=store.bucket, Key=f"{store.prefix}/{aid}/{name}")
            assert head["Metadata"]["sha256"] == info["sha256"] and head["ContentLength"] == info["size"]


def test_a_job_publishes_to_s3(s3_env, isolated_settings):
    assets = isolated_settings / "assets"
    result = run_to_completion(Job.create(JobRequest("oak barrel", formats=["glb", "obj"]), asset_dir=assets))
    store = open_store()
    assert [m["asset_id"] for m in store.list_assets()] == [result.asset_id]
    keys = all_keys(store)
    assert f"assets/{result.asset_id}/model.glb" in keys
    assert f"assets/.jobs/{result.job_id}/checkpoint.json" in keys
    assert Path(result.files["glb"]).is_file()  # served from the local download cache
    check_bucket_consistent(store)


def test_resume_on_another_machine_with_an_empty_folder(s3_env, tmp_path):
    machine_a, machine_b = tmp_path / "a", tmp_path / "b"
    job = Job.create(JobRequest("war hammer", formats=["glb"]), asset_dir=machine_a)
    gen = job.run()
    for ev in gen:
        if ev.step == "process" and ev.kind == "done":
            break
    gen.close()  # machine A dies here
    before = Checkpoint.load(job.folder)
    shutil.rmtree(machine_a)

    resumed = Job.open(job.job_id, machine_b)  # pulls checkpoint + outputs from S3
    events = list(resumed.run())
    assert [e.step for e in events if e.kind == "skip"] == ["spec", "generate", "process"]
    after = Checkpoint.load(resumed.folder)
    for step in ("spec", "generate", "process"):
        assert after.steps[step].finished_at == before.steps[step].finished_at
    assert after.status == "done"
    check_bucket_consistent(open_store(root=machine_b))


def test_cli_list_and_resume_all_from_the_store(s3_env, tmp_path):
    env = {**os.environ}
    first = tmp_path / "first"
    job = Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=first)
    gen = job.run()
    for ev in gen:
        if ev.step == "generate" and ev.kind == "done":
            break
    gen.close()
    shutil.rmtree(first)
    fresh = tmp_path / "fresh"
    listed = subprocess.run(
        [sys.executable, "-m", "core", "list", "--json", "--out", str(fresh)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    rows = [json.loads(x) for x in listed.stdout.splitlines()]
    assert {"type": "job", "job_id": job.job_id}.items() <= next(
        r for r in rows if r["type"] == "job"
    ).items()
    proc = subprocess.run(
        [sys.executable, "-m", "core", "resume", "--all", "--json", "--out", str(fresh)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    for secret in (env["AWS_SECRET_ACCESS_KEY"], env["AWS_ACCESS_KEY_ID"]):  # never in the CLI's output
        assert secret not in proc.stdout + proc.stderr + listed.stdout + listed.stderr
    assert json.loads(proc.stdout.splitlines()[0])["status"] == "done"
    listed = subprocess.run(
        [sys.executable, "-m", "core", "list", "--json", "--out", str(tmp_path / "third")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    rows = [json.loads(x) for x in listed.stdout.splitlines()]
    assert [r["status"] for r in rows if r["type"] == "job"] == ["done"]
    assert len([r for r in rows if r["type"] == "asset"]) == 1


def test_store_outage_mid_upload_completes_when_it_is_back(s3_env, moto, isolated_settings, configure):
    from s3server import TcpProxy

    proxy = TcpProxy(moto.port)
    configure(s3_endpoint_url=proxy.url, s3_retry_window_s=30)
    try:
        job = Job.create(
            JobRequest("pine tree", formats=["glb", "obj", "stl"]), asset_dir=isolated_settings / "assets"
        )
        restored = threading.Timer(3.0, proxy.restore)
        for ev in job.run():
            if ev.step == "store" and ev.kind == "start":
                proxy.cut()  # the store goes down as the upload starts ...
                restored.start()  # ... and comes back 3 s later
        cp = Checkpoint.load(job.folder)
        assert cp.status == "done" and cp.steps["store"].attempts == 1
        check_bucket_consistent(open_store())
    finally:
        proxy.close()


def test_store_down_leaves_the_job_resumable_with_files_safe(s3_env, moto, isolated_settings, configure):
    from s3server import TcpProxy

    from core.errors import StorageError

    proxy = TcpProxy(moto.port)
    configure(s3_endpoint_url=proxy.url, s3_retry_window_s=1)
    try:
        assets = isolated_settings / "assets"
        job = Job.create(JobRequest("iron lantern", formats=["glb"]), asset_dir=assets)
        with pytest.raises(StorageError):
            for ev in job.run():
                if ev.step == "thumbnail" and ev.kind == "done":
                    proxy.cut()
        cp = Checkpoint.load(job.folder)
        assert cp.status == "interrupted" and cp.steps["store"].status == "pending"
        assert (job.folder / "exports" / "model.glb").is_file()
        proxy.restore()
        events = list(Job.open(job.job_id, assets).run())
        assert [e.step for e in events if e.kind == "done"] == ["store"]
    finally:
        proxy.close()


def test_wrong_credentials_are_a_clear_error_without_a_retry_storm(s3_env, isolated_settings, configure):
    from s3server import MotoServer

    from core.errors import StorageError

    strict = MotoServer(check_auth=True).start()  # moto validating keys as IAM would
    try:
        configure(s3_endpoint_url=strict.url)
        t0 = time.monotonic()
        with pytest.raises(StorageError, match="credentials"):
            open_store().list_assets()
        assert time.monotonic() - t0 < 10  # refused at once, not retried for the whole window
    finally:
        strict.stop()


def test_secrets_never_reach_checkpoints_metadata_or_objects(s3_env, isolated_settings, configure):
    configure(llm_api_key="sk-live-secret-llm-key-123")
    assets = isolated_settings / "assets"
    run_to_completion(Job.create(JobRequest("gemstone ring", formats=["glb"]), asset_dir=assets))
    secrets = [
        os.environ["AWS_SECRET_ACCESS_KEY"],
        os.environ["AWS_ACCESS_KEY_ID"],
        "sk-live-secret-llm-key-123",
    ]
    store = open_store()
    for key in all_keys(store):
        body = store.client.get_object(Bucket=store.bucket, Key=key)["Body"].read()
        assert not any(s.encode() in body for s in secrets), key
    for path in assets.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(s.encode() in data for s in secrets), path


def test_sigkill_at_24_seeded_points_then_resume(s3_env, tmp_path):
    """SIGKILL the CLI at 24 seeded points spread over every step (4 per step, in a seeded
    random order), resuming after each; then every job is done, no completed step ran twice,
    and the bucket holds no partial or orphaned asset."""
    import random
    import signal

    rng = random.Random(20261122)
    targets = [s for s in STEPS for _ in range(4)]
    rng.shuffle(targets)
    out, env = tmp_path / "out", {**os.environ}
    prompts = ["oak barrel", "anvil", "pine tree", "iron lantern", "tavern stool", "war hammer"]

    def snapshot() -> dict[tuple[str, str], str]:
        states = {}
        for d in jobs_root(out).iterdir() if jobs_root(out).exists() else []:
            if (d / "checkpoint.json").exists():
                cp = Checkpoint.load(d)  # never half-written: a parse error fails the test
                for step in STEPS:
                    states[(cp.job_id, step)] = cp.steps[step].status
        return states

    resume = [sys.executable, "-m", "core", "resume", "--all", "--out", str(out)]
    done_at: dict[tuple[str, str], str] = {}
    kills = []
    for i, target in enumerate(targets):
        before = snapshot()
        if any(k[1] == target and v != "done" for k, v in before.items()):
            cmd = resume
        else:  # every job is past this step: start a new one
            cmd = [
                sys.executable,
                "-m",
                "core",
                "generate",
                prompts[i % len(prompts)],
                "--formats",
                "glb",
                "--out",
                str(out),
            ]
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None:
            now = snapshot()
            hit = [
                k
                for k, v in now.items()
                if k[1] == target and v in ("running", "done") and before.get(k) != v
            ]
            if hit:
                time.sleep(rng.uniform(0, 0.05))
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                kills.append(target)
                break
            time.sleep(0.005)
        for d in jobs_root(out).iterdir():
            cp = Checkpoint.load(d)
            for step in STEPS:
                if cp.steps[step].status == "done":
                    done_at.setdefault((cp.job_id, step), cp.steps[step].finished_at)
    final = subprocess.run(resume, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert len(kills) >= 20 and set(kills) == set(STEPS), kills
    cps = [Checkpoint.load(d) for d in jobs_root(out).iterdir()]
    assert cps and all(cp.status == "done" for cp in cps)
    for (job_id, step), finished in done_at.items():  # completed once, never redone
        assert next(c for c in cps if c.job_id == job_id).steps[step].finished_at == finished
    store = open_store(root=out)
    check_bucket_consistent(store)
    for cp in cps:
        meta = store.get_metadata(cp.asset_id)
        assert meta["files"]["model.glb"]["sha256"] == sha256_file(store.local_path(cp.asset_id, "model.glb"))
    print(f"kills={len(kills)} by step={ {s: kills.count(s) for s in STEPS} }")


def test_the_zip_download_holds_every_stored_file_from_s3(s3_env, isolated_settings):
    import io
    import zipfile

    from ui.results import zip_asset

    result = run_to_completion(
        Job.create(JobRequest("anvil", formats=["glb", "stl"]), asset_dir=isolated_settings / "assets")
    )
    names = zipfile.ZipFile(io.BytesIO(zip_asset(open_store(), result.asset_id))).namelist()
    aid = result.asset_id
    assert {
        f"{aid}/{n}" for n in ("model.glb", "model.stl", "spec.json", "metadata.json", "thumbnail.png")
    } <= set(names)


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", *args],
        cwd=REPO,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_batch_killed_early_is_finished_by_another_machine(s3_env, tmp_path):
    """Every job of a batch reaches the bucket when it is created, so a machine with an empty
    folder finishes the whole queue after the batch's machine died."""
    import signal

    prompts = ["oak barrel", "anvil", "pine tree", "iron lantern"]
    batch = tmp_path / "prompts.txt"
    batch.write_text("\n".join(prompts) + "\n")
    machine_a, machine_b = tmp_path / "a", tmp_path / "b"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core",
            "batch",
            str(batch),
            "--formats",
            "glb",
            "--out",
            str(machine_a),
            "--json",
        ],
        cwd=REPO,
        env={**os.environ},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    first = json.loads(proc.stdout.readline())  # the first asset is done: the machine dies
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert first["status"] == "done"
    shutil.rmtree(machine_a)

    resumed = _cli("resume", "--all", "--out", str(machine_b), "--json")
    assert resumed.returncode == 0, resumed.stderr
    finished = [json.loads(line) for line in resumed.stdout.splitlines()]
    assert len(finished) == len(prompts) - 1 and all(r["status"] == "done" for r in finished)
    store = open_store(root=machine_b)
    assert len(store.list_assets()) == len(prompts)
    check_bucket_consistent(store)


def _put_job_checkpoint(store, job_id: str, body: bytes) -> None:
    store.ensure_bucket()
    store.client.put_object(
        Bucket=store.bucket, Key=f"{store.prefix}/.jobs/{job_id}/checkpoint.json", Body=body
    )


def test_a_tampered_checkpoint_in_the_bucket_is_refused(s3_env, tmp_path):
    """A checkpoint written into the shared bucket by anyone: its paths must stay inside the
    job folder; a deeply nested one must not break listing."""
    first = tmp_path / "first"
    job = Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=first)
    run_to_completion(job)
    store = open_store(root=first)
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret\n")
    raw = json.loads((job.folder / "checkpoint.json").read_text())
    bad_id = job.job_id[:8] + ("ffff" if job.job_id[8:] != "ffff" else "eeee")
    raw["job_id"] = bad_id
    rel = "../../../secret.txt"
    raw["steps"]["export"]["outputs"][rel] = {"path": rel, "sha256": sha256_file(secret), "size": 11}
    raw["steps"]["store"]["status"] = "pending"
    raw["status"] = "interrupted"
    _put_job_checkpoint(store, bad_id, json.dumps(raw).encode())
    _put_job_checkpoint(store, "0123456789ab", b"[" * 10_000 + b"]" * 10_000)

    fresh = tmp_path / "fresh"
    listed = _cli("list", "--json", "--out", str(fresh))
    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr
    assert f"unreadable job {bad_id}" in listed.stderr and "unreadable job 0123456789ab" in listed.stderr
    rows = [json.loads(x) for x in listed.stdout.splitlines()]
    assert [r["job_id"] for r in rows if r["type"] == "job"] == [job.job_id]

    one = _cli("resume", bad_id, "--out", str(fresh))
    assert one.returncode == 1 and "Traceback" not in one.stderr
    assert "relative path inside the job folder" in one.stderr
    assert not (jobs_root(fresh) / bad_id).exists()  # the refused checkpoint is not kept
    every = _cli("resume", "--all", "--out", str(fresh))
    assert every.returncode == 1 and "could not be read" in every.stderr
    assert not any(p.name == "secret.txt" for p in fresh.rglob("*"))
    assert not any("secret" in k for k in all_keys(store))
