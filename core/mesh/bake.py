"""Bake per-vertex colours into a UV texture, for engines and tools that ignore vertex colours
(many glTF viewers and game engines do: Point-E issue #63, Shap-E issue #110).

UVs come from xatlas (https://github.com/jpcy/xatlas, Python bindings ``xatlas``): charts are
cut and packed into one atlas, vertices are split along the seams. The texture is filled by
splatting many barycentric samples per triangle (about four per covered texel), each
coloured by interpolating the triangle's vertex colours, then every empty texel takes the
colour of the nearest filled one, which also pads the charts against bleeding at mip levels.
"""

from __future__ import annotations

import numpy as np

from core.errors import ConversionError
from core.mesh.textured import TexturedMesh

SAMPLES_PER_TEXEL = 4
MAX_SAMPLES = 24_000_000


def bake_vertex_colors(model: TexturedMesh, size: int = 1024) -> TexturedMesh:
    """A copy of ``model`` with UVs and a ``size`` x ``size`` base-colour texture made from its
    vertex colours (geometries without vertex colours are returned unchanged).

    Raises
    ------
    ConversionError
        xatlas could not unwrap the mesh.
    """
    out = []
    for g in model.geometries:
        colors = getattr(g.visual, "vertex_colors", None)
        if getattr(g.visual, "kind", None) != "vertex" or colors is None:
            out.append(g)
            continue
        out.append(_bake_geometry(g, np.asarray(colors, np.float64), size))
    return TexturedMesh(out)


def _bake_geometry(g, colors: np.ndarray, size: int):
    """One ``trimesh.Trimesh`` ``g`` with per-vertex RGBA ``colors`` (0-255) -> a textured copy
    (xatlas UVs, split along the seams, and a PBR material with the baked texture)."""
    import trimesh
    import xatlas
    from PIL import Image
    from trimesh.visual.material import PBRMaterial

    try:
        vmap, faces, uvs = xatlas.parametrize(
            np.asarray(g.vertices, np.float32), np.asarray(g.faces, np.uint32)
        )
    except Exception as e:  # the bindings raise plain RuntimeErrors
        raise ConversionError(f"UV unwrapping (xatlas) failed: {e}") from e
    image = _splat(uvs[faces] * (size - 1), colors[vmap][faces], size)
    tex = Image.fromarray(np.clip(image[:, :, :3], 0, 255).astype(np.uint8))
    baked = trimesh.Trimesh(np.asarray(g.vertices)[vmap], faces, process=False)
    baked.visual = trimesh.visual.TextureVisuals(
        uv=uvs,
        material=PBRMaterial(
            name="baked_vertex_colors", baseColorTexture=tex, metallicFactor=0.0, roughnessFactor=0.8
        ),
    )
    return baked


def _splat(tri_uv: np.ndarray, tri_rgba: np.ndarray, size: int) -> np.ndarray:
    """A ``size`` x ``size`` x 4 image (0-255, row 0 at the top) from triangles ``tri_uv``
    (F, 3, 2; texel coordinates, v up) with corner colours ``tri_rgba`` (F, 3, 4).

    About :data:`SAMPLES_PER_TEXEL` random barycentric samples per covered texel (at most
    :data:`MAX_SAMPLES` in all), plus each triangle's corners so thin slivers still get
    texels; each texel is the mean of its samples, and each empty texel takes the colour of
    the nearest filled one.
    """
    from scipy import ndimage

    area = 0.5 * np.abs(np.cross(tri_uv[:, 1] - tri_uv[:, 0], tri_uv[:, 2] - tri_uv[:, 0]))
    counts = np.clip(np.ceil(area * SAMPLES_PER_TEXEL).astype(int) + 3, 3, None)
    if counts.sum() > MAX_SAMPLES:
        counts = np.maximum(3, (counts * MAX_SAMPLES / counts.sum()).astype(int))
    tri = np.repeat(np.arange(len(tri_uv)), counts)
    rng = np.random.default_rng(0)
    r1, r2 = rng.random(len(tri)), rng.random(len(tri))
    flip = r1 + r2 > 1
    r1[flip], r2[flip] = 1 - r1[flip], 1 - r2[flip]
    bary = np.column_stack([1 - r1 - r2, r1, r2])
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    for c in range(3):
        bary[first + c] = np.eye(3)[c]
    pix = np.einsum("si,sij->sj", bary, tri_uv[tri])
    col = np.einsum("si,sij->sj", bary, tri_rgba[tri])
    x = np.clip(np.rint(pix[:, 0]).astype(int), 0, size - 1)
    y = np.clip(np.rint((size - 1) - pix[:, 1]).astype(int), 0, size - 1)  # image rows go down
    acc = np.zeros((size, size, 4))
    n = np.zeros((size, size))
    np.add.at(acc, (y, x), col)
    np.add.at(n, (y, x), 1)
    filled = n > 0
    acc[filled] /= n[filled][:, None]
    _, (iy, ix) = ndimage.distance_transform_edt(~filled, return_indices=True)
    return acc[iy, ix]
