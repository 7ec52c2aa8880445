"""USDZ export through Pixar's OpenUSD (``usd-core``): for AR Quick Look and engines that
import USD.

One ``UsdGeom.Mesh`` per material under ``/Root`` (an ``Xform``, the default prim), each bound
to a ``UsdPreviewSurface`` material whose textures (base colour, normal, occlusion /
roughness / metallic, emissive) are packaged in the archive. Metres (``metersPerUnit = 1``),
+Y up, as the rest of the pipeline. The archive is written by
``UsdUtils.CreateNewARKitUsdzPackage``.

References: UsdPreviewSurface spec (https://openusd.org/release/spec_usdpreviewsurface.html),
USDZ file format (https://openusd.org/release/spec_usdz.html). glTF's texture ``v`` runs down
the image, USD's ``st.t`` up, so ``t = 1 - v``.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class UsdMaterial:
    """One PBR material: linear RGB factors in [0, 1] and PNG textures by map name
    (``base_color`` sRGB RGBA, ``normal`` +Y up, ``orm`` R occlusion / G roughness / B
    metallic, ``emissive`` sRGB), any of which may be missing."""

    name: str
    base_color: tuple[float, float, float] = (0.8, 0.8, 0.8)
    opacity: float = 1.0
    metallic: float = 0.0
    roughness: float = 0.5
    emissive: tuple[float, float, float] = (0.0, 0.0, 0.0)
    textures: dict[str, bytes] = field(default_factory=dict)


@dataclass
class UsdSubmesh:
    """Triangles sharing one material: points (N, 3) metres, faces (M, 3) int, optional
    per-vertex normals (N, 3) and UVs (N, 2) in glTF convention (v down)."""

    points: np.ndarray
    faces: np.ndarray
    material: UsdMaterial
    normals: np.ndarray | None = None
    uvs: np.ndarray | None = None


def _prim_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", name) or "item"
    base = base if not base[0].isdigit() else f"_{base}"
    out, i = base, 1
    while out in used:
        i += 1
        out = f"{base}_{i}"
    used.add(out)
    return out


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


def _material(stage, root, mat: UsdMaterial, prim: str, texture_dir: Path, has_uvs: bool):
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


def _connect_textures(stage, material, surface, path, mat: UsdMaterial, prim: str, texture_dir: Path) -> None:
    from pxr import Sdf, UsdShade

    reader = UsdShade.Shader.Define(stage, path.AppendChild("UVReader"))
    reader.CreateIdAttr("UsdPrimvarReader_float2")
    reader.CreateInput("varname", Sdf.ValueTypeNames.String).Set("st")
    st = reader.CreateOutput("result", Sdf.ValueTypeNames.Float2)
    files = {}
    for name, png in mat.textures.items():
        (texture_dir / f"{prim}_{name}.png").write_bytes(png)
        files[name] = f"./textures/{prim}_{name}.png"
    out = Sdf.ValueTypeNames
    if "base_color" in files:
        tex = _texture(material, path, "BaseColor", files["base_color"], st, "sRGB")
        tex.CreateInput("scale", out.Float4).Set((*mat.base_color, 1.0))
        surface.GetInput("diffuseColor").ConnectToSource(tex.CreateOutput("rgb", out.Float3))
        if mat.opacity < 1.0:
            surface.GetInput("opacity").ConnectToSource(tex.CreateOutput("a", out.Float))
    if "normal" in files:
        tex = _texture(material, path, "Normal", files["normal"], st, "raw")
        tex.CreateInput("scale", out.Float4).Set((2.0, 2.0, 2.0, 1.0))
        tex.CreateInput("bias", out.Float4).Set((-1.0, -1.0, -1.0, 0.0))
        surface.CreateInput("normal", out.Normal3f).ConnectToSource(tex.CreateOutput("rgb", out.Float3))
    if "orm" in files:
        tex = _texture(material, path, "ORM", files["orm"], st, "raw")
        surface.CreateInput("occlusion", out.Float).ConnectToSource(tex.CreateOutput("r", out.Float))
        surface.GetInput("roughness").ConnectToSource(tex.CreateOutput("g", out.Float))
        surface.GetInput("metallic").ConnectToSource(tex.CreateOutput("b", out.Float))
    if "emissive" in files:
        tex = _texture(material, path, "Emissive", files["emissive"], st, "sRGB")
        tex.CreateInput("scale", out.Float4).Set((*mat.emissive, 1.0))
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
        for sub in subs:
            prim = _prim_name(sub.material.name, used)
            mesh = _mesh(stage, root.GetPath(), sub, prim)
            key = id(sub.material)
            if key not in materials:
                materials[key] = _material(
                    stage, root.GetPath(), sub.material, prim, work / "textures", sub.uvs is not None
                )
            UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(materials[key])
        stage.GetRootLayer().Save()
        tmp_out = path.with_name(f".{path.name}.tmp.usdz")
        if not UsdUtils.CreateNewARKitUsdzPackage(Sdf.AssetPath(str(layer)), str(tmp_out)):
            tmp_out.unlink(missing_ok=True)
            raise ConversionError("USD could not write the USDZ package.")
        tmp_out.replace(path)
    return path


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


__all__ = ["UsdMaterial", "UsdSubmesh", "validation_errors", "write_usdz"]
