"""Procedural PBR texture sets for spec materials, cached on disk by material parameters.

:func:`texture_set` turns one material (kind, sRGB colour, roughness, metallic, glow,
opacity) into base-colour, normal, ORM and (for glowing kinds) emissive images of
``size`` × ``size`` pixels covering ``kind.tile_m`` metres, cached in
``<cache_dir>/textures/<key>/``: a second asset with the same "oak" costs a file read.

Encoding: JPEG (no chroma subsampling, so the packed ORM channels and the normal map's
components do not bleed into each other) for every opaque map, PNG for a base colour with
alpha. glTF, USDZ, OBJ and FBX all take both. Quality 90 for the maps people look at (base
colour, emissive), 85 for the normal and ORM maps, which light reads through and whose JPEG
error does not show. Measured at 1,024 px, JPEG makes maps of noisy kinds 5-10 times smaller
than PNG (a stone normal map: 2.0 MB -> 0.3 MB), and quality 85 takes the normal and ORM maps
of the 40 shared prompts from 20.1 MB to 15.5 MB (the largest GLB from 3.11 MB to 2.52 MB).
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

RECIPE_VERSION = 3  # bump when a pattern or the encoding changes, so cached textures are remade
TEXTURE_SIZES = (256, 512, 1024, 2048)
MAP_NAMES = ("base_color", "normal", "orm", "emissive")
JPEG_QUALITY = {"base_color": 90, "emissive": 90, "normal": 85, "orm": 85}


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
    """Encoded images (JPEG or PNG bytes) of one material's maps (``emissive`` None when it
    does not glow) and the metres one tile covers."""

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


def encode(array: np.ndarray, quality: int = 90) -> bytes:
    """An (S, S, 3|4) uint8 map as image bytes: PNG when it has a non-opaque alpha channel,
    else JPEG (``quality``, 4:4:4)."""
    from PIL import Image

    buf = io.BytesIO()
    if array.shape[-1] == 4 and int(array[..., 3].min()) < 255:
        Image.fromarray(array).save(buf, format="PNG", compress_level=6)
    else:
        Image.fromarray(np.ascontiguousarray(array[..., :3])).save(
            buf, format="JPEG", quality=quality, subsampling=0
        )
    return buf.getvalue()


def _suffix(data: bytes) -> str:
    return ".png" if data[:4] == b"\x89PNG" else ".jpg"


def _read_cached(folder: Path, tile_m: float) -> TextureSet | None:
    """The set stored in ``folder``, or None when it is not complete (the base colour is
    written last, so its presence marks a complete set)."""
    found = {p.stem: p for p in folder.glob("*.*") if p.stem in MAP_NAMES} if folder.is_dir() else {}
    if not {"base_color", "normal", "orm"} <= set(found):
        return None
    data = {n: found[n].read_bytes() if n in found else None for n in MAP_NAMES}
    return TextureSet(tile_m=tile_m, **data)


def texture_set(request: TextureRequest, cache_dir: Path | None) -> TextureSet:
    """The encoded maps of ``request``, from ``<cache_dir>/textures/<key>/`` when there, else
    synthesised and written there (each file atomically). ``cache_dir`` None: no cache."""
    from core.fsutil import atomic_write_bytes

    folder = None if cache_dir is None else Path(cache_dir) / "textures" / request.key()
    cached = _read_cached(folder, request.tile_m) if folder is not None else None
    if cached is not None:
        return cached
    maps = synthesize(request)
    data = {
        n: None if getattr(maps, n) is None else encode(getattr(maps, n), JPEG_QUALITY[n]) for n in MAP_NAMES
    }
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("normal", "orm", "emissive", "base_color"):  # base colour last: marks it complete
            if data[name] is not None:
                atomic_write_bytes(folder / f"{name}{_suffix(data[name])}", data[name])
    return TextureSet(tile_m=request.tile_m, **data)


__all__ = [
    "TEXTURE_SIZES",
    "TextureRequest",
    "TextureSet",
    "encode",
    "request_for",
    "synthesize",
    "texture_set",
]
