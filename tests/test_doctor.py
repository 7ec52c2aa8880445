"""`python -m core doctor` and structured logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO

from core.doctor import run_checks


def test_doctor_reports_every_area_without_secret_values(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-doctor-secret-123")
    rows = run_checks()
    checks = {r["check"]: r for r in rows}
    for name in (
        "python",
        "package trimesh",
        "off-screen rendering (EGL)",
        "asset store",
        "GPU",
        "blender (FBX/.blend)",
        "<model-viewer> bundle",
        "key OPENAI_API_KEY",
    ):
        assert name in checks
    assert checks["off-screen rendering (EGL)"]["ok"] is True  # EGL works on this machine
    assert checks["key OPENAI_API_KEY"]["detail"] == "set"
    assert "sk-doctor-secret" not in json.dumps(rows)


def test_doctor_checks_the_settings_it_is_given(configure, tmp_path):
    settings = configure(asset_dir=tmp_path / "elsewhere", blender_path=str(tmp_path / "no-blender"))
    rows = {r["check"]: r for r in run_checks(render=False, settings=settings)}
    assert rows["asset store"]["ok"] and str(tmp_path / "elsewhere") in rows["asset store"]["detail"]
    assert rows["blender (FBX/.blend)"]["ok"] is False
    assert "off-screen rendering (EGL)" not in rows


def test_doctor_cli_tells_the_truth_about_a_missing_blender(tmp_path):
    env = {**os.environ, "BLENDER_PATH": str(tmp_path / "no-blender"), "ASSET_DIR": str(tmp_path / "a")}
    proc = subprocess.run(
        [sys.executable, "-m", "core", "doctor", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    blender = next(r for r in rows if r["check"].startswith("blender"))
    assert blender["ok"] is False and "apt-get install blender" in blender["detail"]
    assert proc.returncode == 1


def test_json_logs_carry_job_step_and_duration(tmp_path):
    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "LOG_PRIVATE": "true",
        "LLM_API_KEY": "sk-log-secret-456",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "core",
            "generate",
            "secret plan for an anvil",
            "--formats",
            "glb",
            "--out",
            str(tmp_path / "o"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    steps = [r for r in records if r["message"] == "step done"]
    assert [r["step"] for r in steps] == ["spec", "generate", "process", "export", "thumbnail", "store"]
    assert all(r["job_id"] and r["backend"] == "procedural" and r["duration_s"] >= 0 for r in steps)
    log_text = "\n".join(line for line in proc.stderr.splitlines() if line.startswith("{"))
    assert "secret plan" not in log_text  # LOG_PRIVATE: no descriptions in log records
    assert "sk-log-secret" not in proc.stderr


def test_invalid_settings_are_reported_readably(tmp_path):
    env = {**os.environ, "LOG_FORMAT": "xml"}
    proc = subprocess.run(
        [sys.executable, "-m", "core", "backends"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        proc.returncode == 2
        and "invalid settings: log_format" in proc.stderr
        and "Traceback" not in proc.stderr
    )
