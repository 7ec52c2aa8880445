"""``python -m core doctor``: what works on this installation, and what to do about the rest.

Each check returns a row ``{check, ok, detail}``; ``ok`` is True, False, or None for
"optional and absent" (e.g. no GPU: nothing here needs one yet). Secret values are never
shown, only whether a key is set.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.config import Settings

PACKAGES = [
    "streamlit",
    "pydantic",
    "trimesh",
    "manifold3d",
    "fast-simplification",
    "pyvista",
    "vtk",
    "litellm",
    "boto3",
    "trame-pyvista",
    "diskcache",
    "typer",
    "httpx",
    "pyrate-limiter",
    "scikit-image",
    "xatlas",
]
ML_PACKAGES = ["torch", "diffusers", "transformers", "point-e"]  # optional: requirements-ml.txt
KEY_VARS = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "LLM_API_KEY", "LLM_API_BASE"]


def _row(check: str, ok: bool | None, detail: str) -> dict:
    return {"check": check, "ok": ok, "detail": detail}


def check_python() -> list[dict]:
    rows = [_row("python", True, platform.python_version())]
    for name in PACKAGES:
        try:
            rows.append(_row(f"package {name}", True, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            rows.append(_row(f"package {name}", False, "missing: pip install -r requirements.txt"))
    for name in ML_PACKAGES:
        try:
            rows.append(_row(f"ML package {name}", True, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            hint = (
                "optional: pip install git+https://github.com/openai/point-e"
                if name == "point-e"
                else "optional: make install-ml (local Shap-E / Point-E)"
            )
            rows.append(_row(f"ML package {name}", None, hint))
    return rows


def check_blender(s: Settings) -> dict:
    from core.mesh.formats.blender import INSTALL_HINT, find_blender

    path = find_blender(s)
    if not path:
        return _row("blender (FBX/.blend)", False, INSTALL_HINT)
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60).stdout
        version = out.splitlines()[0] if out else "unknown version"
    except (OSError, subprocess.TimeoutExpired) as e:
        return _row("blender (FBX/.blend)", False, f"{path} does not run: {e}")
    return _row("blender (FBX/.blend)", True, f"{version} at {path}")


def check_rendering() -> dict:
    from core.errors import WorkbenchError

    try:
        import numpy as np

        from core.mesh.asset_mesh import AssetMesh
        from core.render import render_png
        from core.spec.model import PBRMaterial

        v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], float)
        f = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
        t = time.perf_counter()
        png = render_png(AssetMesh(v, f, np.zeros(4), [PBRMaterial(name="m")]), size=64)
        return _row(
            "off-screen rendering (EGL)",
            png[:8] == b"\x89PNG\r\n\x1a\n",
            f"{len(png)} byte PNG in {time.perf_counter() - t:.2f} s",
        )
    except WorkbenchError as e:
        return _row("off-screen rendering (EGL)", False, str(e))


def check_store(s: Settings) -> dict:
    from core.errors import WorkbenchError
    from core.storage import open_store

    try:
        store = open_store(settings=s)
        n = len(store.list_assets())
        if store.name == "local":
            Path(s.asset_dir).mkdir(parents=True, exist_ok=True)
            if not os.access(s.asset_dir, os.W_OK):
                return _row("asset store", False, f"{store.location()} is not writable")
        return _row("asset store", True, f"{store.location()} ({n} assets)")
    except WorkbenchError as e:
        return _row("asset store", False, str(e))


def check_keys(s: Settings) -> list[dict]:
    rows = []
    for var in KEY_VARS:
        present = (
            bool(os.environ.get(var))
            or (var == "LLM_API_KEY" and s.llm_api_key is not None)
            or (var == "LLM_API_BASE" and bool(s.llm_api_base))
        )
        rows.append(_row(f"key {var}", True if present else None, "set" if present else "not set (optional)"))
    for var, secret in (("MESHY_API_KEY", s.meshy_api_key), ("TRIPO_API_KEY", s.tripo_api_key)):
        detail = "set" if secret else "not set (optional: enables the cloud backend)"
        if var == "MESHY_API_KEY" and s.meshy_test_mode:
            detail = "test mode (MESHY_TEST_MODE): sample result, no credits"
        rows.append(_row(f"key {var}", True if secret or detail.startswith("test") else None, detail))
    if s.asset_store == "s3":
        aws = bool(os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"))
        rows.append(_row("AWS credentials", aws or None, "set" if aws else "not in env (instance role?)"))
    return rows


def check_gpu() -> dict:
    if shutil.which("nvidia-smi"):
        try:
            out = subprocess.run(
                ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20
            ).stdout.strip()
            if out:
                return _row("GPU", True, out.splitlines()[0])
        except (OSError, subprocess.TimeoutExpired):
            pass
    return _row(
        "GPU",
        None,
        "none: local ML backends (Shap-E, Point-E) would run on the CPU, slowly; nothing else needs one",
    )


def check_viewer_bundle() -> dict:
    bundle = Path(__file__).resolve().parent.parent / "static" / "vendor" / "model-viewer.min.js"
    if bundle.is_file():
        return _row("<model-viewer> bundle", True, f"{bundle.stat().st_size // 1024} KiB, served by the app")
    return _row("<model-viewer> bundle", False, "missing: make run (npm ci) copies it to static/vendor/")


def run_checks(render: bool = True, settings: Settings | None = None) -> list[dict]:
    """Every check, in a fixed order, under ``settings`` (default: the settings in force).
    ``render=False`` skips the rendering test (faster)."""
    from core.config import get_settings

    s = settings or get_settings()
    rows = check_python()
    rows.append(check_blender(s))
    if render:
        rows.append(check_rendering())
    rows += [check_store(s), check_viewer_bundle(), *check_keys(s), check_gpu()]
    return rows
