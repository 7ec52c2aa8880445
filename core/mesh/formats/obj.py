"""Wavefront OBJ + MTL export: one ``newmtl`` and one ``usemtl`` group per spec material.

An :class:`~core.mesh.asset_mesh.AssetMesh` is written here, not through trimesh (whose
exporter merges materials that look alike, and decodes and re-encodes textures): every spec
material keeps its own MTL material, even when two share a colour. Names are the spec's,
whitespace replaced by ``_`` and made unique. Per material:

- ``Kd`` base colour in sRGB, as MTL readers expect (the spec's own hex; white when textured,
  since MTL multiplies ``Kd`` with ``map_Kd`` and the texture already carries the colour),
  ``d`` opacity, ``Pr`` roughness, ``Pm`` metallic, ``Ke`` emissive (sRGB, strength clipped
  to 1) -- the PBR extension of MTL that Blender, tinyobjloader and others read;
- textured (:func:`core.mesh.texturing.mesh_textures`): ``map_Kd`` (sRGB RGBA),
  ``map_Pr -imfchan g`` / ``map_Pm -imfchan b`` (the ORM image's roughness and metallic
  channels), ``map_Bump -bm 1`` and ``norm`` (tangent-space normal map, +Y up), ``map_Ke`` when
  it glows. The cached images are written beside the .obj as ``<stem>_<material>_<map>.jpg`` (``.png`` with alpha)
  (the same image once), and ``vt`` are ``uvs / tile_m`` with v flipped (OBJ's v runs up).

A :class:`~core.mesh.textured.TexturedMesh` (cloud models) that kept its glTF materials
(:mod:`core.mesh.gltf_sources`) is written here too, one group per glTF primitive, its images
written as they were downloaded (base colour, metallic-roughness as ``map_Pr``/``map_Pm``,
normal, emissive; ``Kd`` the sRGB of ``baseColorFactor``). Any other goes through trimesh's
exporter with its base-colour textures (``map_Kd``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.fsutil import atomic_write_bytes
from core.mesh.formats.options import ExportOptions, unique_name

if TYPE_CHECKING:
    from core.mesh.asset_mesh import AssetMesh
    from core.mesh.gltf_sources import SourceMaterial
    from core.mesh.process import Model
    from core.mesh.textured import TexturedMesh
    from core.mesh.texturing import MaterialTextures
    from core.spec.model import PBRMaterial


def export_obj(mesh: Model, path: Path, options: ExportOptions | None = None) -> list[Path]:
    """Write ``path`` (.obj), ``path.with_suffix('.mtl')`` and any textures (atomic, the
    .obj last). Returns the written paths: the .obj, the .mtl, then the textures."""
    from core.mesh.asset_mesh import AssetMesh

    if isinstance(mesh, AssetMesh):
        return _export_asset_obj(mesh, Path(path), options)
    if mesh.keeps_sources:
        return _export_sourced_obj(mesh, Path(path), options)
    return _export_trimesh_obj(mesh, Path(path))


def mtl_names(names: list[str]) -> list[str]:
    """MTL material names for ``names``: whitespace as ``_``, each one unique (``_2``, ...)."""
    used: set[str] = set()
    return [unique_name(re.sub(r"\s+", "_", name.strip()) or "material", used) for name in names]


def _rows(prefix: str, array: np.ndarray, fmt: str) -> str:
    """``prefix v0 v1 ...`` lines, one per row of ``array``, each value formatted by ``fmt``."""
    if not len(array):
        return ""
    line = prefix + (" " + fmt) * array.shape[1] + "\n"
    return (line * len(array)) % tuple(array.ravel().tolist())


def _face_rows(v: np.ndarray, vt: np.ndarray | None, vn: bool) -> str:
    """``f`` lines for (m, 3) one-based vertex indices ``v``, texture indices ``vt`` and
    normals (the vertex's own index) when ``vn``."""
    if vt is None and not vn:
        return _rows("f", v, "%d")
    if vt is None:
        cols, corner = [v, v], "%d//%d"
    else:
        cols, corner = ([v, vt, v], "%d/%d/%d") if vn else ([v, vt], "%d/%d")
    stacked = np.stack(cols, axis=2).reshape(len(v), -1)
    line = "f" + f" {corner}" * 3 + "\n"
    return (line * len(v)) % tuple(stacked.ravel().tolist())


def _export_asset_obj(mesh: AssetMesh, path: Path, options: ExportOptions | None) -> list[Path]:
    """Write an AssetMesh as OBJ + MTL (+ PNGs); see the module docstring."""
    from core.mesh.formats.gltf import asset_textures, unit_normals

    textures = asset_textures(mesh, options)
    names = mtl_names(mesh.material_names)
    mtl_path = path.with_suffix(".mtl")
    parts = [f"# 3D Asset Workbench (metres, +Y up)\nmtllib {mtl_path.name}\n"]
    parts.append(f"o {options.name if options else 'model'}\n")
    parts.append(_rows("v", mesh.vertices, "%.6f"))
    has_normals = mesh.normals is not None
    if has_normals:
        parts.append(_rows("vn", unit_normals(mesh.normals), "%.5f"))
    vt_count = 0
    for index in np.unique(mesh.face_material):
        faces = mesh.faces[mesh.face_material == index]
        tex = textures.get(int(index))
        vt = None
        if tex is not None:
            used, local = np.unique(faces, return_inverse=True)
            uv = mesh.uvs[used].astype(np.float64) / tex.tile_m
            uv[:, 1] = 1.0 - uv[:, 1]
            parts.append(_rows("vt", uv, "%.6f"))
            vt = local.reshape(-1, 3) + vt_count + 1
            vt_count += len(used)
        parts.append(f"usemtl {names[int(index)]}\n")
        parts.append(_face_rows(faces + 1, vt, has_normals))
    mtl, images = _mtl(mesh, names, textures, path.stem)
    written = []
    for name, data in images.items():
        atomic_write_bytes(path.parent / name, data)
        written.append(path.parent / name)
    atomic_write_bytes(mtl_path, mtl.encode())
    atomic_write_bytes(path, "".join(parts).encode())
    return [path, mtl_path, *written]


def _mtl(
    mesh: AssetMesh, names: list[str], textures: dict[int, MaterialTextures], stem: str
) -> tuple[str, dict[str, bytes]]:
    """The .mtl text for the materials ``mesh``'s faces use, and the image files it names
    (``{file name: PNG bytes}``, each image once)."""
    files: dict[bytes, str] = {}
    blocks = []
    for index in np.unique(mesh.face_material):
        name = names[int(index)]
        tex = textures.get(int(index))
        maps = {}
        safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name)  # a file name, never a path
        for kind, data in tex.textures.maps().items() if tex is not None else ():
            if data not in files:
                ext = "png" if data[:4] == b"\x89PNG" else "jpg"
                file = f"{stem}_{safe}_{kind}.{ext}"
                files[data] = file if file not in files.values() else f"{stem}_{safe}_{index}_{kind}.{ext}"
            maps[kind] = files[data]
        blocks.append(_mtl_block(mesh.materials[int(index)], name, maps))
    return "".join(blocks), {file: data for data, file in files.items()}


