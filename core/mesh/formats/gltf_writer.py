"""A small glTF 2.0 document builder: accessors, embedded images, materials, meshes and
nodes in one binary buffer, written as GLB or as .gltf with the buffer as a data URI.

Images are embedded byte for byte (no decode, no re-encode), which is why the workbench writes
its own glTF instead of trimesh's exporter (it decodes and re-encodes every texture). Layout:
every buffer view starts on a 4-byte boundary; GLB chunks are padded (JSON with spaces, BIN
with zeros).

Spec: https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html (binary layout:
#binary-gltf-layout, accessors: #accessors, samplers: #samplers).
"""

from __future__ import annotations

import base64
import json
import struct

import numpy as np

ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963
_COMPONENT = {np.dtype(np.float32): 5126, np.dtype(np.uint32): 5125, np.dtype(np.uint16): 5123}
_TYPE = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4"}
# LINEAR magnification, trilinear (mipmapped) minification, REPEAT in both directions
REPEAT_SAMPLER = {"magFilter": 9729, "minFilter": 9987, "wrapS": 10497, "wrapT": 10497}
GENERATOR = "3D Asset Workbench"


def image_mime_type(data: bytes) -> str:
    """``image/png`` or ``image/jpeg`` (the two types glTF allows) from ``data``'s magic.

    Raises
    ------
    ValueError
        Neither a PNG nor a JPEG.
    """
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    raise ValueError("a glTF image must be a PNG or a JPEG")


class GltfBuilder:
    """One glTF document and its binary buffer, built up part by part; every ``add``
    returns the new part's index. Textures share one REPEAT sampler; the same image bytes
    are stored once."""

    def __init__(self) -> None:
        self.doc: dict = {"asset": {"version": "2.0", "generator": GENERATOR}, "scene": 0}
        self.doc["scenes"] = [{"nodes": []}]
        self._blob = bytearray()
        self._textures: dict[bytes, int] = {}

    def _append(self, key: str, item: dict) -> int:
        items = self.doc.setdefault(key, [])
        items.append(item)
        return len(items) - 1

    def view(self, data: bytes, target: int | None = None) -> int:
        """A buffer view over ``data`` (appended to the buffer, 4-byte aligned)."""
        self._blob.extend(b"\0" * (-len(self._blob) % 4))
        view = {"buffer": 0, "byteOffset": len(self._blob), "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        self._blob.extend(data)
        return self._append("bufferViews", view)

    def accessor(self, array: np.ndarray, target: int, bounds: bool = False) -> int:
        """An accessor over ``array`` ((n,) or (n, k), float32 / uint16 / uint32);
        ``bounds`` adds ``min`` and ``max`` (required for POSITION)."""
        a = np.ascontiguousarray(array)
        width = 1 if a.ndim == 1 else a.shape[1]
        acc = {
            "bufferView": self.view(a.tobytes(), target),
            "componentType": _COMPONENT[a.dtype],
            "count": len(a),
            "type": _TYPE[width],
        }
        if bounds:
            acc["min"] = np.atleast_1d(a.min(axis=0)).tolist()
            acc["max"] = np.atleast_1d(a.max(axis=0)).tolist()
        return self._append("accessors", acc)

    def indices(self, faces: np.ndarray) -> int:
        """An index accessor for (m, 3) triangles: uint16 when every index fits below the
        primitive-restart value 65535, else uint32."""
        dtype = np.uint16 if faces.max(initial=0) < 65535 else np.uint32
        return self.accessor(np.asarray(faces, dtype).reshape(-1), ELEMENT_ARRAY_BUFFER)

    def texture(self, image: bytes, name: str | None = None) -> int:
        """A texture of the embedded ``image`` (PNG or JPEG bytes, stored as they are) with
        the REPEAT sampler; the same bytes give the same texture (named after its first use)."""
        if image in self._textures:
            return self._textures[image]
        if "samplers" not in self.doc:
            self._append("samplers", dict(REPEAT_SAMPLER))
        entry = {"bufferView": self.view(image), "mimeType": image_mime_type(image)}
        if name:
            entry["name"] = name
        source = self._append("images", entry)
        index = self._append("textures", {"sampler": 0, "source": source})
        self._textures[image] = index
        return index

    def material(self, material: dict) -> int:
        return self._append("materials", material)

    def mesh(self, name: str, primitives: list[dict]) -> int:
        return self._append("meshes", {"name": name, "primitives": primitives})

    def node(self, name: str, mesh: int) -> int:
        """A root node showing ``mesh``, added to the scene."""
        index = self._append("nodes", {"name": name, "mesh": mesh})
        self.doc["scenes"][0]["nodes"].append(index)
        return index

    def use_extension(self, name: str) -> None:
        used = self.doc.setdefault("extensionsUsed", [])
        if name not in used:
            used.append(name)

    def glb(self) -> bytes:
        """The document as binary glTF (JSON chunk, then the BIN chunk)."""
        blob = bytes(self._blob) + b"\0" * (-len(self._blob) % 4)
        doc = dict(self.doc, buffers=[{"byteLength": len(blob)}]) if blob else self.doc
        text = json.dumps(doc, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 4)
        chunks = struct.pack("<II", len(text), 0x4E4F534A) + text
        if blob:
            chunks += struct.pack("<II", len(blob), 0x004E4942) + blob
        return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks

    def gltf(self) -> bytes:
        """The document as one .gltf JSON file, the buffer embedded as a base64 data URI."""
        doc = dict(self.doc)
        if self._blob:
            uri = "data:application/octet-stream;base64," + base64.b64encode(bytes(self._blob)).decode()
            doc["buffers"] = [{"byteLength": len(self._blob), "uri": uri}]
        return json.dumps(doc, separators=(",", ":")).encode()


__all__ = ["ARRAY_BUFFER", "ELEMENT_ARRAY_BUFFER", "REPEAT_SAMPLER", "GltfBuilder", "image_mime_type"]
