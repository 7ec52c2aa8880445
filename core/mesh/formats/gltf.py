"""glTF 2.0 export (binary .glb and JSON .gltf with embedded buffers) through trimesh.

Spec: https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html -- metres, +Y up, one glTF
mesh per material with a metallic-roughness PBR material (textures embedded when the
model has them). Material factors are **linear** (the spec's sRGB colours are converted in
:mod:`core.mesh.color`) and written as exact floats. Emissive strength above 1 is clamped
to 1 (KHR_materials_emissive_strength is not written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from core.fsutil import atomic_write_bytes

if TYPE_CHECKING:
    from core.mesh.process import Model


def _factor_writer(mesh: Model):
    """A trimesh ``tree_postprocessor`` that writes each spec material's exact linear
    factors into the glTF tree (trimesh stores ``baseColorFactor`` as uint8, which loses the
    dark end of linear values), or None for models without spec materials."""
    from core.mesh.asset_mesh import AssetMesh, gltf_factors

    if not isinstance(mesh, AssetMesh):
        return None
    factors = {m.name: gltf_factors(m) for m in mesh.materials}

    def write(tree: dict) -> None:
        for mat in tree.get("materials", []):
            exact = factors.get(mat.get("name"))
            if exact is None:
                continue
            mat.setdefault("pbrMetallicRoughness", {})["baseColorFactor"] = exact["baseColorFactor"]
            if any(exact["emissiveFactor"]):
                mat["emissiveFactor"] = exact["emissiveFactor"]
            else:
                mat.pop("emissiveFactor", None)

    return write


def glb_bytes(mesh: Model) -> bytes:
    """``mesh`` as binary glTF bytes, material factors linear and exact."""
    return mesh.to_scene().export(file_type="glb", tree_postprocessor=_factor_writer(mesh))


def export_glb(mesh: Model, path: Path) -> list[Path]:
    """Write ``mesh`` as binary glTF to ``path`` (atomic); textures are embedded. A textured
    model read from a GLB and not changed since is copied byte for byte."""
    source = getattr(mesh, "source", None)
    data = Path(source).read_bytes() if source is not None else glb_bytes(mesh)
    atomic_write_bytes(path, data)
    return [Path(path)]


def export_gltf(mesh: Model, path: Path) -> list[Path]:
    """Write ``mesh`` as a single .gltf file with base64-embedded buffers and images (atomic)."""
    from trimesh.exchange.gltf import export_gltf as _export

    files = _export(mesh.to_scene(), embed_buffers=True, tree_postprocessor=_factor_writer(mesh))
    doc = json.loads(files["model.gltf"])
    atomic_write_bytes(path, json.dumps(doc, separators=(",", ":")).encode())
    return [Path(path)]
