"""Binary STL export (geometry only, no materials) through trimesh."""

from __future__ import annotations

from pathlib import Path

from core.fsutil import atomic_write_bytes
from core.mesh.asset_mesh import AssetMesh


def export_stl(mesh: AssetMesh, path: Path) -> Path:
    """Write ``mesh`` as binary STL (metres) to ``path`` (atomic)."""
    atomic_write_bytes(path, mesh.to_trimesh().export(file_type="stl"))
    return path


EXPORTERS = {"stl": export_stl}
