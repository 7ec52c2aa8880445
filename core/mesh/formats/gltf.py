"""glTF 2.0 export: binary .glb and JSON .gltf (buffers and images embedded).

Spec: https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html -- metres, +Y up.

An :class:`~core.mesh.asset_mesh.AssetMesh` is written by :class:`GltfBuilder` as one node and
one mesh named after the asset, with **one primitive per spec material**: ``POSITION``,
``NORMAL`` (when the mesh has normals), ``TEXCOORD_0`` and ``TANGENT`` (when it is textured;
see :func:`core.mesh.texturing.vertex_tangents`) and indices. Each
spec material becomes a metallic-roughness material:

- flat (no UVs, or ``texture_size`` 0): the spec's factors, **linear**
  (:func:`~core.mesh.asset_mesh.gltf_factors`), written as exact floats;
- textured (:func:`core.mesh.texturing.mesh_textures`; ``TEXCOORD_0 = uvs / tile_m``):
  ``baseColorTexture`` (sRGB, the material's colour and alpha = opacity already in it, so
  ``baseColorFactor`` is white), one ORM image as ``occlusionTexture`` (R) and
  ``metallicRoughnessTexture`` (G roughness, B metallic; factors 1), ``normalTexture``, and
  ``emissiveTexture`` when it glows; sampler REPEAT with trilinear mipmaps. The cached PNG bytes
  are embedded as they are.

Emissive strength above 1 is written with ``KHR_materials_emissive_strength``. A
:class:`~core.mesh.textured.TexturedMesh` (cloud models) goes through trimesh, or is copied
byte for byte from the GLB it was read from.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.fsutil import atomic_write_bytes
from core.mesh.formats.gltf_writer import ARRAY_BUFFER, GltfBuilder
from core.mesh.formats.options import ExportOptions

if TYPE_CHECKING:
    from core.mesh.asset_mesh import AssetMesh
    from core.mesh.process import Model
    from core.mesh.texturing import MaterialTextures
    from core.spec.model import PBRMaterial

EMISSIVE_STRENGTH = "KHR_materials_emissive_strength"


def asset_textures(mesh: Model, options: ExportOptions | None) -> dict[int, MaterialTextures]:
    """The texture sets of ``mesh`` by material index under ``options``: empty for a flat
    export (no options, ``texture_size`` 0, no UVs, or not an ``AssetMesh``)."""
    from core.mesh.asset_mesh import AssetMesh

    if options is None or not options.texture_size or not isinstance(mesh, AssetMesh) or mesh.uvs is None:
        return {}
    from core.mesh.texturing import mesh_textures

    return mesh_textures(mesh, options.texture_size, options.cache_dir)


def unit_normals(normals: np.ndarray) -> np.ndarray:
    """(n, 3) float32 unit vectors (glTF requires unit ``NORMAL``s); zero ones become +Y."""
    n = np.asarray(normals, np.float64)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    out = np.where(length > 1e-12, n / np.maximum(length, 1e-12), (0.0, 1.0, 0.0))
    return out.astype(np.float32)


def material_json(builder: GltfBuilder, mat: PBRMaterial, tex: MaterialTextures | None) -> dict:
    """The glTF material of spec material ``mat``, textured with ``tex`` when given (see the
    module docstring); registers its textures and extension with ``builder``."""
    from core.mesh.asset_mesh import gltf_factors

    f = gltf_factors(mat)
    pbr = {"baseColorFactor": f["baseColorFactor"], "metallicFactor": mat.metallic}
    pbr["roughnessFactor"] = mat.roughness
    out: dict = {"name": mat.name, "pbrMetallicRoughness": pbr, "doubleSided": False}
    emissive = f["emissiveFactor"]
    if tex is not None:
        maps = tex.textures
        orm = builder.texture(maps.orm, f"{mat.name}_orm")
        pbr.update(baseColorFactor=[1.0, 1.0, 1.0, 1.0], metallicFactor=1.0, roughnessFactor=1.0)
        pbr["baseColorTexture"] = {"index": builder.texture(maps.base_color, f"{mat.name}_base_color")}
        pbr["metallicRoughnessTexture"] = {"index": orm}
        out["occlusionTexture"] = {"index": orm}
        out["normalTexture"] = {"index": builder.texture(maps.normal, f"{mat.name}_normal")}
        if maps.emissive is not None and any(emissive):  # the map holds the glow's colour
            out["emissiveTexture"] = {"index": builder.texture(maps.emissive, f"{mat.name}_emissive")}
            emissive = [min(float(mat.emissive_strength), 1.0)] * 3
    if any(emissive):
        out["emissiveFactor"] = emissive
        if f["emissiveStrength"]:
            out["extensions"] = {EMISSIVE_STRENGTH: {"emissiveStrength": f["emissiveStrength"]}}
            builder.use_extension(EMISSIVE_STRENGTH)
    if mat.opacity < 1.0:
        out["alphaMode"] = "BLEND"
    return out


def _primitive(builder: GltfBuilder, mesh: AssetMesh, faces: np.ndarray, tile_m: float | None) -> dict:
    """The attributes and indices of ``faces`` (rows of ``mesh.faces``), only the vertices
    they use; ``tile_m`` (textured): ``TEXCOORD_0 = uvs / tile_m``, ``NORMAL`` (area-weighted
    when the mesh has none) and ``TANGENT`` for the normal map."""
    from core.mesh.texturing import vertex_normals, vertex_tangents

    used, local = np.unique(faces, return_inverse=True)
    local = local.reshape(-1, 3)
    points = mesh.vertices[used]
    attributes = {"POSITION": builder.accessor(points.astype(np.float32), ARRAY_BUFFER, True)}
    normals = None if mesh.normals is None else unit_normals(mesh.normals[used])
    textured = tile_m is not None and mesh.uvs is not None
    if textured and normals is None:
        normals = vertex_normals(points, local)
    if normals is not None:
        attributes["NORMAL"] = builder.accessor(normals, ARRAY_BUFFER)
    if textured:
        uv = (mesh.uvs[used].astype(np.float64) / tile_m).astype(np.float32)
        attributes["TEXCOORD_0"] = builder.accessor(uv, ARRAY_BUFFER)
        attributes["TANGENT"] = builder.accessor(vertex_tangents(points, local, normals, uv), ARRAY_BUFFER)
    return {"attributes": attributes, "indices": builder.indices(local), "mode": 4}


def asset_builder(mesh: AssetMesh, options: ExportOptions | None = None) -> GltfBuilder:
    """A :class:`GltfBuilder` holding ``mesh`` (see the module docstring): one node and mesh
    named ``options.name``, one primitive and material per spec material its faces use."""
    textures = asset_textures(mesh, options)
    builder = GltfBuilder()
    primitives = []
    for index in np.unique(mesh.face_material):
        tex = textures.get(int(index))
        prim = _primitive(builder, mesh, mesh.faces[mesh.face_material == index], tex and tex.tile_m)
        prim["material"] = builder.material(material_json(builder, mesh.materials[int(index)], tex))
        primitives.append(prim)
    name = options.name if options else "model"
    builder.node(name, builder.mesh(name, primitives))
    return builder


def glb_bytes(mesh: Model, options: ExportOptions | None = None) -> bytes:
    """``mesh`` as binary glTF bytes (flat colours unless ``options`` ask for textures)."""
    from core.mesh.asset_mesh import AssetMesh

    if isinstance(mesh, AssetMesh):
        return asset_builder(mesh, options).glb()
    return mesh.gltf_bytes()


def export_glb(mesh: Model, path: Path, options: ExportOptions | None = None) -> list[Path]:
    """Write ``mesh`` as binary glTF to ``path`` (atomic); returns ``[path]``. A textured
    model read from a GLB and not changed since is copied byte for byte."""
    source = getattr(mesh, "source", None)
    data = Path(source).read_bytes() if source is not None else glb_bytes(mesh, options)
    atomic_write_bytes(path, data)
    return [Path(path)]


def export_gltf(mesh: Model, path: Path, options: ExportOptions | None = None) -> list[Path]:
    """Write ``mesh`` as one .gltf file, buffers and images embedded as base64 (atomic)."""
    from core.mesh.asset_mesh import AssetMesh

    data = (
        asset_builder(mesh, options).gltf() if isinstance(mesh, AssetMesh) else mesh.gltf_bytes(binary=False)
    )
    atomic_write_bytes(path, data)
    return [Path(path)]


def collision_builder(pieces: list, name: str = "model") -> GltfBuilder:
    """Convex collision pieces (``trimesh.Trimesh``, metres, +Y up) as nodes and meshes
    ``UCX_<name>_00``, ``UCX_<name>_01``, ... (Unreal's naming), positions and indices only."""
    builder = GltfBuilder()
    for i, piece in enumerate(pieces):
        vertices = np.asarray(piece.vertices, np.float32)
        prim = {
            "attributes": {"POSITION": builder.accessor(vertices, ARRAY_BUFFER, True)},
            "indices": builder.indices(np.asarray(piece.faces)),
            "mode": 4,
        }
        label = f"UCX_{name}_{i:02d}"
        builder.node(label, builder.mesh(label, [prim]))
    return builder


def export_collision_glb(pieces: list, path: Path, name: str = "model") -> Path:
    """Write the collision pieces as a GLB at ``path`` (atomic; see
    :func:`collision_builder`); returns ``path``.

    Raises
    ------
    ValueError
        No pieces.
    """
    if not pieces:
        raise ValueError("no collision pieces to write")
    atomic_write_bytes(path, collision_builder(pieces, name).glb())
    return Path(path)


__all__ = [
    "EMISSIVE_STRENGTH",
    "asset_builder",
    "asset_textures",
    "collision_builder",
    "export_collision_glb",
    "export_glb",
    "export_gltf",
    "glb_bytes",
    "material_json",
    "unit_normals",
]
