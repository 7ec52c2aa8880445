"""Colour spaces, in one place: specs, colour pickers, thumbnails, vertex colours and MTL
files hold **sRGB** values; glTF 2.0 material factors (``baseColorFactor``,
``emissiveFactor``) are **linear**.

Transfer functions from IEC 61966-2-1 (sRGB), as quoted by the glTF 2.0 specification,
appendix "Color space" (https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html#color-space)::

    linear = c / 12.92                      if c <= 0.04045
             ((c + 0.055) / 1.055) ** 2.4    otherwise

so the spec's brown ``#8b5a2b`` (sRGB 0.545, 0.353, 0.169) is written to a GLB as the linear
factor (0.258, 0.102, 0.024). Vertex colours (``COLOR_0``) are linear in glTF too: in memory
they are sRGB (as PLY, thumbnails and textures expect) and converted when a GLB is written
or read (:mod:`core.mesh.textured`).
"""

from __future__ import annotations

import re

import numpy as np

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def srgb_to_linear(values):
    """sRGB-encoded values in [0, 1] -> linear light in [0, 1] (same shape, float64).

    Parameters
    ----------
    values : float or array_like of float
        sRGB components in [0, 1]; values outside are clipped.
    """
    c = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(values):
    """Linear light in [0, 1] -> sRGB-encoded values in [0, 1] (the inverse of
    :func:`srgb_to_linear`; same shape, float64; values outside [0, 1] are clipped)."""
    c = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)


def hex_to_srgb(hex_color: str) -> tuple[float, float, float]:
    """``#rrggbb`` -> sRGB components in [0, 1].

    Raises
    ------
    ValueError
        Not a ``#rrggbb`` string.
    """
    if not isinstance(hex_color, str) or not _HEX.match(hex_color):
        raise ValueError(f"not a #rrggbb colour: {str(hex_color)[:20]!r}")
    return tuple(int(hex_color[i : i + 2], 16) / 255.0 for i in (1, 3, 5))  # type: ignore[return-value]


def hex_to_rgba(hex_color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """``#rrggbb`` -> sRGB RGBA in [0, 1] (for display: thumbnails, vertex colours, MTL)."""
    return (*hex_to_srgb(hex_color), float(alpha))


def hex_to_linear_rgba(hex_color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """``#rrggbb`` (sRGB) -> linear RGBA in [0, 1], as glTF's ``baseColorFactor`` expects
    (alpha is not colour-encoded and passes through)."""
    r, g, b = (float(v) for v in srgb_to_linear(hex_to_srgb(hex_color)))
    return (r, g, b, float(alpha))


def linear_to_hex(rgb) -> str:
    """Linear RGB in [0, 1] (e.g. a glTF ``baseColorFactor``) -> ``#rrggbb`` sRGB."""
    s = linear_to_srgb(np.asarray(rgb, dtype=np.float64)[:3])
    return "#" + "".join(f"{round(float(v) * 255):02x}" for v in s)


def srgb8_to_linear8(rgba) -> np.ndarray:
    """(N, 3 or 4) uint8 sRGB colours -> uint8 linear (alpha unchanged), for glTF ``COLOR_0``.

    8-bit linear keeps about 8 distinct levels below sRGB 50: dark vertex colours band; bake
    them into an sRGB texture (``BAKE_VERTEX_COLORS``) where that matters."""
    out = np.array(rgba, dtype=np.uint8, copy=True)
    out[:, :3] = np.round(srgb_to_linear(out[:, :3] / 255.0) * 255.0).astype(np.uint8)
    return out


def linear8_to_srgb8(rgba) -> np.ndarray:
    """(N, 3 or 4) uint8 linear colours (glTF ``COLOR_0``) -> uint8 sRGB (alpha unchanged)."""
    out = np.array(rgba, dtype=np.uint8, copy=True)
    out[:, :3] = np.round(linear_to_srgb(out[:, :3] / 255.0) * 255.0).astype(np.uint8)
    return out


__all__ = [
    "hex_to_linear_rgba",
    "hex_to_rgba",
    "hex_to_srgb",
    "linear8_to_srgb8",
    "linear_to_hex",
    "linear_to_srgb",
    "srgb8_to_linear8",
    "srgb_to_linear",
]
