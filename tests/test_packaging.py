"""The shipping files: Dockerfile (hadolint), compose file, README's two commands, CI entry."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    proc = subprocess.run([hadolint, str(REPO / "Dockerfile")], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (REPO / "Dockerfile").read_text()
    assert "HEALTHCHECK" in text and "/_stcore/health" in text and "USER 10001" in text


def test_compose_has_the_app_and_minio_with_a_bucket():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert {"app", "minio", "createbucket"} <= set(compose["services"])
    assert compose["services"]["app"]["environment"]["ASSET_STORE"] == "s3"
    # Celery workers share the app's settings and Redis, and scale with --scale worker=N
    worker = compose["services"]["worker"]
    assert worker["environment"] == compose["services"]["app"]["environment"]
    assert worker["environment"]["JOB_RUNNER"] == "celery" and "redis" in worker["depends_on"]
    assert worker["command"][:4] == ["python", "-m", "core", "worker"] and "ports" not in worker
    assert "--appendonly" in compose["services"]["redis"]["command"]
    assert "mc mb" in compose["services"]["createbucket"]["entrypoint"]


def test_readme_has_exactly_the_two_newcomer_commands_and_ci_calls_one():
    readme = (REPO / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_every_setting_is_documented_in_the_readme_table():
    from core.config import Settings

    readme = (REPO / "README.md").read_text()
    missing = [name.upper() for name in Settings.model_fields if f"| `{name.upper()}` |" not in readme]
    assert not missing, f"README settings table lacks {missing}"
