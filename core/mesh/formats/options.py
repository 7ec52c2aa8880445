"""How the exporters write an asset: texture size, object names, and the LOD and collision
files that formats holding a whole scene (FBX, .blend) take along.

Neutral: imports nothing heavy, so every exporter module can take an :class:`ExportOptions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.config import Settings


def object_name(text: str | None) -> str:
    """``text`` as an object name engines accept (ASCII letters, digits and ``_``; not
    starting with a digit), e.g. ``"Elvish Sword"`` -> ``"Elvish_Sword"``; ``"model"`` when
    nothing is left."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", text or "").strip("_")[:60]
    if not name:
        return "model"
    return f"_{name}" if name[0].isdigit() else name


def unique_name(base: str, used: set[str]) -> str:
    """``base``, or ``base_2``, ``base_3``, ... when taken: the first name not in ``used``,
    which it is added to (material names in MTL files, prims in USD)."""
    name, i = base, 1
    while name in used:
        i += 1
        name = f"{base}_{i}"
    used.add(name)
    return name


@dataclass(frozen=True)
class ExportOptions:
    """What every exporter may use.

    ``texture_size``: pixels of the procedural texture sets of an
    :class:`~core.mesh.asset_mesh.AssetMesh` with UVs (512, 1024, 2048; 0: flat colours).
    ``cache_dir``: where texture sets are cached (``<cache_dir>/textures``; None: not on disk).
    ``name``: the asset's object name (:func:`object_name`) in files that name objects (glTF
    nodes, FBX, USDZ). ``lod_glbs``: GLB files of LOD1, LOD2, ... (already written); FBX and
    .blend hold them as ``<name>_LOD1``, ... ``collision_glb``: a GLB of convex pieces; FBX and
    .blend hold them as ``UCX_<name>_NN``. ``settings``: Blender's path and time limit (None:
    the settings in force).
    """

    texture_size: int = 0
    cache_dir: Path | None = None
    name: str = "model"
    lod_glbs: tuple[Path, ...] = ()
    collision_glb: Path | None = None
    settings: Settings | None = None

    @classmethod
    def from_settings(cls, settings: Settings, name: str | None = None, **changes) -> ExportOptions:
        """Options from ``settings`` (``TEXTURE_SIZE``, ``CACHE_DIR``, Blender's), ``name``
        made an :func:`object_name`, plus ``changes`` (field names)."""
        return cls(
            texture_size=settings.texture_size,
            cache_dir=Path(settings.cache_dir),
            name=object_name(name),
            settings=settings,
            **changes,
        )


__all__ = ["ExportOptions", "object_name"]
