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

from core.errors import BackendUnavailable, ConversionError

SCRIPT = Path(__file__).with_name("blender_script.py")
INSTALL_HINT = "Install Blender (Debian: apt-get install blender python3-numpy) or set BLENDER_PATH."


def find_blender() -> str | None:
    """Path of the Blender executable, or None."""
    from core.config import get_settings

    configured = get_settings().blender_path
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("blender")


def convert_with_blender(glb: Path, outputs: list[Path], timeout_s: float | None = None) -> dict:
    """Convert ``glb`` to every path in ``outputs`` (.fbx / .blend) in one Blender run.

    Outputs are written to temp names and renamed only after Blender re-imported them with
    the same vertex count as the GLB.

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

    blender = find_blender()
    if not blender:
        raise BackendUnavailable("FBX and .blend export need Blender, which was not found.", INSTALL_HINT)
    timeout_s = timeout_s or get_settings().blender_timeout_s
    with tempfile.TemporaryDirectory(prefix="wb-blender-") as tmp:
        temps = [Path(tmp) / f"out{i}{p.suffix}" for i, p in enumerate(outputs)]
        cmd = [
            blender,
            "-b",
            "--factory-startup",
            "--python-exit-code",
            "1",
            "-P",
            str(SCRIPT),
            "--",
            str(glb),
            *map(str, temps),
        ]
        env = {**os.environ, "PYTHONNOUSERSITE": "1"}
        for var in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            env.pop(var, None)
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout_s, env=env, check=False
            )
        except subprocess.TimeoutExpired as e:
            raise ConversionError(f"Blender did not finish within {timeout_s:.0f} s.") from e
        results = {}
        for line in proc.stdout.splitlines():
            if line.startswith("WORKBENCH_RESULT "):
                r = json.loads(line.removeprefix("WORKBENCH_RESULT "))
                results[r["file"]] = r
        if proc.returncode != 0 or len(results) != len(outputs):
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise ConversionError(f"Blender export failed (exit {proc.returncode}): {' | '.join(tail)}")
        out = {}
        for tmp_path, final in zip(temps, outputs, strict=True):
            r = results[str(tmp_path)]
            if r["vertices"] != r["source_vertices"] or r["vertices"] == 0:
                raise ConversionError(
                    f"{final.suffix} re-import has {r['vertices']} vertices, expected {r['source_vertices']}."
                )
            final.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(tmp_path), final.with_name(f".{final.name}.tmp"))
            os.replace(final.with_name(f".{final.name}.tmp"), final)
            out[final] = {"vertices": r["vertices"], "source_vertices": r["source_vertices"]}
    return out


def _export_via_glb(mesh, path: Path) -> list[Path]:
    from core.mesh.formats.gltf import export_glb

    with tempfile.TemporaryDirectory(prefix="wb-glb-") as tmp:
        glb = export_glb(mesh, Path(tmp) / "model.glb")[0]
        convert_with_blender(glb, [Path(path)])
    return [Path(path)]


EXPORTERS = {"fbx": _export_via_glb, "blend": _export_via_glb}
