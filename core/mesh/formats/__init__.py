"""Export formats, by name: one module per format family, one registry built from the format
table (:data:`core.formats.FORMATS`).

Each exporter is ``export(mesh, path, options=None) -> [paths]`` (the main file first, then
companions such as .mtl and textures), after trimesh's ``exchange`` package; ``mesh`` is an
:class:`AssetMesh` or a :class:`TexturedMesh`; ``options`` an :class:`ExportOptions` (None:
flat colours, object name ``model``). Formats that need Blender are exported in one Blender
run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import UnknownFormatError
from core.formats import FORMATS, FormatInfo
from core.mesh.formats.options import ExportOptions, object_name
from core.registry import Entry, LazyRegistry

if TYPE_CHECKING:
    from core.config import Settings

EXPORTERS: LazyRegistry = LazyRegistry(
    "export format",
    {name: Entry(info.exporter) for name, info in FORMATS.items()},
    unknown_error=UnknownFormatError,
)


def export_all(
    mesh,
    formats: list[str],
    out_dir: Path,
    stem: str = "model",
    settings: Settings | None = None,
    *,
    options: ExportOptions | None = None,
) -> dict[str, list[Path]]:
    """Export ``mesh`` to every format in ``formats`` as ``out_dir/<stem><extension>``.

    Every name is checked before any file is written. ``options`` (default:
    :meth:`ExportOptions.from_settings` of ``settings``, else of the settings in force) give the
    texture size, the asset's object name, and the LOD and collision GLBs that FBX and .blend
    take along. Formats that need Blender (FBX, .blend) are converted from the GLB (the one
    just written, else a temporary one) in one Blender run.

    Returns
    -------
    dict
        format -> list of written paths (main file first, then companions such as .mtl and
        textures), in the order of ``formats``.

    Raises
    ------
    UnknownFormatError
        A name is not in :data:`core.formats.FORMATS` (the message lists the known ones).
    BackendUnavailable, ConversionError
        Blender or usd-core missing, or a failed conversion.
    """
    out_dir = Path(out_dir)
    for fmt in formats:
        EXPORTERS.get(fmt)  # raises on unknown names before any work is done
    if options is None:
        from core.config import get_settings

        options = ExportOptions.from_settings(settings or get_settings())
    written: dict[str, list[Path]] = {}
    blender_formats = [fmt for fmt in formats if FORMATS[fmt].needs_blender]
    for fmt in formats:
        if fmt not in blender_formats:
            written[fmt] = EXPORTERS.get(fmt)(mesh, out_dir / f"{stem}{FORMATS[fmt].extension}", options)
    if blender_formats:
        written |= _export_with_blender(mesh, blender_formats, out_dir, stem, written.get("glb"), options)
    return {fmt: written[fmt] for fmt in formats}


def _export_with_blender(
    mesh, formats: list[str], out_dir: Path, stem: str, glb: list[Path] | None, options: ExportOptions
) -> dict[str, list[Path]]:
    """Write ``formats`` (all needing Blender) from ``glb`` (already written) or a temporary
    GLB, in one Blender run, with the LODs and collision pieces ``options`` name."""
    from core.mesh.formats.blender import convert_with_blender
    from core.mesh.formats.gltf import export_glb

    targets = [out_dir / f"{stem}{FORMATS[f].extension}" for f in formats]
    with tempfile.TemporaryDirectory(prefix="wb-glb-") as tmp:
        source = glb[0] if glb else export_glb(mesh, Path(tmp) / "m.glb", options)[0]
        convert_with_blender(source, targets, options=options)
    return {fmt: [path] for fmt, path in zip(formats, targets, strict=True)}


__all__ = ["EXPORTERS", "FORMATS", "ExportOptions", "FormatInfo", "export_all", "object_name"]
