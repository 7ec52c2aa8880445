"""Binary PLY export through trimesh with RGBA colours: per face (each face's base colour, sRGB)
for procedural meshes, per vertex (sampled from the base-colour texture) for textured models.

A procedural mesh also keeps which spec material every face has, even when two materials share
a colour: a face property ``material`` (int32, the index into the spec's materials) and one
header comment per material, ``comment material <index> <name>`` (the name as in the spec,
whitespace as ``_``). Vertex normals are written when the mesh has them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.fsutil import atomic_write_bytes
from core.mesh.formats.options import ExportOptions

if TYPE_CHECKING:
    from core.mesh.process import Model


def export_ply(mesh: Model, path: Path, options: ExportOptions | None = None) -> list[Path]:
    """Write ``mesh`` as binary little-endian PLY to ``path`` (atomic); returns ``[path]``.
    ``options`` are not used (PLY holds colours, not textures)."""
    from core.mesh.asset_mesh import AssetMesh

    tm = mesh.to_trimesh()
    if not isinstance(mesh, AssetMesh):
        atomic_write_bytes(path, tm.export(file_type="ply", encoding="binary"))
        return [Path(path)]
    tm.face_attributes["material"] = mesh.face_material.astype(np.int32)
    data = tm.export(file_type="ply", encoding="binary", vertex_normal=mesh.normals is not None)
    comments = "".join(
        f"comment material {i} {'_'.join(name.split()) or 'material'}\n"
        for i, name in enumerate(mesh.material_names)
    )
    start = data.index(b"\n", data.index(b"format ")) + 1  # comments follow the format line
    atomic_write_bytes(path, data[:start] + comments.encode() + data[start:])
    return [Path(path)]


__all__ = ["export_ply"]
