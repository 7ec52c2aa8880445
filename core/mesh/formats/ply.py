"""Binary PLY export through trimesh with RGBA colours: per face (each face's base colour) for
procedural meshes, per vertex (sampled from the base-colour texture) for textured models."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.fsutil import atomic_write_bytes

if TYPE_CHECKING:
    from core.mesh.process import Model


def export_ply(mesh: Model, path: Path) -> list[Path]:
    """Write ``mesh`` as binary little-endian PLY to ``path`` (atomic)."""
    atomic_write_bytes(path, mesh.to_trimesh().export(file_type="ply", encoding="binary"))
    return [Path(path)]
