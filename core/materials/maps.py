"""Texture maps from a :class:`~core.materials.surface.Surface`, as glTF 2.0 wants them.

- base colour: (S, S, 4) uint8, sRGB-encoded RGB, alpha = opacity;
- normal: (S, S, 3) uint8, tangent space, +X right, +Y up (OpenGL convention, as glTF's
  ``normalTexture`` specifies), from the height field's periodic gradient (so it tiles);
- ORM: (S, S, 3) uint8, R = occlusion, G = roughness, B = metallic (glTF packs
  ``occlusionTexture`` and ``metallicRoughnessTexture`` in these channels);
- emissive: (S, S, 3) uint8 sRGB, or None.

Spec: https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html#materials
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.materials.surface import Surface


@dataclass
class TextureMaps:
    """The PNG-ready maps of one material tile; ``tile_m`` metres per tile (texel density
    ``size / tile_m`` pixels per metre)."""

    base_color: np.ndarray
    normal: np.ndarray
    orm: np.ndarray
    emissive: np.ndarray | None
    tile_m: float

    @property
    def size(self) -> int:
        return int(self.base_color.shape[0])


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB encoding of linear values in [0, 1]."""
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)


def _u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)


def normal_map(height: np.ndarray, metres_per_px: float) -> np.ndarray:
    """Tangent-space normals, (S, S, 3) uint8, from ``height`` ((S, S) metres), wrapping at
    the edges so the map tiles. Rows run down the image (+v), so +Y (up) is −row."""
    d_col = (np.roll(height, -1, axis=1) - np.roll(height, 1, axis=1)) / (2 * metres_per_px)
    d_row = (np.roll(height, -1, axis=0) - np.roll(height, 1, axis=0)) / (2 * metres_per_px)
    n = np.stack([-d_col, d_row, np.ones_like(height)], axis=-1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    return _u8(n * 0.5 + 0.5)


def bake_maps(surface: Surface, tile_m: float, opacity: float = 1.0) -> TextureMaps:
    """The glTF maps of ``surface`` (one tile of ``tile_m`` metres)."""
    size = surface.height.shape[0]
    alpha = np.full((size, size, 1), opacity, np.float32)
    base = np.concatenate([linear_to_srgb(surface.albedo), alpha], axis=-1)
    orm = np.stack([surface.occlusion, surface.roughness, surface.metallic], axis=-1)
    emissive = None if surface.emission is None else _u8(linear_to_srgb(surface.emission))
    return TextureMaps(_u8(base), normal_map(surface.height, tile_m / size), _u8(orm), emissive, tile_m)


__all__ = ["TextureMaps", "bake_maps", "linear_to_srgb", "normal_map"]