def _mtl_block(mat: PBRMaterial, name: str, maps: dict[str, str]) -> str:
    """One ``newmtl`` block; ``maps``: image file names by map (base_color, orm, normal,
    emissive), empty for a flat material."""
    from core.mesh.color import hex_to_linear_rgba, hex_to_srgb, linear_to_srgb

    kd = (1.0, 1.0, 1.0) if "base_color" in maps else hex_to_srgb(mat.base_color)
    lines = [f"newmtl {name}", "Kd {:.6f} {:.6f} {:.6f}".format(*kd), f"d {mat.opacity:.6f}"]
    lines += [f"Pr {mat.roughness:.6f}", f"Pm {mat.metallic:.6f}"]
    strength = min(float(mat.emissive_strength), 1.0)
    glow = np.asarray(hex_to_linear_rgba(mat.emissive)[:3]) * strength
    if glow.any():
        ke = [strength] * 3 if "emissive" in maps else linear_to_srgb(glow)
        lines.append("Ke {:.6f} {:.6f} {:.6f}".format(*ke))
    if maps:
        lines.append(f"map_Kd {maps['base_color']}")
        lines += [f"map_Pr -imfchan g {maps['orm']}", f"map_Pm -imfchan b {maps['orm']}"]
        lines += [f"map_Bump -bm 1 {maps['normal']}", f"norm {maps['normal']}"]
        if "emissive" in maps and glow.any():
            lines.append(f"map_Ke {maps['emissive']}")
    return "\n".join(lines) + "\n\n"


