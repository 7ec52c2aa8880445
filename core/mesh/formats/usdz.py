"""USDZ export through Pixar's OpenUSD (``usd-core``): for AR Quick Look and engines that
import USD.

One ``UsdGeom.Mesh`` per material under ``/Root`` (an ``Xform``, the default prim), each bound
to a ``UsdPreviewSurface`` material whose textures (base colour, normal, occlusion /
roughness / metallic, emissive) are packaged in the archive. Metres (``metersPerUnit = 1``),
+Y up, as the rest of the pipeline. The archive is written by
``UsdUtils.CreateNewARKitUsdzPackage``; each image is stored once. Material factors follow glTF:
they multiply the textures (:class:`UsdMaterial`).

:func:`export_usdz` is the ``usdz`` exporter: a procedural
:class:`~core.mesh.asset_mesh.AssetMesh` with its procedural texture sets
(:func:`asset_submeshes`), or a textured model from a GLB (:func:`textured_submeshes`).

References: UsdPreviewSurface spec (https://openusd.org/release/spec_usdpreviewsurface.html),
USDZ file format (https://openusd.org/release/spec_usdz.html). glTF's texture ``v`` runs down
the image, USD's ``st.t`` up, so ``t = 1 - v``.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.mesh.formats.options import unique_name

if TYPE_CHECKING:
    from core.mesh.asset_mesh import AssetMesh
    from core.mesh.formats.options import ExportOptions
    from core.mesh.process import Model
    from core.mesh.textured import TexturedMesh


@dataclass
class UsdMaterial:
    """One PBR material with glTF's meaning: linear factors that **multiply** the textures
    when there are any (and are the values when there are none), and textures by map name,
    PNG or JPEG bytes, any of which may be missing:

    - ``base_color``: sRGB RGB(A), times ``base_color`` (and alpha times ``opacity``; the
      texture's alpha is the opacity when ``opacity`` < 1 or ``blend``);
    - ``normal``: tangent space, +Y up (OpenGL, as glTF);
    - ``orm``: R occlusion, G roughness (times ``roughness``), B metallic (times ``metallic``);
      or, as glTF files often have them, ``metallic_roughness`` (G, B) and ``occlusion`` (R);
    - ``emissive``: sRGB, times ``emissive`` (linear, may exceed 1 for strong glow).
    """

    name: str
    base_color: tuple[float, float, float] = (0.8, 0.8, 0.8)
    opacity: float = 1.0
    metallic: float = 0.0
    roughness: float = 0.5
    emissive: tuple[float, float, float] = (0.0, 0.0, 0.0)
    textures: dict[str, bytes] = field(default_factory=dict)
    blend: bool = False


@dataclass
class UsdSubmesh:
    """Triangles sharing one material: points (N, 3) metres, faces (M, 3) int, optional
    per-vertex normals (N, 3), UVs (N, 2) in glTF convention (v down) and linear RGB vertex
    colours (N, 3), written as ``primvars:displayColor``."""

    points: np.ndarray
    faces: np.ndarray
    material: UsdMaterial
    normals: np.ndarray | None = None
    uvs: np.ndarray | None = None
    colors: np.ndarray | None = None


def _prim_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", name) or "item"
    return unique_name(base if not base[0].isdigit() else f"_{base}", used)


def _texture(material, shader_path, name: str, file: str, st_output, color_space: str):
    from pxr import Sdf, UsdShade

    tex = UsdShade.Shader.Define(material.GetPrim().GetStage(), shader_path.AppendChild(name))
    tex.CreateIdAttr("UsdUVTexture")
    tex.CreateInput("file", Sdf.ValueTypeNames.Asset).Set(file)
    tex.CreateInput("sourceColorSpace", Sdf.ValueTypeNames.Token).Set(color_space)
    tex.CreateInput("wrapS", Sdf.ValueTypeNames.Token).Set("repeat")
    tex.CreateInput("wrapT", Sdf.ValueTypeNames.Token).Set("repeat")
    tex.CreateInput("st", Sdf.ValueTypeNames.Float2).ConnectToSource(st_output)
    return tex


class _TextureFiles:
    """The package's ``textures/`` folder: each image written once, named after the first
    material and map that use it (``<prim>_<map>.png`` or ``.jpg``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.names: dict[bytes, str] = {}

    def add(self, prim: str, name: str, data: bytes) -> str:
        """The package-relative path of ``data`` (written now if new)."""
        from core.mesh.formats.gltf_writer import image_mime_type

        if data not in self.names:
            file = f"{prim}_{name}.{'png' if image_mime_type(data) == 'image/png' else 'jpg'}"
            (self.folder / file).write_bytes(data)
            self.names[data] = f"./textures/{file}"
        return self.names[data]


def _material(stage, root, mat: UsdMaterial, prim: str, texture_dir: _TextureFiles, has_uvs: bool):
    from pxr import Gf, Sdf, UsdShade

    path = root.AppendChild("Materials").AppendChild(prim)
    material = UsdShade.Material.Define(stage, path)
    surface = UsdShade.Shader.Define(stage, path.AppendChild("Surface"))
    surface.CreateIdAttr("UsdPreviewSurface")
    inp = surface.CreateInput
    inp("diffuseColor", Sdf.ValueTypeNames.Color3f).Set(Gf.Vec3f(*mat.base_color))
    inp("metallic", Sdf.ValueTypeNames.Float).Set(float(mat.metallic))
    inp("roughness", Sdf.ValueTypeNames.Float).Set(float(mat.roughness))
    inp("emissiveColor", Sdf.ValueTypeNames.Color3f).Set(Gf.Vec3f(*mat.emissive))
    inp("opacity", Sdf.ValueTypeNames.Float).Set(float(mat.opacity))
    material.CreateSurfaceOutput().ConnectToSource(surface.ConnectableAPI(), "surface")
    if has_uvs and mat.textures:
        _connect_textures(stage, material, surface, path, mat, prim, texture_dir)
    return material


def _connect_textures(
    stage, material, surface, path, mat: UsdMaterial, prim: str, texture_dir: _TextureFiles
) -> None:
    """Write ``mat``'s textures into ``texture_dir`` and wire them into ``surface`` through
    one ``st`` reader (each texture's ``scale`` is the matching factor)."""
    from pxr import Sdf, UsdShade

    reader = UsdShade.Shader.Define(stage, path.AppendChild("UVReader"))
    reader.CreateIdAttr("UsdPrimvarReader_float2")
    reader.CreateInput("varname", Sdf.ValueTypeNames.String).Set("st")
    st = reader.CreateOutput("result", Sdf.ValueTypeNames.Float2)
    files = {name: texture_dir.add(prim, name, data) for name, data in mat.textures.items()}

    def texture(key: str, shader: str, color_space: str, scale):
        if key not in files:
            return None
        tex = _texture(material, path, shader, files[key], st, color_space)
        tex.CreateInput("scale", Sdf.ValueTypeNames.Float4).Set(tuple(float(v) for v in scale))
        return tex

    _wire_textures(texture, surface, mat)


def _wire_textures(texture, surface, mat: UsdMaterial) -> None:
    """Connect the UsdUVTexture shaders ``texture(key, name, colour space, scale)`` makes
    (None for a missing map) to the inputs of the UsdPreviewSurface ``surface``."""
    from pxr import Sdf

    out = Sdf.ValueTypeNames
    if tex := texture("base_color", "BaseColor", "sRGB", (*mat.base_color, mat.opacity)):
        surface.GetInput("diffuseColor").ConnectToSource(tex.CreateOutput("rgb", out.Float3))
        if mat.opacity < 1.0 or mat.blend:
            surface.GetInput("opacity").ConnectToSource(tex.CreateOutput("a", out.Float))
    if tex := texture("normal", "Normal", "raw", (2.0, 2.0, 2.0, 1.0)):
        tex.CreateInput("bias", out.Float4).Set((-1.0, -1.0, -1.0, 0.0))
        surface.CreateInput("normal", out.Normal3f).ConnectToSource(tex.CreateOutput("rgb", out.Float3))
    pbr = (1.0, mat.roughness, mat.metallic, 1.0)
    orm = texture("orm", "ORM", "raw", pbr)
    for tex in (orm, texture("metallic_roughness", "MetallicRoughness", "raw", pbr)):
        if tex:
            surface.GetInput("roughness").ConnectToSource(tex.CreateOutput("g", out.Float))
            surface.GetInput("metallic").ConnectToSource(tex.CreateOutput("b", out.Float))
    if tex := orm or texture("occlusion", "Occlusion", "raw", (1.0, 1.0, 1.0, 1.0)):
        surface.CreateInput("occlusion", out.Float).ConnectToSource(tex.CreateOutput("r", out.Float))
    if tex := texture("emissive", "Emissive", "sRGB", (*mat.emissive, 1.0)):
        surface.GetInput("emissiveColor").ConnectToSource(tex.CreateOutput("rgb", out.Float3))


def _mesh(stage, root, sub: UsdSubmesh, prim: str):
    from pxr import Sdf, UsdGeom, Vt

    mesh = UsdGeom.Mesh.Define(stage, root.AppendChild(prim))
    points = np.asarray(sub.points, np.float32)
    faces = np.asarray(sub.faces, np.int32)
    mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(points))
    mesh.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(np.full(len(faces), 3, np.int32)))
    mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(faces.reshape(-1)))
    mesh.CreateExtentAttr([tuple(map(float, points.min(0))), tuple(map(float, points.max(0)))])
    mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
    mesh.CreateOrientationAttr(UsdGeom.Tokens.rightHanded)
    if sub.normals is not None:
        mesh.CreateNormalsAttr(Vt.Vec3fArray.FromNumpy(np.asarray(sub.normals, np.float32)))
        mesh.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
    if sub.uvs is not None:
        uv = np.asarray(sub.uvs, np.float32).copy()
        uv[:, 1] = 1.0 - uv[:, 1]
        st = UsdGeom.PrimvarsAPI(mesh).CreatePrimvar(
            "st", Sdf.ValueTypeNames.TexCoord2fArray, UsdGeom.Tokens.vertex
        )
        st.Set(Vt.Vec2fArray.FromNumpy(uv))
    if sub.colors is not None:
        colors = np.clip(np.asarray(sub.colors, np.float32)[:, :3], 0.0, 1.0)
        mesh.CreateDisplayColorPrimvar(UsdGeom.Tokens.vertex).Set(Vt.Vec3fArray.FromNumpy(colors))
    return mesh


