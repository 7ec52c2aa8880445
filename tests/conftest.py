"""Shared fixtures: isolated settings per test, a loopback OpenAI-compatible LLM server,
helpers for the Khronos glTF validator and Blender."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from core.config import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WORKBENCH_SHARED", REPO.parent / "shared"))
PROMPTS_FILE = SHARED / "prompts" / "game_assets.txt"
VALIDATOR = REPO / "tools" / "validate_gltf.cjs"


class SettingsInForce:
    """The ``Settings`` in force for one test (``core.config.use_settings``): built from the
    environment (the test's isolated variables) plus the changes ``configure`` asked for, and
    built again by :meth:`refresh` after a fixture changes environment variables."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._changes: dict = {}

    def refresh(self, **changes) -> Settings:
        """A new ``Settings`` from the environment plus every change so far and ``changes``,
        put in force until the test ends; it is returned."""
        from core.config import Settings, use_settings

        self._changes.update(changes)
        return self._stack.enter_context(use_settings(Settings(**self._changes)))

    def release(self) -> None:
        """Put no ``Settings`` in force any more: in-process code reads the environment as it
        is now, as a fresh process would (for tests of an entry point that reads the settings
        itself, e.g. invalid ones). Change the environment first."""
        from core.config import read_settings

        self._stack.close()
        read_settings.cache_clear()


@pytest.fixture
def settings_in_force():
    """This test's :class:`SettingsInForce` (see ``isolated_settings``)."""
    with ExitStack() as stack:
        yield SettingsInForce(stack)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch, settings_in_force):
    """Every test gets its own asset and cache folders and no LLM or service keys from the
    machine: as environment variables (for subprocesses) and as a ``Settings`` in force for
    in-process code. Returns the test's ``tmp_path`` (assets in ``assets/``)."""
    from core.config import read_settings

    monkeypatch.setenv("ASSET_DIR", str(tmp_path / "assets"))
    monkeypatch.setenv("CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("WORKBENCH_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    for var in (
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "LLM_API_BASE",
        "LLM_API_KEY",
        "LLM_MODELS",
        "MESHY_API_KEY",
        "MESHY_TEST_MODE",
        "TRIPO_API_KEY",
        "GENERATOR_FALLBACKS",
    ):
        monkeypatch.delenv(var, raising=False)
    read_settings.cache_clear()  # nothing of the machine's or another test's settings is kept
    settings_in_force.refresh()
    yield tmp_path
    read_settings.cache_clear()


@pytest.fixture
def configure(settings_in_force):
    """``configure(**changes) -> Settings``: build a ``Settings`` from this test's isolated
    defaults plus ``changes`` (field names, e.g. ``asset_store="s3"``; earlier calls' changes
    are kept) and make it the one in force until the test ends
    (``core.config.use_settings``). Subprocesses still see the environment, so CLI tests set
    environment variables instead."""
    return settings_in_force.refresh


def shared_prompts() -> list[str]:
    if not PROMPTS_FILE.is_file():
        pytest.skip(f"shared prompts not found at {PROMPTS_FILE}")
    return [ln.strip() for ln in PROMPTS_FILE.read_text().splitlines() if ln.strip()]


def validate_gltf(*paths: Path) -> list[dict]:
    """Run the Khronos glTF-Validator (npm gltf-validator) on ``paths``; one report each."""
    if not (REPO / "node_modules" / "gltf-validator").is_dir():
        pytest.fail("npm gltf-validator is not installed; run `make test` (npm ci)")
    proc = subprocess.run(
        ["node", str(VALIDATOR), *map(str, paths)], capture_output=True, text=True, timeout=300
    )
    reports = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == len(paths), proc.stderr
    return reports


def require_blender() -> str:
    """Path of Blender; skips locally without it, fails when CI requires it."""
    from core.mesh.formats.blender import find_blender

    path = find_blender()
    if not path:
        if os.environ.get("WORKBENCH_REQUIRE_BLENDER"):
            pytest.fail("Blender is required in CI (tools/system-deps.sh installs it)")
        pytest.skip("Blender not installed")
    return path


BLENDER_IMPORT = (
    "import bpy, sys, json, numpy\n"
    "numpy.bool = getattr(numpy, 'bool', numpy.bool_)\n"
    "p = sys.argv[-1]\n"
    "bpy.ops.wm.read_factory_settings(use_empty=True)\n"
    "if p.endswith('.fbx'): bpy.ops.import_scene.fbx(filepath=p)\n"
    "elif p.endswith(('.glb', '.gltf')): bpy.ops.import_scene.gltf(filepath=p)\n"
    "else: bpy.ops.wm.open_mainfile(filepath=p)\n"
)


def run_in_blender(path: Path, script: str) -> str:
    """Open ``path`` (.fbx, .glb/.gltf, .blend) in a fresh, headless Blender, run ``script``
    (bpy code, after the import) and return its stdout; skips locally without Blender."""
    blender = require_blender()
    cmd = [blender, "-b", "--factory-startup", "--python-exit-code", "1"]
    cmd += ["--python-expr", BLENDER_IMPORT + script, "--", str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def blender_vertex_count(path: Path) -> int:
    """Re-import ``path`` (.fbx/.blend/.glb) in a fresh Blender and count mesh vertices."""
    out = run_in_blender(
        path, "print('COUNT', sum(len(o.data.vertices) for o in bpy.data.objects if o.type == 'MESH'))\n"
    )
    counts = [int(ln.split()[1]) for ln in out.splitlines() if ln.startswith("COUNT ")]
    assert counts, out[-2000:]
    return counts[-1]


# --- a loopback OpenAI-compatible chat server ----------------------------------------------
class FakeLLM:
    """Scripted replies per model: each entry is ``(status, content_or_None)``."""

    def __init__(self) -> None:
        self.script: dict[str, list[tuple[int, str | None]]] = {}
        self.image_script: list[tuple[int, list[str] | None]] = []  # (status, base64 images)
        self.requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def calls(self, model: str) -> int:
        return sum(r["model"] == model for r in self.requests)

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                if self.path.endswith("/images/generations"):
                    status, images = fake.image_script.pop(0) if fake.image_script else (500, None)
                    payload = (
                        {"created": 0, "data": [{"b64_json": b} for b in images]}
                        if status == 200
                        else {"error": {"message": f"scripted {status}", "type": "server_error"}}
                    )
                    return self._send(status, payload)
                queue = fake.script.get(body["model"], [])
                status, content = queue.pop(0) if queue else (500, None)
                if status == 200:
                    payload = {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": content},
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                    }
                else:
                    payload = {"error": {"message": f"scripted {status}", "type": "server_error"}}
                self._send(status, payload)

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(data)

        return Handler


@pytest.fixture
def fake_llm(monkeypatch, settings_in_force):

    fake = FakeLLM()
    fake.thread.start()
    monkeypatch.setenv("LLM_API_BASE", fake.base_url)
    monkeypatch.setenv("LLM_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("LLM_RETRIES", "2")
    settings_in_force.refresh()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def good_spec_json() -> str:
    from core.spec.builtin import BuiltinSpecWriter

    return BuiltinSpecWriter().write("elvish sword").spec.model_dump_json()


@pytest.fixture(scope="session")
def node_available():
    if not shutil.which("node"):
        pytest.fail("node is required for the glTF validator")


@pytest.fixture(scope="session")
def moto():
    from s3server import MotoServer

    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def s3_env(moto, monkeypatch, tmp_path, settings_in_force):
    """ASSET_STORE=s3 against moto on loopback, a fresh bucket per test, fake credentials."""
    import uuid

    bucket = f"wb-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("ASSET_STORE", "s3")
    monkeypatch.setenv("S3_BUCKET", bucket)
    monkeypatch.setenv("S3_ENDPOINT_URL", moto.url)
    monkeypatch.setenv("S3_CREATE_BUCKET", "true")
    monkeypatch.setenv("S3_RETRY_WINDOW_S", "2")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTKEYNOTREAL000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key-not-real-0000000000000000")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    settings_in_force.refresh()
    return {"bucket": bucket, "endpoint": moto.url}


# --- remote 3D services ------------------------------------------------------------------------
MESHY_KEY = "msy-test-0123456789abcdef"
TRIPO_KEY = "tsk_test_0123456789abcdef"


def _fast_remote(monkeypatch) -> None:
    """Short polls, timeouts and retry waits so remote tests run in seconds."""
    for var, value in (
        ("REMOTE_POLL_S", "0.02"),
        ("REMOTE_TIMEOUT_S", "1.5"),
        ("REMOTE_RETRIES", "3"),
        ("REMOTE_MAX_WAIT_S", "0.3"),
        ("REMOTE_REQUESTS_PER_S", "200"),
    ):
        monkeypatch.setenv(var, value)


@pytest.fixture
def meshy(monkeypatch, settings_in_force):
    """A loopback Meshy (tests/fake3d.py) with MESHY_BASE_URL / MESHY_API_KEY pointing at it."""
    from fake3d import FakeMeshy

    server = FakeMeshy(MESHY_KEY).start()
    _fast_remote(monkeypatch)
    monkeypatch.setenv("MESHY_BASE_URL", server.url)
    monkeypatch.setenv("MESHY_API_KEY", MESHY_KEY)
    settings_in_force.refresh()
    yield server
    server.stop()


@pytest.fixture
def tripo(monkeypatch, settings_in_force):
    """A loopback Tripo with TRIPO_BASE_URL / TRIPO_API_KEY pointing at it."""
    from fake3d import FakeTripo

    server = FakeTripo(TRIPO_KEY).start()
    _fast_remote(monkeypatch)
    monkeypatch.setenv("TRIPO_BASE_URL", server.base_url)
    monkeypatch.setenv("TRIPO_API_KEY", TRIPO_KEY)
    settings_in_force.refresh()
    yield server
    server.stop()


# --- local ML models ------------------------------------------------------------------------------
def require_ml() -> None:
    """Skip without the ML extra locally; fail in CI, where `make test` installs it."""
    from core.ml.device import missing_packages

    missing = missing_packages("torch", "diffusers", "transformers")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the ML extra is required in CI (missing {missing}); make test installs it")
        pytest.skip(f"ML extra not installed ({', '.join(missing)}): pip install -r requirements-ml.txt")


@pytest.fixture(scope="session")
def tiny_shap_e_folder(tmp_path_factory):
    """A tiny random Shap-E pipeline saved with save_pretrained (tests/tiny_shap_e.py)."""
    require_ml()
    from tiny_shap_e import build_tiny_shap_e

    return build_tiny_shap_e(tmp_path_factory.mktemp("models") / "tiny-shap-e")


@pytest.fixture
def shap_e(tiny_shap_e_folder, monkeypatch, settings_in_force):
    """SHAP_E_MODEL pointing at the tiny pipeline, few steps, a small decoding grid."""

    for var, value in (
        ("SHAP_E_MODEL", str(tiny_shap_e_folder)),
        ("SHAP_E_IMAGE_MODEL", str(tiny_shap_e_folder)),
        ("SHAP_E_STEPS", "3"),
        ("SHAP_E_GRID", "40"),
        ("ML_DEVICE", "cpu"),
        ("HF_HUB_OFFLINE", "1"),
    ):
        monkeypatch.setenv(var, value)
    settings_in_force.refresh()
    return tiny_shap_e_folder


@pytest.fixture
def point_e(monkeypatch, settings_in_force):
    """The point_e stand-in package (tests/stand_ins) on sys.path, its call log cleared."""
    import sys

    require_ml()
    monkeypatch.syspath_prepend(str(REPO / "tests" / "stand_ins"))
    for name in [m for m in sys.modules if m == "point_e" or m.startswith("point_e.")]:
        monkeypatch.delitem(sys.modules, name)
    import point_e as stand_in

    from core.generators.point_e import load_point_e_model

    load_point_e_model.cache_clear()
    monkeypatch.setenv("ML_DEVICE", "cpu")
    monkeypatch.setenv("POINT_E_GRID", "32")
    settings_in_force.refresh()
    stand_in.CALLS.clear()
    yield stand_in
    load_point_e_model.cache_clear()
