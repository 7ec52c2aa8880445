"""The encoded images of a GLB's materials, kept so that a textured model (a Meshy or Tripo
download) is written again, as LODs or intermediates, without decoding and re-encoding its
textures: re-encoding a 2,048 px texture as PNG costs about 0.5 s per file and is lossy for
JPEG textures.

:func:`tag_materials` rewrites only the JSON chunk of a GLB so every material's name starts
with its index; trimesh keeps material names when it loads, so each loaded geometry can be
matched to its glTF material and that material's image bytes (:func:`source_of`).
:func:`textured_builder` builds geometries with their :class:`SourceMaterial` in
:class:`~core.mesh.formats.gltf_writer.GltfBuilder`, the images embedded byte for byte.

A material whose textures cannot be carried as they are (an external or KTX2 image, a second
texture coordinate set, ``KHR_texture_transform``) gets no source; a model with such a
material is written through trimesh's exporter instead.

GLB layout: https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html#binary-gltf-layout
Materials: https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html#materials
"""

from __future__ import annotations

import base64
import json
import re
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import trimesh

    from core.mesh.formats.gltf_writer import GltfBuilder

# (parent key or None, texture-info key) of every core glTF material texture
TEXTURE_SLOTS = (
    ("pbrMetallicRoughness", "baseColorTexture"),
    ("pbrMetallicRoughness", "metallicRoughnessTexture"),
    (None, "normalTexture"),
    (None, "occlusionTexture"),
    (None, "emissiveTexture"),
)
# material extensions written again as they are (they hold no texture)
KEPT_EXTENSIONS = ("KHR_materials_emissive_strength",)
_TAG = re.compile(r"^wb(\d+)#")
_JSON, _BIN = 0x4E4F534A, 0x004E4942


@dataclass(frozen=True)
class SourceMaterial:
    """One glTF material as read: ``material`` is its JSON without texture indices (they
    are given again on writing) and ``images`` its encoded image bytes (PNG or JPEG) by
    texture-info key (``baseColorTexture``, ``normalTexture``, ...)."""

    material: dict
    images: dict[str, bytes]


def glb_chunks(data: bytes) -> tuple[dict, bytes]:
    """The JSON document and the BIN chunk (empty when absent) of GLB ``data``, whose header
    was checked (:func:`core.mesh.textured.check_glb_header`).

    Raises
    ------
    ValueError
        A chunk runs past the end, or the first chunk is not JSON.
    """
    length, kind = struct.unpack_from("<II", data, 12)
    if kind != _JSON or 20 + length > len(data):
        raise ValueError("the GLB's first chunk is not a whole JSON chunk")
    doc = json.loads(data[20 : 20 + length])
    offset, blob = 20 + length, b""
    if offset + 8 <= len(data):
        blob_length, blob_kind = struct.unpack_from("<II", data, offset)
        if blob_kind == _BIN and offset + 8 + blob_length <= len(data):
            blob = data[offset + 8 : offset + 8 + blob_length]
    return doc, blob


