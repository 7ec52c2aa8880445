"""FBX and .blend export through real Blender, run headless as a subprocess.

trimesh cannot write FBX and assimp's binary FBX writer produces files that neither assimp
nor Blender can read, so the workbench writes a GLB, asks Blender to import it (with the LOD
and collision GLBs: ``<name>_LOD<n>`` in a LOD group, ``UCX_<name>_NN``) and write FBX /
.blend (``blender_script.py``), and checks that each output re-imports in Blender with the
same vertex count. Blender is found through ``BLENDER_PATH`` or ``blender`` on ``PATH``
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
    from core.mesh.formats.options import ExportOptions

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
    glb: Path,
    outputs: list[Path],
    timeout_s: float | None = None,
    settings: Settings | None = None,
    *,
    options: ExportOptions | None = None,
) -> dict:
    """Convert ``glb`` to every path in ``outputs`` (.fbx / .blend) in one Blender run.

    With ``options`` the scene is an engine's: ``glb`` becomes the object ``<name>_LOD0``,
    each of ``options.lod_glbs`` ``<name>_LOD1``, ... (every GLB's meshes joined into one
    object, transforms applied), all children of an empty ``<name>`` exported as an FBX
    ``LodGroup`` (Unity's and Unreal's LOD import; Unity also reads the ``_LOD<n>`` suffixes),
    and each piece of ``options.collision_glb`` a mesh ``UCX_<name>_NN`` (Unreal's collision
    naming). Materials and their image textures come from the GLBs (Blender's glTF importer
    builds Principled BSDF node trees); the FBX embeds the images.

    Outputs are written to temp names and renamed only after Blender re-imported them with
    the same vertex count as the scene it wrote. ``settings`` (default: ``options.settings``,
    else the settings in force) give Blender's path and, without ``timeout_s``, its time limit
    in seconds.

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

    s = settings or (options.settings if options else None) or get_settings()
    blender = find_blender(s)
    if not blender:
        raise BackendUnavailable("FBX and .blend export need Blender, which was not found.", INSTALL_HINT)
    timeout_s = timeout_s or s.blender_timeout_s
    with tempfile.TemporaryDirectory(prefix="wb-blender-") as tmp:
        temps = [Path(tmp) / f"out{i}{p.suffix}" for i, p in enumerate(outputs)]
        job = Path(tmp) / "job.json"
        job.write_text(json.dumps(blender_job(glb, temps, options)))
        results = _run_blender(blender, job, len(temps), timeout_s)
        pairs = zip(temps, outputs, strict=True)
        return {final: _keep_output(temp, final, results[str(temp)]) for temp, final in pairs}


def blender_job(glb: Path, outputs: list[Path], options: ExportOptions | None) -> dict:
    """What ``blender_script.py`` does: ``{"imports": [{"glb", "name"?, "collision"?}],
    "group": name or None, "outputs": [paths]}`` (see :func:`convert_with_blender`)."""
    if options is None:
        return {"imports": [{"glb": str(glb)}], "group": None, "outputs": list(map(str, outputs))}
    name = options.name
    lods = [glb, *options.lod_glbs]
    imports: list[dict] = [{"glb": str(p), "name": f"{name}_LOD{i}"} for i, p in enumerate(lods)]
    if options.collision_glb is not None:
        imports.append({"glb": str(options.collision_glb), "collision": f"UCX_{name}"})
    return {"imports": imports, "group": name, "outputs": list(map(str, outputs))}


def _run_blender(blender: str, job: Path, expected: int, timeout_s: float) -> dict[str, dict]:
    """Run ``blender_script.py`` headless on the ``job`` file; returns its
    ``WORKBENCH_RESULT`` lines by file (``{"file", "vertices", "source_vertices"}``).

    Raises ``ConversionError`` on a timeout, a non-zero exit or a missing result."""
    cmd = [blender, "-b", "--factory-startup", "--python-exit-code", "1", "-P", str(SCRIPT), "--", str(job)]
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
    if proc.returncode != 0 or len(results) != expected:
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


def export_via_glb(mesh, path: Path, options: ExportOptions | None = None) -> list[Path]:
    """Write ``mesh`` as ``path`` (.fbx or .blend) through a temporary GLB and one Blender
    run (with ``options``: textures, the LOD and collision GLBs, Blender's settings; see
    :func:`convert_with_blender`); returns ``[path]``. Raises as :func:`convert_with_blender`."""
    from core.mesh.formats.gltf import export_glb

    with tempfile.TemporaryDirectory(prefix="wb-glb-") as tmp:
        glb = export_glb(mesh, Path(tmp) / "model.glb", options)[0]
        convert_with_blender(glb, [Path(path)], options=options)
    return [Path(path)]
