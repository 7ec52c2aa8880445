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


__all__ = ["MaterialTextures", "material_kind", "mesh_textures", "texture_request"]
