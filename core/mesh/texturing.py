"""Procedural PBR texture sets for an :class:`~core.mesh.asset_mesh.AssetMesh`.

Each material of a mesh that has UVs gets one texture set (base colour, normal, ORM and, when
it glows, emissive) from :mod:`core.materials`: its kind comes from the spec material's
``texture`` field, else from its name and PBR values (:func:`core.materials.kinds.kind_of`).
Texture coordinates are the mesh's UVs (metres) divided by the kind's ``tile_m``, so every
asset has the same texel density (``size / tile_m`` pixels per metre) and a crate and a sword
show the same grain. Sets are cached on disk (``<cache_dir>/textures``) and in memory, so the
LODs and formats of one asset, and the next asset with "oak", reuse them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.materials.kinds import Kind, kind_of
from core.materials.textures import TextureRequest, TextureSet, request_for, texture_set

if TYPE_CHECKING:
    from core.mesh.asset_mesh import AssetMesh
    from core.spec.model import PBRMaterial


@dataclass(frozen=True)
class MaterialTextures:
    """The texture set of one material and how to map it: texture coordinates are
    ``uvs / tile_m`` (glTF convention, v down the image, REPEAT wrapping)."""

    kind: str
    tile_m: float
    textures: TextureSet


def material_kind(material: PBRMaterial) -> Kind:
    """The procedural kind of a spec material (its ``texture`` field wins)."""
    return kind_of(
        material.name,
        texture=material.texture,
        metallic=material.metallic,
        roughness=material.roughness,
        opacity=material.opacity,
        glowing=material.emissive.lower() != "#000000" and material.emissive_strength > 0,
    )


def texture_request(material: PBRMaterial, size: int, seed: int = 0) -> TextureRequest:
    """What the texture set of ``material`` at ``size`` pixels depends on (the cache key)."""
    return request_for(
        material_kind(material),
        color=material.base_color,
        roughness=material.roughness,
        metallic=material.metallic,
        emissive=material.emissive,
        opacity=material.opacity,
        size=size,
        seed=seed,
    )


@functools.lru_cache(maxsize=128)
def _cached_set(request: TextureRequest, cache_dir: str | None) -> TextureSet:
    return texture_set(request, Path(cache_dir) if cache_dir else None)


def mesh_textures(mesh: AssetMesh, size: int, cache_dir: Path | None) -> dict[int, MaterialTextures]:
    """Texture sets by material index for the materials ``mesh``'s faces use; empty when the
    mesh has no UVs or ``size`` is 0 (flat colours).

    Raises
    ------
    ValueError
        ``size`` is not a supported texture size (see ``core.materials.textures``).
    """
    if mesh.uvs is None or size == 0:
        return {}
    out = {}
    for index in np.unique(mesh.face_material):
        material = mesh.materials[int(index)]
        request = texture_request(material, size)
        out[int(index)] = MaterialTextures(
            request.kind, request.tile_m, _cached_set(request, str(cache_dir) if cache_dir else None)
        )
    return out


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(n, 3) float32 unit normals, each vertex the area-weighted mean of its faces' normals
    (vertices split at seams keep their own side's normal); +Y where no face gives one."""
    v = np.asarray(vertices, np.float64)
    f = np.asarray(faces, np.int64)
    face_n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])  # length = 2 x area
    acc = np.zeros_like(v)
    for corner in range(3):
        np.add.at(acc, f[:, corner], face_n)
    length = np.linalg.norm(acc, axis=1, keepdims=True)
    return np.where(length > 1e-20, acc / np.maximum(length, 1e-20), (0.0, 1.0, 0.0)).astype(np.float32)


def vertex_tangents(
    vertices: np.ndarray, faces: np.ndarray, normals: np.ndarray, texcoords: np.ndarray
) -> np.ndarray:
    """glTF ``TANGENT``s, (n, 4) float32: xyz a unit vector along +u, orthogonal to the
    vertex normal, w = +-1 so that ``cross(normal, xyz) * w`` points up the image (-v), the
    normal map's +Y (glTF texture coordinates run v down the image).

    Per face the directions of increasing u and v (from the texture-coordinate derivatives),
    summed per vertex weighted by face area, then Gram-Schmidt against the normal, as
    MikkTSpace does in essence. A vertex whose faces give no direction gets any tangent
    perpendicular to its normal.
    """
    p = np.asarray(vertices, np.float64)
    f = np.asarray(faces, np.int64)
    uv = np.asarray(texcoords, np.float64)
    n = np.asarray(normals, np.float64)
    e1, e2 = p[f[:, 1]] - p[f[:, 0]], p[f[:, 2]] - p[f[:, 0]]
    d1, d2 = uv[f[:, 1]] - uv[f[:, 0]], uv[f[:, 2]] - uv[f[:, 0]]
    det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
    sign = np.where(np.abs(det) > 1e-20, np.sign(det), 0.0)[:, None]
    area = 0.5 * np.linalg.norm(np.cross(e1, e2), axis=1)[:, None]
    t_face = _unit_rows((e1 * d2[:, 1:2] - e2 * d1[:, 1:2]) * sign) * area
    b_face = _unit_rows((e2 * d1[:, 0:1] - e1 * d2[:, 0:1]) * sign) * area
    t_acc, b_acc = np.zeros_like(p), np.zeros_like(p)
    for corner in range(3):
        np.add.at(t_acc, f[:, corner], t_face)
        np.add.at(b_acc, f[:, corner], b_face)
    t = t_acc - n * np.sum(t_acc * n, axis=1, keepdims=True)
    missing = np.linalg.norm(t, axis=1) < 1e-12
    if missing.any():  # any direction perpendicular to the normal
        helper = np.where(np.abs(n[missing, 0:1]) < 0.9, (1.0, 0.0, 0.0), (0.0, 1.0, 0.0))
        t[missing] = np.cross(n[missing], helper)
    t = _unit_rows(t)
    w = np.where(np.sum(np.cross(n, t) * b_acc, axis=1) > 0, -1.0, 1.0)  # b_acc points down (+v)
    return np.column_stack([t, w]).astype(np.float32)


def _unit_rows(a: np.ndarray) -> np.ndarray:
    length = np.linalg.norm(a, axis=1, keepdims=True)
    return np.where(length > 1e-20, a / np.maximum(length, 1e-20), 0.0)


__all__ = [
    "MaterialTextures",
    "material_kind",
    "mesh_textures",
    "texture_request",
    "vertex_normals",
    "vertex_tangents",
]