def write_usdz(submeshes: list[UsdSubmesh], path: Path, name: str = "Asset") -> Path:
    """Write ``submeshes`` as a USDZ package at ``path`` (see the module docstring).

    Raises
    ------
    ConversionError
        No triangles to write, or USD could not write the package.
    BackendUnavailable
        ``usd-core`` is not installed.
    """
    from core.errors import BackendUnavailable, ConversionError

    try:
        from pxr import Sdf, Usd, UsdGeom, UsdShade, UsdUtils
    except ImportError as e:
        raise BackendUnavailable("USDZ export needs Pixar's usd-core.", "pip install usd-core") from e
    subs = [s for s in submeshes if len(s.faces)]
    if not subs:
        raise ConversionError("Nothing to write to USDZ: the mesh has no triangles.")
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="wb-usdz-") as tmp:
        work = Path(tmp)
        (work / "textures").mkdir()
        layer = work / f"{_prim_name(name, set())}.usdc"
        stage = Usd.Stage.CreateNew(str(layer))
        UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y)
        UsdGeom.SetStageMetersPerUnit(stage, 1.0)
        root = UsdGeom.Xform.Define(stage, Sdf.Path("/Root"))
        stage.SetDefaultPrim(root.GetPrim())
        used: set[str] = {"Materials"}
        materials: dict[int, UsdShade.Material] = {}
        texture_files = _TextureFiles(work / "textures")
        for sub in subs:
            prim = _prim_name(sub.material.name, used)
            mesh = _mesh(stage, root.GetPath(), sub, prim)
            key = id(sub.material)
            if key not in materials:
                materials[key] = _material(
                    stage, root.GetPath(), sub.material, prim, texture_files, sub.uvs is not None
                )
            UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(materials[key])
        stage.GetRootLayer().Save()
        tmp_out = path.with_name(f".{path.name}.tmp.usdz")
        if not UsdUtils.CreateNewARKitUsdzPackage(Sdf.AssetPath(str(layer)), str(tmp_out)):
            tmp_out.unlink(missing_ok=True)
            raise ConversionError("USD could not write the USDZ package.")
        tmp_out.replace(path)
    return path


