"""The CLI, run as a real subprocess: generate, batch, resume (after SIGKILL), spec, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, blender_vertex_count, require_blender, validate_gltf

from core.jobs.checkpoint import STEPS, Checkpoint
from core.jobs.pipeline import jobs_root


def cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_generate_writes_all_six_formats(tmp_path):
    require_blender()
    out = tmp_path / "out"
    proc = cli(
        "generate", "elvish sword", "--formats", "glb,obj,stl,ply,fbx,blend", "--out", str(out), "--json"
    )
    assert proc.returncode == 0, proc.stderr
    [result] = json_lines(proc.stdout)
    assert result["status"] == "done" and result["archetype"] == "sword"
    assert set(result["files"]) == {"glb", "obj", "stl", "ply", "fbx", "blend"}
    for path in result["files"].values():
        assert Path(path).is_absolute() and Path(path).stat().st_size > 0
    assert set(result["timings"]) == set(STEPS)
    assert result["stats"]["watertight"] is True
    assert validate_gltf(Path(result["files"]["glb"]))[0]["numErrors"] == 0
    # the FBX holds every LOD (<name>_LOD0, _LOD1, ...) and the collision pieces (UCX_<name>_NN)
    folder = Path(result["files"]["glb"]).parent
    glbs = [folder / "model.glb", *sorted(folder.glob("model_lod*.glb")), folder / "collision.glb"]
    assert all(p.is_file() for p in glbs) and len(glbs) >= 3
    assert blender_vertex_count(Path(result["files"]["fbx"])) == sum(blender_vertex_count(p) for p in glbs)


def test_batch_then_sigkill_then_resume_finishes_without_redoing_steps(tmp_path):
    out = tmp_path / "out"
    prompts = ["oak barrel", "anvil", "war hammer", "pine tree", "iron lantern", "tavern stool"]
    batch = tmp_path / "prompts.txt"
    batch.write_text("# comment\n" + "\n".join(prompts) + "\n\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core",
            "batch",
            str(batch),
            "--formats",
            "glb,stl",
            "--out",
            str(out),
            "--json",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    first = proc.stdout.readline()  # the first asset is done: kill the batch mid-way
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert json.loads(first)["status"] == "done"
    before = {cp.job_id: cp for cp in (Checkpoint.load(d) for d in jobs_root(out).iterdir())}
    assert len(before) == len(prompts)  # every job was checkpointed before the first ran
    assert any(cp.status != "done" for cp in before.values())

    resumed = cli("resume", "--all", "--out", str(out), "--json")
    assert resumed.returncode == 0, resumed.stderr
    results = json_lines(resumed.stdout)
    assert {r["job_id"] for r in results} == {j for j, cp in before.items() if cp.status != "done"}
    for job_id, old in before.items():
        new = Checkpoint.load(jobs_root(out) / job_id)
        assert new.status == "done"
        for step in STEPS:
            if old.steps[step].status == "done":  # completed before the kill: not redone
                assert new.steps[step].finished_at == old.steps[step].finished_at
                assert new.steps[step].attempts == old.steps[step].attempts
    assert len([d for d in out.iterdir() if not d.name.startswith(".")]) == len(prompts)


def test_resume_one_job_by_id(tmp_path):
    out = tmp_path / "out"
    proc = cli("generate", "anvil", "--formats", "glb", "--out", str(out), "--json")
    job_id = json_lines(proc.stdout)[0]["job_id"]
    again = cli("resume", job_id, "--out", str(out), "--json")
    assert again.returncode == 0 and json_lines(again.stdout)[0]["status"] == "done"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["generate", "   "], "description is empty"),
        (["generate", "sword", "--formats", "glb,dae"], "Unknown export format"),
        (["generate", "sword", "--backend", "nope"], "Unknown generator 'nope'"),
        (["generate", "sword", "--writer", "nope"], "Unknown spec writer 'nope'"),
        (["resume", "0123456789ab"], "No checkpoint"),
        (["resume", "../etc"], "Invalid job id"),
        (["batch", "/nonexistent/file.txt"], "cannot read"),
    ],
)
def test_errors_are_one_line_and_non_zero(tmp_path, args, words):
    proc = cli(*args, "--out", str(tmp_path / "o"))
    assert proc.returncode != 0
    assert words in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_corrupt_checkpoint_on_resume(tmp_path):
    out = tmp_path / "out"
    job_id = json_lines(cli("generate", "anvil", "--formats", "glb", "--out", str(out), "--json").stdout)[0][
        "job_id"
    ]
    (jobs_root(out) / job_id / "checkpoint.json").write_text("{ broken")
    proc = cli("resume", job_id, "--out", str(out))
    assert proc.returncode == 1 and "corrupt" in proc.stderr and "Traceback" not in proc.stderr


def test_spec_command_prints_valid_json():
    proc = cli("spec", "dwarven battle axe")
    assert proc.returncode == 0
    spec = json.loads(proc.stdout)
    assert spec["archetype"] == "axe" and spec["style"] == "dwarven"


def test_litellm_writer_from_the_cli(tmp_path, fake_llm, good_spec_json):
    fake_llm.script["good"] = [(200, good_spec_json)]
    env = {"LLM_API_BASE": fake_llm.base_url, "LLM_API_KEY": "sk-test", "CACHE_DIR": str(tmp_path / "c")}
    proc = cli(
        "generate",
        "elvish sword",
        "--writer",
        "litellm",
        "--model",
        "openai/good",
        "--formats",
        "glb",
        "--out",
        str(tmp_path / "o"),
        "--json",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert json_lines(proc.stdout)[0]["archetype"] == "sword"
    assert fake_llm.calls("good") == 1


def test_backends_lists_availability():
    proc = cli("backends")
    assert proc.returncode == 0
    assert "procedural" in proc.stdout and "builtin" in proc.stdout and "litellm" in proc.stdout


def test_import_core_stays_light():
    code = (
        "import sys, time; t = time.perf_counter(); import core, core.cli, core.config; "
        "heavy = [m for m in ('trimesh', 'litellm', 'pyvista', 'torch', 'vtk') if m in sys.modules]; "
        "print(heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_progress_goes_to_stderr(tmp_path):
    proc = cli("generate", "anvil", "--formats", "glb", "--out", str(tmp_path / "o"))
    assert proc.returncode == 0 and "done" in proc.stderr
    assert proc.stdout == ""