def tag_materials(data: bytes) -> tuple[bytes, list[SourceMaterial | None]]:
    """GLB ``data`` with every material renamed ``wb<index>#<name>`` (only the JSON chunk is
    rewritten) and each material's :class:`SourceMaterial`, None where its textures cannot
    be carried as they are. ``data`` as it is and no sources when it cannot be parsed here
    (trimesh then reports what is wrong with it)."""
    try:
        doc, blob = glb_chunks(data)
        materials = doc.get("materials") or []
        sources = [_source(doc, blob, m) for m in materials]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return data, []
    for index, material in enumerate(materials):
        material["name"] = f"wb{index}#{material.get('name', '')}"
    text = json.dumps(doc, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    rest = data[20 + struct.unpack_from("<I", data, 12)[0] :]
    body = struct.pack("<II", len(text), _JSON) + text + rest
    return struct.pack("<4sII", b"glTF", 2, 12 + len(body)) + body, sources


def source_of(geometry: trimesh.Trimesh, sources: list[SourceMaterial | None]) -> SourceMaterial | None:
    """The source of ``geometry``'s material, read from its tagged name (which is restored
    to the file's own); None when it has none, or has textures but no UVs."""
    material = getattr(geometry.visual, "material", None)
    match = _TAG.match(getattr(material, "name", None) or "")
    if match is None:
        return None
    material.name = material.name[match.end() :] or None
    index = int(match.group(1))
    source = sources[index] if index < len(sources) else None
    if source is not None and source.images and getattr(geometry.visual, "uv", None) is None:
        return None
    return source


def _source(doc: dict, blob: bytes, material: dict) -> SourceMaterial | None:
    out = json.loads(json.dumps(material))  # a deep copy of plain JSON
    images = {}
    for parent, key in TEXTURE_SLOTS:
        holder = out.get(parent, {}) if parent else out
        info = holder.get(key)
        if info is None:
            continue
        if info.get("texCoord", 0) != 0 or info.get("extensions"):
            return None
        texture = doc["textures"][info["index"]]
        if texture.get("extensions") or "source" not in texture:
            return None
        image = _image_bytes(doc, blob, doc["images"][texture["source"]])
        if image is None:
            return None
        images[key] = image
        del info["index"]
    extensions = {k: v for k, v in out.pop("extensions", {}).items() if k in KEPT_EXTENSIONS}
    if extensions:
        out["extensions"] = extensions
    out.pop("extras", None)
    return SourceMaterial(out, images)


def _image_bytes(doc: dict, blob: bytes, image: dict) -> bytes | None:
    """PNG or JPEG bytes of ``image`` (from a buffer view of the BIN chunk or a data URI)."""
    data = None
    if "bufferView" in image:
        view = doc["bufferViews"][image["bufferView"]]
        if view.get("buffer", 0) == 0 and not doc["buffers"][0].get("uri"):
            start = view.get("byteOffset", 0)
            data = blob[start : start + view["byteLength"]]
    elif str(image.get("uri", "")).startswith("data:") and ";base64," in image["uri"]:
        data = base64.b64decode(image["uri"].split(";base64,", 1)[1])
    if data is None or not (data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff"):
        return None
    return data


def textured_builder(
    geometries: list[trimesh.Trimesh], sources: list[SourceMaterial], names: list[str]
) -> GltfBuilder:
    """A glTF document of ``geometries`` (metres, +Y up), geometry ``i`` as node ``names[i]``
    with ``NORMAL``, ``TEXCOORD_0`` (when it has UVs; trimesh's v-up flipped back to glTF's
    v-down), ``TANGENT`` when its material has a normal map, and the material ``sources[i]``, whose images are embedded byte for byte (a
    source shared by several geometries, as LODs share theirs, is written once)."""
    from core.mesh.formats.gltf_writer import ARRAY_BUFFER, GltfBuilder
    from core.mesh.texturing import vertex_tangents

    builder, written = GltfBuilder(), {}
    for geometry, source, name in zip(geometries, sources, names, strict=True):
        if id(source) not in written:
            written[id(source)] = builder.material(_material_json(builder, source))
        normals = np.asarray(geometry.vertex_normals, np.float32)
        attributes = {
            "POSITION": builder.accessor(
                np.asarray(geometry.vertices, np.float32), ARRAY_BUFFER, bounds=True
            ),
            "NORMAL": builder.accessor(normals, ARRAY_BUFFER),
        }
        uv = getattr(geometry.visual, "uv", None)
        if uv is not None and len(uv) == len(geometry.vertices):
            texcoord = np.column_stack([uv[:, 0], 1.0 - uv[:, 1]]).astype(np.float32)
            attributes["TEXCOORD_0"] = builder.accessor(texcoord, ARRAY_BUFFER)
            if "normalTexture" in source.images:  # a normal map needs a tangent space
                tangents = vertex_tangents(geometry.vertices, geometry.faces, normals, texcoord)
                attributes["TANGENT"] = builder.accessor(tangents, ARRAY_BUFFER)
        primitive = {"attributes": attributes, "indices": builder.indices(geometry.faces)}
        primitive["material"] = written[id(source)]
        builder.node(name, builder.mesh(name, [primitive]))
    return builder


def _material_json(builder, source: SourceMaterial) -> dict:
    material = json.loads(json.dumps(source.material))
    for parent, key in TEXTURE_SLOTS:
        if key in source.images:
            holder = material[parent] if parent else material
            holder[key]["index"] = builder.texture(source.images[key])
    for name in material.get("extensions", {}):
        builder.use_extension(name)
    return material


__all__ = ["SourceMaterial", "glb_chunks", "source_of", "tag_materials", "textured_builder"]
