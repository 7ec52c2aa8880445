"""Binary STL export (geometry only, no materials) through trimesh."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.fsutil import atomic_write_bytes

if TYPE_CHECKING:
    from core.mesh.formats.options import ExportOptions
    from core.mesh.process import Model


def export_stl(mesh: Model, path: Path, options: ExportOptions | None = None) -> list[Path]:
    """Write ``mesh`` as binary STL (metres) to ``path`` (atomic); returns ``[path]``.
    ``options`` are not used (STL holds geometry only)."""
    atomic_write_bytes(path, mesh.to_trimesh().export(file_type="stl"))
    return [Path(path)]
