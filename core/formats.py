"""The one table of file formats: every export format and every other file an asset holds.

Each :class:`FormatInfo` names a format once; the spec's ``ExportFormat`` enum, the exporter
registry (:data:`core.mesh.formats.EXPORTERS`), the content types the stores send, the labels of
the download buttons and the CLI's ``--formats`` help all derive from :data:`FORMATS`. Neutral
like :mod:`core.types`: it imports nothing of ``core``, so storage needs no mesh module to
know a MIME type.

MIME types: IANA ``model/*`` registrations where one exists (glTF, OBJ, STL, USDZ:
https://www.iana.org/assignments/media-types/media-types.xhtml#model).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FormatInfo:
    """One export format.

    ``exporter`` is the ``"module:function"`` entry of the exporter registry, called as
    ``export(mesh, path, options=None) -> [paths]`` (main file first, then companions;
    ``options`` a :class:`core.mesh.formats.options.ExportOptions`). ``needs_blender``:
    written by converting the GLB in one Blender run.
    """

    name: str
    extension: str
    mime_type: str
    label: str
    exporter: str
    needs_blender: bool = False


FORMATS: dict[str, FormatInfo] = {
    info.name: info
    for info in (
        FormatInfo(
            "glb", ".glb", "model/gltf-binary", "glTF binary (.glb)", "core.mesh.formats.gltf:export_glb"
        ),
        FormatInfo(
            "gltf", ".gltf", "model/gltf+json", "glTF JSON (.gltf)", "core.mesh.formats.gltf:export_gltf"
        ),
        FormatInfo("obj", ".obj", "model/obj", "Wavefront OBJ + MTL", "core.mesh.formats.obj:export_obj"),
        FormatInfo("stl", ".stl", "model/stl", "STL (geometry only)", "core.mesh.formats.stl:export_stl"),
        FormatInfo(
            "ply", ".ply", "application/x-ply", "PLY with colours", "core.mesh.formats.ply:export_ply"
        ),
        FormatInfo(
            "fbx",
            ".fbx",
            "application/octet-stream",
            "Autodesk FBX (via Blender)",
            "core.mesh.formats.blender:export_via_glb",
            needs_blender=True,
        ),
        FormatInfo(
            "blend",
            ".blend",
            "application/x-blender",
            "Blender (.blend)",
            "core.mesh.formats.blender:export_via_glb",
            needs_blender=True,
        ),
        FormatInfo(
            "usdz",
            ".usdz",
            "model/vnd.usdz+zip",
            "USDZ (AR Quick Look, USD)",
            "core.mesh.formats.usdz:export_usdz",
        ),
    )
}

DEFAULT_FORMATS: tuple[str, ...] = ("glb", "obj", "stl")

# the other files an asset or a job holds (companions, thumbnails, metadata, intermediates)
OTHER_CONTENT_TYPES: dict[str, str] = {
    ".mtl": "model/mtl",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".json": "application/json",
    ".bin": "application/octet-stream",
    ".npz": "application/octet-stream",
}

_BY_EXTENSION = {info.extension: info.mime_type for info in FORMATS.values()} | OTHER_CONTENT_TYPES


def content_type(filename: str) -> str:
    """The MIME type a store sends for ``filename`` (by extension, case-insensitive);
    ``application/octet-stream`` for anything unknown."""
    dot = filename.rfind(".")
    return (
        _BY_EXTENSION.get(filename[dot:].lower(), "application/octet-stream")
        if dot >= 0
        else ("application/octet-stream")
    )


def format_help() -> str:
    """``"glb,gltf,obj,stl,ply,fbx,blend,usdz"``: the names, for option help texts."""
    return ",".join(FORMATS)


__all__ = ["DEFAULT_FORMATS", "FORMATS", "OTHER_CONTENT_TYPES", "FormatInfo", "content_type", "format_help"]
