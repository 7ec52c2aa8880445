"""Binary PLY export with per-face RGBA colours (each face's base colour) through trimesh."""

from __future__ import annotations

from pathlib import Path

from core.fsutil import atomic_write_bytes
from core.mesh.asset_mesh import AssetMesh


def export_ply(mesh: AssetMesh, path: Path) -> Path:
    """Write ``mesh`` as binary little-endian PLY to ``path`` (atomic)."""
    atomic_write_bytes(path, mesh.to_trimesh().export(file_type="ply", encoding="binary"))
    return path


EXPORTERS = {"ply": export_ply}
