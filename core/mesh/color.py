"""Colour spaces, in one place: specs, colour pickers, thumbnails, vertex colours and MTL
files hold **sRGB** values; glTF 2.0 material factors (``baseColorFactor``,
``emissiveFactor``) are **linear**.

Transfer functions from IEC 61966-2-1 (sRGB), as quoted by the glTF 2.0 specification,
appendix "Color space" (https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html#color-space)::

    linear = c / 12.92                      if c <= 0.04045
             ((c + 0.055) / 1.055) ** 2.4    otherwise

so the spec's brown ``#8b5a2b`` (sRGB 0.545, 0.353, 0.169) is written to a GLB as the linear
factor (0.258, 0.102, 0.024).
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


__all__ = [
    "hex_to_linear_rgba",
    "hex_to_rgba",
    "hex_to_srgb",
    "linear_to_hex",
    "linear_to_srgb",
    "srgb_to_linear",
]