def asset_submeshes(mesh: AssetMesh, options: ExportOptions | None = None) -> list[UsdSubmesh]:
    """One :class:`UsdSubmesh` per spec material ``mesh``'s faces use: linear factors from
    the spec (:func:`~core.mesh.asset_mesh.gltf_factors`, emissive strength unclamped), and,
    when ``options`` ask for textures and the mesh has UVs, the material's procedural texture
    set (:func:`core.mesh.texturing.mesh_textures`) with UVs ``uvs / tile_m`` and factors that
    leave the maps as they are (the maps carry colour, roughness and metallic)."""
    from core.mesh.asset_mesh import gltf_factors
    from core.mesh.color import hex_to_linear_rgba
    from core.mesh.formats.gltf import asset_textures, unit_normals

    textures = asset_textures(mesh, options)
    out = []
    for index in np.unique(mesh.face_material):
        spec = mesh.materials[int(index)]
        tex = textures.get(int(index))
        used, local = np.unique(mesh.faces[mesh.face_material == index], return_inverse=True)
        glow = tuple(c * float(spec.emissive_strength) for c in hex_to_linear_rgba(spec.emissive)[:3])
        base = tuple(gltf_factors(spec)["baseColorFactor"][:3])
        mat = UsdMaterial(spec.name, base, spec.opacity, spec.metallic, spec.roughness, glow)
        if tex is not None:
            maps = dict(tex.textures.maps())
            if maps.pop("emissive", None) is not None and any(glow):
                maps["emissive"] = tex.textures.emissive
                mat.emissive = (float(spec.emissive_strength),) * 3  # the map holds the colour
            mat.textures, mat.base_color, mat.metallic, mat.roughness = maps, (1.0, 1.0, 1.0), 1.0, 1.0
        out.append(
            UsdSubmesh(
                mesh.vertices[used],
                local.reshape(-1, 3),
                mat,
                normals=None if mesh.normals is None else unit_normals(mesh.normals[used]),
                uvs=None if tex is None else mesh.uvs[used].astype(np.float64) / tex.tile_m,
            )
        )
    return out


