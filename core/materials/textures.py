"""Procedural PBR texture sets for spec materials, cached on disk by material parameters.

:func:`texture_set` turns one material (kind, sRGB colour, roughness, metallic, glow,
opacity) into base-colour, normal, ORM and (for glowing kinds) emissive PNGs of
``size`` × ``size`` pixels covering ``kind.tile_m`` metres. The PNGs are cached in
``<cache_dir>/textures/<key>/``: a second asset with the same "oak" costs a file read.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from core.materials.kinds import Kind
from core.materials.maps import TextureMaps, bake_maps
from core.materials.surface import PATTERNS, Recipe

RECIPE_VERSION = 1  # bump when a pattern changes, so cached textures are remade
TEXTURE_SIZES = (256, 512, 1024, 2048)
MAP_NAMES = ("base_color", "normal", "orm", "emissive")


@dataclass(frozen=True)
class TextureRequest:
    """What a texture set depends on; its hash is the cache key.

    ``color`` and ``emissive`` are sRGB ``#rrggbb``; ``emissive`` is None for no glow;
    ``size`` in pixels (one of :data:`TEXTURE_SIZES`).
    """

    kind: str
    pattern: str
    tile_m: float
    color: str
    roughness: float
    metallic: float
    emissive: str | None
    opacity: float
    size: int
    seed: int = 0

    def key(self) -> str:
        blob = json.dumps({**asdict(self), "version": RECIPE_VERSION}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class TextureSet:
    """PNG bytes of one material's maps (``emissive`` None when it does not glow) and the
    metres one tile covers."""

    base_color: bytes
    normal: bytes
    orm: bytes
    emissive: bytes | None
    tile_m: float

    def maps(self) -> dict[str, bytes]:
        return {n: getattr(self, n) for n in MAP_NAMES if getattr(self, n) is not None}


def srgb_hex_to_linear(color: str) -> tuple[float, float, float]:
    """``#rrggbb`` (sRGB) as linear RGB floats (IEC 61966-2-1)."""
    c = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return (float(lin[0]), float(lin[1]), float(lin[2]))


def request_for(
    kind: Kind,
    *,
    color: str,
    roughness: float,
    metallic: float,
    emissive: str | None,
    opacity: float,
    size: int,
    seed: int = 0,
) -> TextureRequest:
    """A :class:`TextureRequest`, with values rounded so near-identical materials share a cache entry.

    Raises
    ------
    ValueError
        ``size`` is not one of :data:`TEXTURE_SIZES`.
    """
    if size not in TEXTURE_SIZES:
        raise ValueError(f"texture size {size} is not one of {TEXTURE_SIZES}")
    glow = None if not emissive or emissive.lower() == "#000000" else emissive.lower()
    return TextureRequest(
        kind.name,
        kind.pattern,
        kind.tile_m,
        color.lower(),
        round(roughness, 2),
        round(metallic, 2),
        glow,
        round(opacity, 2),
        size,
        seed,
    )


def synthesize(request: TextureRequest) -> TextureMaps:
    """Run the pattern of ``request`` (no cache): the maps as arrays."""
    recipe = Recipe(
        color=srgb_hex_to_linear(request.color),
        roughness=request.roughness,
        metallic=request.metallic,
        emissive=srgb_hex_to_linear(request.emissive) if request.emissive else None,
        tile_m=request.tile_m,
        size=request.size,
        seed=request.seed + int(request.key()[:6], 16),
    )
    surface = PATTERNS[request.pattern](recipe)
    if request.emissive is None:
        surface.emission = None
    return bake_maps(surface, request.tile_m, request.opacity)


def _png(array: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def texture_set(request: TextureRequest, cache_dir: Path | None) -> TextureSet:
    """The PNG maps of ``request``, from ``<cache_dir>/textures/<key>/`` when there, else
    synthesised and written there (each file atomically). ``cache_dir`` None: no cache."""
    from core.fsutil import atomic_write_bytes

    folder = None if cache_dir is None else Path(cache_dir) / "textures" / request.key()
    if folder is not None and (folder / "base_color.png").is_file():
        files = {n: folder / f"{n}.png" for n in MAP_NAMES}
        if all(files[n].is_file() for n in ("normal", "orm")):
            data = {n: p.read_bytes() if p.is_file() else None for n, p in files.items()}
            return TextureSet(tile_m=request.tile_m, **data)
    maps = synthesize(request)
    data = {
        "base_color": _png(maps.base_color),
        "normal": _png(maps.normal),
        "orm": _png(maps.orm),
        "emissive": None if maps.emissive is None else _png(maps.emissive),
    }
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, blob in data.items():
            if blob is not None and name != "base_color":
                atomic_write_bytes(folder / f"{name}.png", blob)
        atomic_write_bytes(folder / "base_color.png", data["base_color"])  # last: marks it complete
    return TextureSet(tile_m=request.tile_m, **data)


__all__ = ["TEXTURE_SIZES", "TextureRequest", "TextureSet", "request_for", "synthesize", "texture_set"]
