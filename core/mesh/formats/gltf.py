"""glTF 2.0 export (binary .glb and JSON .gltf with embedded buffers) through trimesh.

Spec: https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html -- metres, +Y up, one glTF
mesh per material with a metallic-roughness PBR material (textures embedded when the
model has them). Emissive strength above 1 is
clamped to 1 (KHR_materials_emissive_strength is not written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from core.fsutil import atomic_write_bytes

if TYPE_CHECKING:
    from core.mesh.process import Model


def export_glb(mesh: Model, path: Path) -> list[Path]:
    """Write ``mesh`` as binary glTF to ``path`` (atomic); textures are embedded. A textured
    model read from a GLB and not changed since is copied byte for byte."""
    source = getattr(mesh, "source", None)
    data = Path(source).read_bytes() if source is not None else mesh.to_scene().export(file_type="glb")
    atomic_write_bytes(path, data)
    return [Path(path)]


def export_gltf(mesh: Model, path: Path) -> list[Path]:
    """Write ``mesh`` as a single .gltf file with base64-embedded buffers and images (atomic)."""
    from trimesh.exchange.gltf import export_gltf as _export

    files = _export(mesh.to_scene(), embed_buffers=True)
    doc = json.loads(files["model.gltf"])
    atomic_write_bytes(path, json.dumps(doc, separators=(",", ":")).encode())
    return [Path(path)]


EXPORTERS = {"glb": export_glb, "gltf": export_gltf}
