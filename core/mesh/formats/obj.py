"""Wavefront OBJ + MTL export through trimesh: one ``usemtl`` group per material.

MTL keeps the base colour (Kd) and opacity (d); OBJ has no metallic-roughness, so those
are lost (use GLB for PBR). The .mtl file is written next to the .obj with the same stem.
"""

from __future__ import annotations

from pathlib import Path

from core.fsutil import atomic_write_bytes
from core.mesh.asset_mesh import AssetMesh


def export_obj(mesh: AssetMesh, path: Path) -> Path:
    """Write ``path`` (.obj) and ``path.with_suffix('.mtl')`` (atomic, MTL first)."""
    from trimesh.exchange.obj import export_obj as _export

    path = Path(path)
    mtl_name = path.with_suffix(".mtl").name
    text, extra = _export(
        mesh.to_scene(), include_texture=True, return_texture=True, mtl_name=mtl_name,
        include_normals=True,
    )  # fmt: skip
    for name, data in extra.items():
        atomic_write_bytes(path.parent / name, data)
    atomic_write_bytes(path, text.encode())
    return path


EXPORTERS = {"obj": export_obj}