def _png(image, cache: dict) -> bytes:
    """A PIL image as PNG bytes (RGB or RGBA); images with the same pixels are encoded once."""
    import hashlib
    import io

    img = image if image.mode in ("RGB", "RGBA") else image.convert("RGBA" if "A" in image.mode else "RGB")
    key = (img.mode, img.size, hashlib.sha1(img.tobytes()).digest())
    if key not in cache:
        buf = io.BytesIO()
        img.save(buf, format="PNG", compress_level=6)
        cache[key] = buf.getvalue()
    return cache[key]


def _factor(mat, name: str, default: tuple) -> np.ndarray:
    value = getattr(mat, name, None)
    return np.asarray(default if value is None else value, np.float64).reshape(-1)


SOURCE_MAPS = {
    "base_color": "baseColorTexture",
    "normal": "normalTexture",
    "emissive": "emissiveTexture",
    "metallic_roughness": "metallicRoughnessTexture",
    "occlusion": "occlusionTexture",
}


def _trimesh_material(mat, name: str, cache: dict, source=None) -> UsdMaterial:
    """A :class:`UsdMaterial` from a trimesh PBR (or simple) material: its linear factors
    and its images, as they were downloaded when ``source`` (the glTF material it was read
    from, :class:`~core.mesh.gltf_sources.SourceMaterial`) has them, else encoded as PNG."""
    factor = _factor(mat, "baseColorFactor", (1.0, 1.0, 1.0, 1.0))
    factor = factor / 255.0 if factor.max() > 1.0 else factor  # trimesh keeps it as uint8
    metallic, roughness = getattr(mat, "metallicFactor", None), getattr(mat, "roughnessFactor", None)
    usd = UsdMaterial(
        name,
        tuple(factor[:3]),
        float(factor[3]),
        1.0 if metallic is None else float(metallic),
        1.0 if roughness is None else float(roughness),
        tuple(_factor(mat, "emissiveFactor", (0.0, 0.0, 0.0))[:3]),
        blend=getattr(mat, "alphaMode", None) == "BLEND",
    )
    base = getattr(mat, "baseColorTexture", None) or getattr(mat, "image", None)
    mr, occlusion = getattr(mat, "metallicRoughnessTexture", None), getattr(mat, "occlusionTexture", None)
    images = {
        "base_color": base,
        "normal": getattr(mat, "normalTexture", None),
        "emissive": getattr(mat, "emissiveTexture", None),
        "metallic_roughness": mr,
        "occlusion": occlusion,
    }
    if source is not None:
        usd.textures = {k: source.images[key] for k, key in SOURCE_MAPS.items() if key in source.images}
    else:
        usd.textures = {k: _png(img, cache) for k, img in images.items() if img is not None}
    if "occlusion" in usd.textures and usd.textures["occlusion"] == usd.textures.get("metallic_roughness"):
        usd.textures["orm"] = usd.textures.pop("metallic_roughness")  # one ORM image, as glTF packs it
        del usd.textures["occlusion"]
    return usd


