"""Procedural surfaces: one recipe per material kind, each a few tileable noise fields
combined into height, colour, roughness, metallic and emission over one texture tile.

A :class:`Surface` is resolution-independent in intent: ``size`` pixels cover ``tile_m``
metres, so feature sizes are given in metres and a crate and a sword show the same grain.
Colours are linear RGB (the glTF base-colour texture is written as sRGB later, in
:mod:`core.materials.maps`). ``v`` (rows) runs along the part's long axis: wood grain, fur and
bark run along it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.materials.noise import cellular, fractal


@dataclass
class Surface:
    """One tile of a procedural material.

    height: (S, S) float32, metres of relief (for the normal map).
    albedo: (S, S, 3) float32 linear RGB in [0, 1].
    roughness, metallic, occlusion: (S, S) float32 in [0, 1].
    emission: (S, S, 3) float32 linear RGB or None (no glow).
    """

    height: np.ndarray
    albedo: np.ndarray
    roughness: np.ndarray
    metallic: np.ndarray
    occlusion: np.ndarray
    emission: np.ndarray | None = None


@dataclass(frozen=True)
class Recipe:
    """What a kind needs: its linear base colour, roughness, metallic, glow colour (linear,
    or None), the tile size in metres, the texture size in pixels and a seed."""

    color: tuple[float, float, float]
    roughness: float
    metallic: float
    emissive: tuple[float, float, float] | None
    tile_m: float
    size: int
    seed: int

    def cycles(self, feature_m: float) -> float:
        """Noise cycles across the tile for features about ``feature_m`` metres apart."""
        return max(self.tile_m / feature_m, 1.0)


def _mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    return a + (b - a) * t[..., None]


def _tone(r: Recipe, shade: np.ndarray) -> np.ndarray:
    """The base colour scaled by ``shade`` (1 = the spec's colour), (S, S, 3) linear."""
    return np.clip(np.asarray(r.color, np.float32)[None, None, :] * shade[..., None], 0.0, 1.0)


def _flat(r: Recipe, value: float) -> np.ndarray:
    return np.full((r.size, r.size), value, np.float32)


def _surface(r: Recipe, height, albedo, rough, metal=None, cavity=None, emission=None) -> Surface:
    occ = np.ones_like(height) if cavity is None else np.clip(1.0 - 0.6 * cavity, 0.3, 1.0)
    metal = _flat(r, r.metallic) if metal is None else metal
    rough = np.clip(rough, 0.02, 1.0).astype(np.float32)
    return Surface(
        height.astype(np.float32),
        albedo.astype(np.float32),
        rough,
        metal.astype(np.float32),
        occ.astype(np.float32),
        emission,
    )


# --- wood and plants ----------------------------------------------------------------------------
def wood(r: Recipe) -> Surface:
    """Grain along v: stretched, warped noise cut into growth rings (late wood darker)."""
    s = r.size
    rings = fractal(s, r.cycles(0.04), seed=r.seed, octaves=3, stretch=(1.0, 0.06), warp=s / 40)
    fine = fractal(s, r.cycles(0.004), seed=r.seed + 1, octaves=2, stretch=(1.0, 0.05))
    band = np.abs(np.sin(rings * 9.0))
    shade = 0.75 + 0.3 * band + 0.08 * fine
    height = (band * 0.4 + fine * 0.15) * 0.0006
    return _surface(r, height, _tone(r, shade), r.roughness + 0.1 * (1 - band), cavity=0.3 * (1 - band))


def planks(r: Recipe) -> Surface:
    """Wood boards along v, about 0.15 m wide (a whole number per tile, so it tiles), with
    dark recessed seams and a tint per board."""
    base = wood(r)
    s = r.size
    count = max(round(r.tile_m / 0.15), 1)
    u = (np.arange(s, dtype=np.float32) + 0.5) * count / s + 0.5  # seams away from the tile's edge
    frac = u - np.floor(u)
    gap = 0.02
    seam = ((frac < gap) | (frac > 1 - gap)).astype(np.float32)
    tint = (0.88 + 0.04 * (np.floor(u) % 7)).astype(np.float32)
    seam2 = np.broadcast_to(seam[None, :], (s, s))
    albedo = base.albedo * (tint[None, :] * (1 - 0.7 * seam2))[..., None]
    height = base.height - seam2 * 0.003
    return _surface(r, height, albedo, base.roughness + 0.15 * seam2, cavity=seam2)


def bark(r: Recipe) -> Surface:
    """Deep ridged furrows along v."""
    s = r.size
    ridges = fractal(s, r.cycles(0.05), seed=r.seed, octaves=4, stretch=(1.0, 0.2), ridged=True, warp=s / 60)
    crack = np.clip(1.0 - (ridges + 1) / 2, 0, 1) ** 2
    height = (ridges + 1) / 2 * 0.006
    return _surface(r, height, _tone(r, 0.65 + 0.5 * (1 - crack)), r.roughness + 0.05 * crack, cavity=crack)


def foliage(r: Recipe) -> Surface:
    """Clumped leaves: cellular cells with a lighter centre and darker gaps."""
    s = r.size
    cells = cellular(s, r.cycles(0.03), seed=r.seed)
    edges = cellular(s, r.cycles(0.03), seed=r.seed, edges=True)
    gap = np.clip(1.0 - edges * 4, 0, 1)
    height = (1 - cells) * 0.003
    return _surface(
        r, height, _tone(r, 0.7 + 0.5 * (1 - cells) - 0.3 * gap), r.roughness + 0.0 * gap, cavity=gap
    )


def fur(r: Recipe) -> Surface:
    """Fine strands along v with clumping."""
    s = r.size
    strands = fractal(s, r.cycles(0.002), seed=r.seed, octaves=2, stretch=(1.0, 0.08))
    clumps = fractal(s, r.cycles(0.03), seed=r.seed + 1, octaves=2)
    shade = 0.8 + 0.25 * strands + 0.1 * clumps
    return _surface(
        r, (strands * 0.5 + 0.5) * 0.002, _tone(r, shade), _flat(r, r.roughness), cavity=0.3 * (1 - strands)
    )


# --- metals -------------------------------------------------------------------------------------
def brushed(r: Recipe) -> Surface:
    """Brushed metal: fine streaks along u, soft smudges that vary the roughness."""
    s = r.size
    streaks = fractal(s, r.cycles(0.001), seed=r.seed, octaves=2, stretch=(0.03, 1.0))
    smudge = fractal(s, r.cycles(0.08), seed=r.seed + 1, octaves=3)
    shade = 0.95 + 0.05 * streaks + 0.04 * smudge
    rough = r.roughness * (1.0 + 0.25 * smudge) + 0.03 * streaks
    return _surface(r, streaks * 0.00005, _tone(r, shade), rough)


def rusty(r: Recipe) -> Surface:
    """Metal with rust patches: rough, non-metallic, orange-brown, slightly raised."""
    base = brushed(r)
    s = r.size
    patches = fractal(s, r.cycles(0.1), seed=r.seed + 7, octaves=5, warp=s / 30)
    rust = np.clip((patches + 0.1) * 2.5, 0, 1)
    grain = fractal(s, r.cycles(0.003), seed=r.seed + 8, octaves=2)
    rust_col = np.array([0.30, 0.09, 0.03], np.float32)[None, None, :] * (0.8 + 0.3 * grain[..., None])
    albedo = _mix(base.albedo, rust_col, rust)
    return _surface(
        r,
        base.height + rust * (0.0004 + 0.0002 * grain),
        albedo,
        base.roughness * (1 - rust) + 0.9 * rust,
        metal=_flat(r, r.metallic) * (1 - rust),
        cavity=0.2 * rust,
    )


# --- stone and masonry --------------------------------------------------------------------------
def stone(r: Recipe) -> Surface:
    """Rough rock: large mottling, grit, and cracks along cell borders."""
    s = r.size
    mottle = fractal(s, r.cycles(0.12), seed=r.seed, octaves=5)
    grit = fractal(s, r.cycles(0.004), seed=r.seed + 1, octaves=2)
    crack = np.clip(1 - cellular(s, r.cycles(0.15), seed=r.seed + 2, edges=True) * 12, 0, 1)
    height = (mottle * 0.5 + grit * 0.2) * 0.002 - crack * 0.002
    shade = 0.85 + 0.15 * mottle + 0.08 * grit - 0.35 * crack
    return _surface(r, height, _tone(r, shade), r.roughness + 0.05 * grit, cavity=crack)


def marble(r: Recipe) -> Surface:
    """Polished stone with thin dark veins (turbulent sine bands)."""
    s = r.size
    turb = fractal(s, r.cycles(0.15), seed=r.seed, octaves=5, warp=s / 20)
    veins = np.clip(1.0 - np.abs(np.sin((np.arange(s)[None, :] / s * 3 + turb * 2.2) * np.pi)) * 6, 0, 1)
    cloud = fractal(s, r.cycles(0.06), seed=r.seed + 1, octaves=3)
    shade = 0.97 + 0.04 * cloud - 0.45 * veins
    return _surface(r, veins * -0.00005, _tone(r, shade), r.roughness + 0.1 * veins)


def bricks(r: Recipe) -> Surface:
    """Running bond of about 0.215 × 0.065 m bricks (whole numbers per tile, an even number of
    rows, so it tiles) with 10 mm recessed mortar and a tint per brick."""
    s = r.size
    cols = max(round(r.tile_m / 0.225), 1)
    rows = max(2 * round(r.tile_m / 0.15), 2)
    mortar = 0.01 * s / r.tile_m
    bw, bh = s / cols, s / rows
    y, x = np.mgrid[0:s, 0:s].astype(np.float32) + 0.5  # pixel centres
    y, x = y + bh / 2, x + bw / 4  # joints away from the tile's edge
    row = np.floor(y / bh) % rows
    y = y % s
    xo = (x + (row % 2) * bw / 2) % s
    col = np.floor(xo / bw)
    fx, fy = xo - col * bw, y - row * bh
    half = mortar / 2
    joint = ((fx < half) | (fx > bw - half) | (fy < half) | (fy > bh - half)).astype(np.float32)
    rng = np.random.default_rng(r.seed)
    tint = rng.uniform(0.8, 1.15, (rows, cols)).astype(np.float32)[row.astype(int), col.astype(int) % cols]
    grit = fractal(s, r.cycles(0.01), seed=r.seed, octaves=3)
    shade = tint * (0.92 + 0.1 * grit)
    albedo = _mix(_tone(r, shade), np.full((s, s, 3), 0.45, np.float32), joint)
    height = (1 - joint) * 0.006 + grit * 0.0005
    return _surface(r, height, albedo, r.roughness + 0.05 * grit, cavity=joint)


# --- hides, textiles, paper, bone -----------------------------------------------------------------
def leather(r: Recipe) -> Surface:
    """Pebbled grain (small cellular bumps) and soft creases."""
    s = r.size
    pebbles = cellular(s, r.cycles(0.002), seed=r.seed, jitter=0.9)
    creases = fractal(s, r.cycles(0.05), seed=r.seed + 1, octaves=4, ridged=True)
    height = (1 - pebbles) * 0.0002 + creases * 0.0002
    shade = 0.9 + 0.12 * (1 - pebbles) + 0.06 * creases
    return _surface(r, height, _tone(r, shade), r.roughness + 0.1 * pebbles, cavity=0.3 * pebbles)


def fabric(r: Recipe) -> Surface:
    """Plain weave: alternating warp and weft threads, 1.5 mm apart, with slub noise."""
    s = r.size
    y, x = np.mgrid[0:s, 0:s].astype(np.float32)
    k = 2 * np.pi * r.tile_m / 0.0015 / s
    warp_t, weft_t = np.sin(x * k), np.sin(y * k)
    weave = np.where(np.sin(x * k / 2) * np.sin(y * k / 2) > 0, warp_t, weft_t) * 0.5 + 0.5
    slub = fractal(s, r.cycles(0.02), seed=r.seed, octaves=3)
    shade = 0.85 + 0.2 * weave + 0.05 * slub
    return _surface(r, weave * 0.0003, _tone(r, shade), _flat(r, r.roughness), cavity=0.4 * (1 - weave))


def rope(r: Recipe) -> Surface:
    """Twisted strands: diagonal ridges 8 mm apart, with fibre fuzz."""
    s = r.size
    y, x = np.mgrid[0:s, 0:s].astype(np.float32)
    k = 2 * np.pi * r.tile_m / 0.008 / s
    twist = np.abs(np.sin((x + y * 0.8) * k))
    fuzz = fractal(s, r.cycles(0.002), seed=r.seed, octaves=2, stretch=(0.3, 1.0))
    shade = 0.7 + 0.35 * twist + 0.06 * fuzz
    return _surface(r, twist * 0.001, _tone(r, shade), _flat(r, r.roughness), cavity=0.5 * (1 - twist))


def paper(r: Recipe) -> Surface:
    """Paper or parchment: blotchy ageing and fine fibres."""
    s = r.size
    blotch = fractal(s, r.cycles(0.08), seed=r.seed, octaves=5, warp=s / 25)
    fibre = fractal(s, r.cycles(0.001), seed=r.seed + 1, octaves=2, stretch=(1.0, 0.3))
    shade = 0.93 + 0.08 * blotch + 0.03 * fibre
    return _surface(r, fibre * 0.00003, _tone(r, shade), _flat(r, r.roughness))


def bone(r: Recipe) -> Surface:
    """Bone or ivory: faint streaks along v and small pores."""
    s = r.size
    streak = fractal(s, r.cycles(0.03), seed=r.seed, octaves=3, stretch=(1.0, 0.15))
    pores = np.clip(1 - cellular(s, r.cycles(0.004), seed=r.seed + 1) * 6, 0, 1)
    shade = 0.95 + 0.06 * streak - 0.25 * pores
    return _surface(r, -pores * 0.0002, _tone(r, shade), r.roughness + 0.1 * pores, cavity=pores)


# --- smooth and clear ---------------------------------------------------------------------------
def smooth(r: Recipe, relief: float = 0.00002, variation: float = 0.03) -> Surface:
    """Plastic, ceramic, porcelain, rubber: nearly uniform with a faint orange-peel."""
    s = r.size
    peel = fractal(s, r.cycles(0.005), seed=r.seed, octaves=2)
    return _surface(r, peel * relief, _tone(r, 1.0 + variation * peel), r.roughness * (1 + 0.1 * peel))


def rubber(r: Recipe) -> Surface:
    return smooth(r, relief=0.00008, variation=0.05)


def clear(r: Recipe) -> Surface:
    """Glass, liquid, crystal: flat colour with faint waviness."""
    s = r.size
    wave = fractal(s, r.cycles(0.1), seed=r.seed, octaves=2)
    return _surface(r, wave * 0.0002, _tone(r, 1.0 + 0.02 * wave), _flat(r, r.roughness))


def ice(r: Recipe) -> Surface:
    """Ice: clear with white internal fractures along cell borders."""
    s = r.size
    crack = np.clip(1 - cellular(s, r.cycles(0.08), seed=r.seed, edges=True) * 20, 0, 1)
    frost = fractal(s, r.cycles(0.02), seed=r.seed + 1, octaves=3)
    albedo = _mix(_tone(r, 1.0 + 0.05 * frost), np.full((s, s, 3), 0.9, np.float32), crack * 0.8)
    return _surface(r, -crack * 0.0003, albedo, r.roughness + 0.4 * crack)


def crystal(r: Recipe) -> Surface:
    """Crystal or gem: faceted cells, each a slightly different shade."""
    s = r.size
    cells = cellular(s, r.cycles(0.05), seed=r.seed, jitter=0.8)
    edges = np.clip(1 - cellular(s, r.cycles(0.05), seed=r.seed, edges=True) * 15, 0, 1)
    return _surface(r, cells * 0.0005, _tone(r, 0.9 + 0.2 * cells + 0.2 * edges), r.roughness + 0.05 * edges)


# --- glowing ------------------------------------------------------------------------------------
def _glow(r: Recipe, mask: np.ndarray) -> np.ndarray:
    color = np.asarray(r.emissive or (1.0, 0.3, 0.05), np.float32)
    return (color[None, None, :] * mask[..., None]).astype(np.float32)


def lava(r: Recipe) -> Surface:
    """Dark cooled crust plates with glowing cracks between them."""
    s = r.size
    edges = cellular(s, r.cycles(0.08), seed=r.seed, edges=True, jitter=0.9)
    warp = fractal(s, r.cycles(0.05), seed=r.seed + 1, octaves=3)
    crack = np.clip(1 - edges * (6 + 3 * warp), 0, 1)
    height = (1 - crack) * 0.004 + warp * 0.001
    return _surface(
        r,
        height,
        _tone(r, 0.7 + 0.3 * (1 - crack)),
        r.roughness * (1 - 0.5 * crack),
        cavity=crack * 0.5,
        emission=_glow(r, crack),
    )


def energy(r: Recipe) -> Surface:
    """Swirling bright filaments over a glowing body."""
    s = r.size
    swirl = fractal(s, r.cycles(0.1), seed=r.seed, octaves=4, ridged=True, warp=s / 10)
    glow = np.clip((swirl + 1) / 2, 0, 1) ** 3
    return _surface(
        r,
        _flat(r, 0.0),
        _tone(r, 0.8 + 0.4 * glow),
        _flat(r, r.roughness),
        emission=_glow(r, 0.4 + 0.6 * glow),
    )


PATTERNS: dict[str, Callable[[Recipe], Surface]] = {
    "wood": wood,
    "planks": planks,
    "bark": bark,
    "foliage": foliage,
    "fur": fur,
    "brushed": brushed,
    "rusty": rusty,
    "stone": stone,
    "marble": marble,
    "brick": bricks,
    "leather": leather,
    "fabric": fabric,
    "rope": rope,
    "paper": paper,
    "bone": bone,
    "smooth": smooth,
    "rubber": rubber,
    "clear": clear,
    "ice": ice,
    "crystal": crystal,
    "lava": lava,
    "energy": energy,
}

__all__ = ["PATTERNS", "Recipe", "Surface"]
