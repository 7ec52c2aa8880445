"""Export formats, by name: one module per format family, merged into one registry.

Each module ends with an ``EXPORTERS`` dict (name -> ``export(mesh, path) -> [paths]``, the
main file first, then companions such as .mtl and textures), after trimesh's ``exchange``
package. ``mesh`` is an :class:`AssetMesh` or a :class:`TexturedMesh`. Formats that need Blender are exported in one Blender run.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from core.registry import Entry, LazyRegistry


@dataclass(frozen=True)
class FormatInfo:
    name: str
    extension: str
    mime_type: str
    label: str
    needs_blender: bool = False


FORMATS: dict[str, FormatInfo] = {
    "glb": FormatInfo("glb", ".glb", "model/gltf-binary", "glTF binary (.glb)"),
    "gltf": FormatInfo("gltf", ".gltf", "model/gltf+json", "glTF JSON (.gltf)"),
    "obj": FormatInfo("obj", ".obj", "model/obj", "Wavefront OBJ + MTL"),
    "stl": FormatInfo("stl", ".stl", "model/stl", "STL (geometry only)"),
    "ply": FormatInfo("ply", ".ply", "application/x-ply", "PLY with colours"),
    "fbx": FormatInfo("fbx", ".fbx", "application/octet-stream", "Autodesk FBX (via Blender)", True),
    "blend": FormatInfo("blend", ".blend", "application/x-blender", "Blender (.blend)", True),
}

EXPORTERS: LazyRegistry = LazyRegistry(
    "export format",
    {
        "glb": Entry("core.mesh.formats.gltf:export_glb"),
        "gltf": Entry("core.mesh.formats.gltf:export_gltf"),
        "obj": Entry("core.mesh.formats.obj:export_obj"),
        "stl": Entry("core.mesh.formats.stl:export_stl"),
        "ply": Entry("core.mesh.formats.ply:export_ply"),
        "fbx": Entry("core.mesh.formats.blender:_export_via_glb"),
        "blend": Entry("core.mesh.formats.blender:_export_via_glb"),
    },
)


def export_all(mesh, formats: list[str], out_dir: Path, stem: str = "model") -> dict:
    """Export ``mesh`` to every format in ``formats`` under ``out_dir``.

    Returns
    -------
    dict
        format -> list of written paths (main file first, then companions such as .mtl).

    Raises
    ------
    UnknownBackendError, BackendUnavailable, ConversionError
        Unknown format, Blender missing, or a failed conversion.
    """
    from core.mesh.formats.blender import convert_with_blender

    out_dir = Path(out_dir)
    written: dict[str, list[Path]] = {}
    blender_formats = []
    for fmt in formats:
        EXPORTERS.get(fmt)  # raises on unknown names before any work is done
    for fmt in formats:
        info = FORMATS[fmt]
        path = out_dir / f"{stem}{info.extension}"
        if info.needs_blender:
            blender_formats.append(fmt)
            continue
        written[fmt] = EXPORTERS.get(fmt)(mesh, path)
    if blender_formats:
        targets = [out_dir / f"{stem}{FORMATS[f].extension}" for f in blender_formats]
        with tempfile.TemporaryDirectory(prefix="wb-glb-") as tmp:
            glb = (
                written["glb"][0] if "glb" in written else EXPORTERS.get("glb")(mesh, Path(tmp) / "m.glb")[0]
            )
            convert_with_blender(glb, targets)
        for fmt, path in zip(blender_formats, targets, strict=True):
            written[fmt] = [path]
    return {fmt: written[fmt] for fmt in formats}