def _export_sourced_obj(mesh: TexturedMesh, path: Path, options: ExportOptions | None) -> list[Path]:
    """Write a TexturedMesh whose every geometry has its source material as OBJ + MTL +
    the source images; see the module docstring."""
    from core.mesh.formats.gltf import unit_normals

    names, mtl_path = mtl_names(mesh.material_names), path.with_suffix(".mtl")
    parts = [f"# 3D Asset Workbench (metres, +Y up)\nmtllib {mtl_path.name}\n"]
    parts.append(f"o {options.name if options else 'model'}\n")
    blocks, files, v_count, vt_count = {}, {}, 0, 0
    for g, source, name in zip(mesh.geometries, mesh.materials, names, strict=True):
        parts += [_rows("v", g.vertices, "%.6f"), _rows("vn", unit_normals(g.vertex_normals), "%.5f")]
        uv, vt = getattr(g.visual, "uv", None), None
        if uv is not None and len(uv) == len(g.vertices):  # trimesh's v runs up, as OBJ's
            parts.append(_rows("vt", np.asarray(uv, np.float64), "%.6f"))
            vt, vt_count = g.faces + vt_count + 1, vt_count + len(uv)
        parts += [f"usemtl {name}\n", _face_rows(g.faces + v_count + 1, vt, True)]
        v_count += len(g.vertices)
        if name not in blocks:
            blocks[name] = _source_mtl_block(source, name, _image_files(source, files, path.stem, name))
    written = []
    for data, file in files.items():
        atomic_write_bytes(path.parent / file, data)
        written.append(path.parent / file)
    atomic_write_bytes(mtl_path, "".join(blocks.values()).encode())
    atomic_write_bytes(path, "".join(parts).encode())
    return [path, mtl_path, *written]


def _image_files(source: SourceMaterial, files: dict[bytes, str], stem: str, name: str) -> dict[str, str]:
    """File names of ``source``'s images by texture-info key, each image once in ``files``
    (``{bytes: file name}``), ``<stem>_<material>_<map>.jpg`` or ``.png``."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name)  # a file name, never a path
    out = {}
    for key, data in source.images.items():
        if data not in files:
            ext = "png" if data[:4] == b"\x89PNG" else "jpg"
            files[data] = f"{stem}_{safe}_{key.removesuffix('Texture')}.{ext}"
        out[key] = files[data]
    return out


def _source_mtl_block(source: SourceMaterial, name: str, maps: dict[str, str]) -> str:
    """One ``newmtl`` block for a glTF material (linear factors as sRGB ``Kd``/``Ke``)."""
    from core.mesh.color import linear_to_srgb

    pbr = source.material.get("pbrMetallicRoughness", {})
    rgba = [float(c) for c in pbr.get("baseColorFactor", [1.0, 1.0, 1.0, 1.0])]
    lines = [f"newmtl {name}", "Kd {:.6f} {:.6f} {:.6f}".format(*linear_to_srgb(rgba[:3]))]
    lines += [f"d {rgba[3]:.6f}", f"Pr {float(pbr.get('roughnessFactor', 1.0)):.6f}"]
    lines.append(f"Pm {float(pbr.get('metallicFactor', 1.0)):.6f}")
    glow = np.asarray(source.material.get("emissiveFactor", [0.0, 0.0, 0.0]), np.float64)
    if glow.any():
        lines.append("Ke {:.6f} {:.6f} {:.6f}".format(*linear_to_srgb(np.clip(glow, 0.0, 1.0))))
    if "baseColorTexture" in maps:
        lines.append(f"map_Kd {maps['baseColorTexture']}")
    if "metallicRoughnessTexture" in maps:
        mr = maps["metallicRoughnessTexture"]
        lines += [f"map_Pr -imfchan g {mr}", f"map_Pm -imfchan b {mr}"]
    if "normalTexture" in maps:
        scale = float(source.material["normalTexture"].get("scale", 1.0))
        lines += [f"map_Bump -bm {scale:g} {maps['normalTexture']}", f"norm {maps['normalTexture']}"]
    if "emissiveTexture" in maps:
        lines.append(f"map_Ke {maps['emissiveTexture']}")
    return "\n".join(lines) + "\n\n"


def _export_trimesh_obj(mesh: Model, path: Path) -> list[Path]:
    """A TexturedMesh through trimesh's OBJ exporter, base colours as sRGB ``Kd``."""
    from trimesh.exchange.obj import export_obj as _export

    from core.mesh.color import linear_to_srgb

    mtl_name = path.with_suffix(".mtl").name
    scene = mesh.to_scene()
    for i, geom in enumerate(scene.geometry.values()):
        mat = getattr(geom.visual, "material", None)
        factor = getattr(mat, "baseColorFactor", None)
        if factor is not None:  # linear (glTF) -> sRGB (MTL Kd)
            rgba = np.asarray(factor, dtype=np.float64).reshape(4) / 255.0
            mat.baseColorFactor = [*linear_to_srgb(rgba[:3]), rgba[3]]
        if getattr(mat, "baseColorTexture", None) is not None:  # texture file names follow
            mat.name = f"{path.stem}_{i}"  # the material's: keep them unique per asset
    text, extra = _export(
        scene, include_texture=True, return_texture=True, mtl_name=mtl_name, include_normals=True
    )
    written = []
    for name, data in sorted(extra.items(), key=lambda kv: kv[0] != mtl_name):
        atomic_write_bytes(path.parent / name, data)
        written.append(path.parent / name)
    atomic_write_bytes(path, text.encode())
    return [path, *written]


__all__ = ["export_obj", "mtl_names"]