def textured_submeshes(model: TexturedMesh) -> list[UsdSubmesh]:
    """One :class:`UsdSubmesh` per geometry of a textured model (cloud models): its PBR
    material and images (as downloaded when the model kept them, else encoded as PNG once
    each), UVs, normals, and vertex colours (sRGB in memory, written linear) for models
    coloured per vertex."""
    from core.mesh.color import srgb_to_linear

    cache: dict = {}
    out = []
    sources = model.materials or [None] * len(model.geometries)
    for g, name, source in zip(model.geometries, model.material_names, sources, strict=True):
        visual = g.visual
        uv = getattr(visual, "uv", None) if getattr(visual, "kind", None) == "texture" else None
        material = getattr(visual, "material", None)
        mat = _trimesh_material(material, name, cache, source) if material is not None else UsdMaterial(name)
        colors = None
        if getattr(visual, "kind", None) in ("vertex", "face"):
            colors = srgb_to_linear(np.asarray(visual.vertex_colors, np.float64)[:, :3] / 255.0)
            mat.base_color = (1.0, 1.0, 1.0)
        if uv is not None:
            uv = np.column_stack([uv[:, 0], 1.0 - uv[:, 1]])  # trimesh's v runs up, glTF's down
        normals = np.asarray(g.vertex_normals, np.float32)
        out.append(UsdSubmesh(g.vertices, g.faces, mat, normals=normals, uvs=uv, colors=colors))
    return out


def export_usdz(mesh: Model, path: Path, options: ExportOptions | None = None) -> list[Path]:
    """Write an :class:`~core.mesh.asset_mesh.AssetMesh` (:func:`asset_submeshes`) or a
    :class:`~core.mesh.textured.TexturedMesh` (:func:`textured_submeshes`) as USDZ at
    ``path`` (atomic, :func:`write_usdz`); returns ``[path]``. Raises as :func:`write_usdz`."""
    from core.mesh.asset_mesh import AssetMesh

    subs = asset_submeshes(mesh, options) if isinstance(mesh, AssetMesh) else textured_submeshes(mesh)
    write_usdz(subs, Path(path), options.name if options else "Asset")
    return [Path(path)]


def validation_errors(path: Path) -> list[str]:
    """Every error of every validator in usd-core's ``UsdValidation`` registry (the
    ``UsdzValidators`` included) on the package at ``path``; empty when it passes."""
    from pxr import Usd, UsdValidation

    stage = Usd.Stage.Open(str(path))
    validators = UsdValidation.ValidationRegistry().GetOrLoadAllValidators()
    errors = UsdValidation.ValidationContext(validators).Validate(stage)
    return [
        f"{e.GetName()}: {e.GetMessage()}"
        for e in errors
        if e.GetType() == UsdValidation.ValidationErrorType.Error
    ]


__all__ = [
    "UsdMaterial",
    "UsdSubmesh",
    "asset_submeshes",
    "export_usdz",
    "textured_submeshes",
    "validation_errors",
    "write_usdz",
]
