"""FBX and .blend export through real Blender, run headless as a subprocess.

trimesh cannot write FBX and assimp's binary FBX writer produces files that neither assimp
nor Blender can read, so the workbench writes a GLB, asks Blender to import it and write
FBX / .blend (``blender_script.py``), and checks that each output re-imports in Blender with
the same vertex count. Blender is found through ``BLENDER_PATH`` or ``blender`` on ``PATH``
(Debian: ``apt-get install blender python3-numpy``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import BackendUnavailable, ConversionError

if TYPE_CHECKING:
    from core.config import Settings

SCRIPT = Path(__file__).with_name("blender_script.py")
INSTALL_HINT = "Install Blender (Debian: apt-get install blender python3-numpy) or set BLENDER_PATH."


def find_blender(settings: Settings | None = None) -> str | None:
    """Path of the Blender executable (``BLENDER_PATH`` if set and present, else ``blender``
    on ``PATH``), or None. ``settings``: default the settings in force."""
    from core.config import get_settings

    configured = (settings or get_settings()).blender_path
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("blender")


def convert_with_blender(
    glb: Path, outputs: list[Path], timeout_s: float | None = None, settings: Settings | None = None
) -> dict:
    """Convert ``glb`` to every path in ``outputs`` (.fbx / .blend) in one Blender run.

    Outputs are written to temp names and renamed only after Blender re-imported them with
    the same vertex count as the GLB. ``settings`` (default: the settings in force) give
    Blender's path and, without ``timeout_s``, its time limit in seconds.

    Returns
    -------
    dict
        ``{output path: {"vertices": n, "source_vertices": n}}``.

    Raises
    ------
    BackendUnavailable
        Blender is not installed.
    ConversionError
        Blender failed, timed out, or a re-import lost vertices.
    """
    from core.config import get_settings

    s = settings or get_settings()
    blender = find_blender(s)
    if not blender:
        raise BackendUnavailable("FBX and .blend export need Blender, which was not found.", INSTALL_HINT)
    timeout_s = timeout_s or s.blender_timeout_s
    with tempfile.TemporaryDirectory(prefix="wb-blender-") as tmp:
        temps = [Path(tmp) / f"out{i}{p.suffix}" for i, p in enumerate(outputs)]
        results = _run_blender(blender, glb, temps, timeout_s)
        pairs = zip(temps, outputs, strict=True)
        return {final: _keep_output(temp, final, results[str(temp)]) for temp, final in pairs}


def _run_blender(blender: str, glb: Path, temps: list[Path], timeout_s: float) -> dict[str, dict]:
    """Run ``blender_script.py`` headless on ``glb`` writing ``temps``; returns its
    ``WORKBENCH_RESULT`` lines by file (``{"file", "vertices", "source_vertices"}``).

    Raises ``ConversionError`` on a timeout, a non-zero exit or a missing result."""
    cmd = [blender, "-b", "--factory-startup", "--python-exit-code", "1", "-P", str(SCRIPT), "--"]
    cmd += [str(glb), *map(str, temps)]
    env = {**os.environ, "PYTHONNOUSERSITE": "1"}
    for var in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(var, None)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env, check=False)
    except subprocess.TimeoutExpired as e:
        raise ConversionError(f"Blender did not finish within {timeout_s:.0f} s.") from e
    results = {}
    for line in proc.stdout.splitlines():
        if line.startswith("WORKBENCH_RESULT "):
            r = json.loads(line.removeprefix("WORKBENCH_RESULT "))
            results[r["file"]] = r
    if proc.returncode != 0 or len(results) != len(temps):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise ConversionError(f"Blender export failed (exit {proc.returncode}): {' | '.join(tail)}")
    return results


def _keep_output(tmp_path: Path, final: Path, result: dict) -> dict:
    """Move Blender's ``tmp_path`` to ``final`` (atomic rename) if its re-import kept every
    vertex; returns ``{"vertices", "source_vertices"}``. Raises ``ConversionError`` if not."""
    if result["vertices"] != result["source_vertices"] or result["vertices"] == 0:
        raise ConversionError(
            f"{final.suffix} re-import has {result['vertices']} vertices, expected {result['source_vertices']}."
        )
    final.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(tmp_path), final.with_name(f".{final.name}.tmp"))
    os.replace(final.with_name(f".{final.name}.tmp"), final)
    return {"vertices": result["vertices"], "source_vertices": result["source_vertices"]}


def export_via_glb(mesh, path: Path, settings: Settings | None = None) -> list[Path]:
    """Write ``mesh`` as ``path`` (.fbx or .blend) through a temporary GLB and one Blender
    run; returns ``[path]``. Raises as :func:`convert_with_blender`."""
    from core.mesh.formats.gltf import export_glb

    with tempfile.TemporaryDirectory(prefix="wb-glb-") as tmp:
        glb = export_glb(mesh, Path(tmp) / "model.glb")[0]
        convert_with_blender(glb, [Path(path)], settings=settings)
    return [Path(path)]
