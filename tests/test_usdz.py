"""USDZ writer: usd-core's own validation (every validator in the UsdValidation registry,
UsdzValidators included), textures packaged, metres and +Y up."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
import trimesh

from core.errors import ConversionError
from core.materials.kinds import kinds
from core.materials.textures import request_for, texture_set
from core.mesh.formats.usdz import UsdMaterial, UsdSubmesh, validation_errors, write_usdz


def _textured_box(name: str, kind: str, offset: float) -> UsdSubmesh:
    box = trimesh.creation.box((0.5, 1.0, 0.5))
    box.apply_translation((offset, 0.5, 0))
    req = request_for(
        kinds()[kind],
        color="#8b5a2b",
        roughness=0.8,
        metallic=0.0,
        emissive="#ff4500" if kind == "lava" else None,
        opacity=1.0,
        size=256,
    )
    mat = UsdMaterial(
        name, (0.26, 0.1, 0.02), 1.0, 0.0, 0.8, (1.0, 0.06, 0.0), textures=texture_set(req, None).maps()
    )
    uv = box.vertices[:, [0, 1]] - box.vertices[:, [0, 1]].min(0)
    return UsdSubmesh(box.vertices, box.faces, mat, box.vertex_normals, uv)


def test_textured_usdz_passes_usd_validation(tmp_path):
    from pxr import Usd, UsdGeom, UsdShade

    out = write_usdz(
        [_textured_box("oak wood", "wood", 0.0), _textured_box("lava", "lava", 1.0)],
        tmp_path / "m.usdz",
        "crate",
    )
    assert validation_errors(out) == []
    names = zipfile.ZipFile(out).namelist()
    assert names[0].endswith(".usdc")  # the root layer comes first, as USDZ requires
    assert {n.rsplit(".", 1)[0] for n in names if n.endswith((".png", ".jpg"))} == {
        "textures/oak_wood_base_color",
        "textures/oak_wood_normal",
        "textures/oak_wood_orm",
        "textures/lava_base_color",
        "textures/lava_normal",
        "textures/lava_orm",
        "textures/lava_emissive",
    }
    stage = Usd.Stage.Open(str(out))
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0 and UsdGeom.GetStageUpAxis(stage) == "Y"
    meshes = [p for p in stage.Traverse() if p.IsA(UsdGeom.Mesh)]
    assert len(meshes) == 2
    for prim in meshes:
        material, _ = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()
        shader = material.ComputeSurfaceSource()[0]
        assert shader.GetIdAttr().Get() == "UsdPreviewSurface"
        base = shader.GetInput("diffuseColor").GetConnectedSources()[0][0].source.GetPrim()
        assert str(base.GetAttribute("inputs:file").Get().path).startswith("./textures/")
    box = UsdGeom.Mesh(meshes[0]).GetExtentAttr().Get()
    assert np.allclose(box[0], (-0.25, 0.0, -0.25)) and np.allclose(box[1], (0.25, 1.0, 0.25))


def test_untextured_usdz_is_valid_too(tmp_path):
    box = trimesh.creation.box((1, 1, 1))
    out = write_usdz([UsdSubmesh(box.vertices, box.faces, UsdMaterial("2 plain"))], tmp_path / "p.usdz")
    assert validation_errors(out) == []


def test_nothing_to_write_is_a_conversion_error(tmp_path):
    empty = UsdSubmesh(np.zeros((0, 3)), np.zeros((0, 3), int), UsdMaterial("x"))
    with pytest.raises(ConversionError, match="no triangles"):
        write_usdz([empty], tmp_path / "e.usdz")
    assert not list(tmp_path.iterdir())


def test_a_textured_procedural_asset_exports_as_valid_usdz(tmp_path, configure):
    """The ``usdz`` format of a procedural model: one mesh per spec material, its procedural
    maps packaged (each image once), factors that leave them as they are, strong glow kept."""
    from pxr import Usd, UsdGeom, UsdShade

    from core.generators import get_generator
    from core.mesh.formats import export_all
    from core.spec.builtin import BuiltinSpecWriter

    configure(texture_size=512)
    spec = BuiltinSpecWriter().write("wooden treasure chest with iron bands").spec
    mesh = list(get_generator("procedural").generate(spec))[-1].mesh
    [out] = export_all(mesh, ["usdz"], tmp_path)["usdz"]
    assert validation_errors(out) == []
    pngs = [n for n in zipfile.ZipFile(out).namelist() if n.endswith((".png", ".jpg"))]
    assert len(pngs) == len(set(pngs)) >= 3
    stage = Usd.Stage.Open(str(out))
    meshes = [p for p in stage.Traverse() if p.IsA(UsdGeom.Mesh)]
    assert len(meshes) == len(np.unique(mesh.face_material))
    for prim in meshes:
        assert UsdGeom.PrimvarsAPI(prim).GetPrimvar("st").IsDefined()
        shader = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()[0].ComputeSurfaceSource()[0]
        base = shader.GetInput("diffuseColor").GetConnectedSources()[0][0].source
        assert tuple(base.GetInput("scale").Get()) == (1.0, 1.0, 1.0, 1.0)  # the map has the colour
        assert shader.GetInput("roughness").HasConnectedSource()


def test_textured_models_from_a_glb_export_as_valid_usdz(tmp_path):
    """A cloud model (TexturedMesh from a GLB): its images, UVs and factors go to USDZ."""
    from test_textured_export import crate

    from core.mesh.formats.gltf import export_glb
    from core.mesh.formats.options import ExportOptions
    from core.mesh.formats.usdz import export_usdz
    from core.mesh.textured import TexturedMesh

    glb = export_glb(crate(), tmp_path / "c.glb", ExportOptions(texture_size=512, cache_dir=tmp_path))[0]
    [out] = export_usdz(TexturedMesh.load_glb(glb), tmp_path / "c.usdz")
    assert validation_errors(out) == []
    names = zipfile.ZipFile(out).namelist()  # the GLB's own JPEGs, packaged as they are
    assert {"textures/wood_base_color.jpg", "textures/wood_orm.jpg", "textures/lava_emissive.jpg"} <= set(
        names
    )


def test_vertex_coloured_models_keep_their_colours_in_usdz(tmp_path):
    from pxr import Usd, UsdGeom

    from core.mesh.formats.usdz import export_usdz
    from core.mesh.textured import TexturedMesh

    sphere = trimesh.creation.icosphere(1, radius=0.3)
    sphere.visual = trimesh.visual.ColorVisuals(
        sphere, vertex_colors=np.tile([0x8B, 0x5A, 0x2B, 255], (len(sphere.vertices), 1)).astype(np.uint8)
    )
    [out] = export_usdz(TexturedMesh([sphere]), tmp_path / "s.usdz")
    assert validation_errors(out) == []
    stage = Usd.Stage.Open(str(out))
    prim = next(p for p in stage.Traverse() if p.IsA(UsdGeom.Mesh))
    colours = np.array(UsdGeom.Mesh(prim).GetDisplayColorPrimvar().Get())
    assert np.allclose(colours[0], (0.2582, 0.1022, 0.0242), atol=1e-3)  # linear
