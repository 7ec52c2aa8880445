"""Wavefront OBJ + MTL export through trimesh: one ``usemtl`` group per material.

MTL keeps the base colour (Kd, written as sRGB, as MTL readers expect; the glTF factors in
the scene are linear and converted back in :mod:`core.mesh.color`), opacity (d) and the base-colour texture (map_Kd, written as
``<stem>_<n>.png`` beside it); OBJ has no metallic-roughness, so those are lost (use GLB for
PBR). The .mtl file is written next to the .obj with the same stem.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.fsutil import atomic_write_bytes

if TYPE_CHECKING:
    from core.mesh.process import Model


def export_obj(mesh: Model, path: Path) -> list[Path]:
    """Write ``path`` (.obj), ``path.with_suffix('.mtl')`` and any textures (atomic, the
    .obj last). Returns the written paths, the .obj first."""
    import numpy as np
    from trimesh.exchange.obj import export_obj as _export

    from core.mesh.asset_mesh import AssetMesh
    from core.mesh.color import hex_to_rgba, linear_to_srgb

    path = Path(path)
    mtl_name = path.with_suffix(".mtl").name
    scene = mesh.to_scene()
    exact = {}
    if isinstance(mesh, AssetMesh):
        exact = {m.name: hex_to_rgba(m.base_color, m.opacity) for m in mesh.materials}
    for i, geom in enumerate(scene.geometry.values()):
        mat = getattr(geom.visual, "material", None)
        factor = getattr(mat, "baseColorFactor", None)
        if getattr(mat, "name", None) in exact:  # the spec's own sRGB colour
            mat.baseColorFactor = exact[mat.name]
        elif factor is not None:  # linear (glTF) -> sRGB (MTL Kd)
            rgba = np.asarray(factor, dtype=np.float64).reshape(4) / 255.0
            mat.baseColorFactor = [*linear_to_srgb(rgba[:3]), rgba[3]]
        if getattr(mat, "baseColorTexture", None) is not None:  # texture file names follow
            mat.name = f"{path.stem}_{i}"  # the material's: keep them unique per asset
    text, extra = _export(
        scene,
        include_texture=True,
        return_texture=True,
        mtl_name=mtl_name,
        include_normals=True,
    )
    written = []
    for name, data in sorted(extra.items(), key=lambda kv: kv[0] != mtl_name):
        atomic_write_bytes(path.parent / name, data)
        written.append(path.parent / name)
    atomic_write_bytes(path, text.encode())
    return [path, *written]
