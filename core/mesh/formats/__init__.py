"""Export formats, by name: one module per format family, one registry built from the format
table (:data:`core.formats.FORMATS`).

Each exporter is ``export(mesh, path) -> [paths]`` (the main file first, then companions such
as .mtl and textures), after trimesh's ``exchange`` package; ``mesh`` is an :class:`AssetMesh`
or a :class:`TexturedMesh`. Formats that need Blender are exported in one Blender run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import UnknownFormatError
from core.formats import FORMATS, FormatInfo
from core.registry import Entry, LazyRegistry

if TYPE_CHECKING:
    from core.config import Settings

EXPORTERS: LazyRegistry = LazyRegistry(
    "export format",
    {name: Entry(info.exporter) for name, info in FORMATS.items()},
    unknown_error=UnknownFormatError,
)


def export_all(
    mesh, formats: list[str], out_dir: Path, stem: str = "model", settings: Settings | None = None
) -> dict[str, list[Path]]:
    """Export ``mesh`` to every format in ``formats`` as ``out_dir/<stem><extension>``.

    Every name is checked before any file is written. Formats that need Blender (FBX,
    .blend) are converted from one GLB in one Blender run; ``settings`` give Blender's path and
    time limit (default: the settings in force).

    Returns
    -------
    dict
        format -> list of written paths (main file first, then companions such as .mtl), in
        the order of ``formats``.

    Raises
    ------
    UnknownFormatError
        A name is not in :data:`core.formats.FORMATS` (the message lists the known ones).
    BackendUnavailable, ConversionError
        Blender missing, or a failed conversion.
    """
    out_dir = Path(out_dir)
    for fmt in formats:
        EXPORTERS.get(fmt)  # raises on unknown names before any work is done
    written: dict[str, list[Path]] = {}
    blender_formats = [fmt for fmt in formats if FORMATS[fmt].needs_blender]
    for fmt in formats:
        if fmt not in blender_formats:
            written[fmt] = EXPORTERS.get(fmt)(mesh, out_dir / f"{stem}{FORMATS[fmt].extension}")
    if blender_formats:
        written |= _export_with_blender(mesh, blender_formats, out_dir, stem, written.get("glb"), settings)
    return {fmt: written[fmt] for fmt in formats}


def _export_with_blender(
    mesh, formats: list[str], out_dir: Path, stem: str, glb: list[Path] | None, settings: Settings | None
) -> dict[str, list[Path]]:
    """Write ``formats`` (all needing Blender) from ``glb`` (already written) or a temporary
    GLB, in one Blender run."""
    from core.mesh.formats.blender import convert_with_blender

    targets = [out_dir / f"{stem}{FORMATS[f].extension}" for f in formats]
    with tempfile.TemporaryDirectory(prefix="wb-glb-") as tmp:
        source = glb[0] if glb else EXPORTERS.get("glb")(mesh, Path(tmp) / "m.glb")[0]
        convert_with_blender(source, targets, settings=settings)
    return {fmt: [path] for fmt, path in zip(formats, targets, strict=True)}


__all__ = ["EXPORTERS", "FORMATS", "FormatInfo", "export_all"]
