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
    assert {n for n in names if n.endswith(".png")} == {
        "textures/oak_wood_base_color.png",
        "textures/oak_wood_normal.png",
        "textures/oak_wood_orm.png",
        "textures/lava_base_color.png",
        "textures/lava_normal.png",
        "textures/lava_orm.png",
        "textures/lava_emissive.png",
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
