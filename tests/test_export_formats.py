"""Every export format: written, re-imported, and valid (Khronos validator, Blender)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import trimesh
from conftest import blender_vertex_count, require_blender, validate_gltf

from core.errors import UnknownFormatError
from core.generators import get_generator
from core.mesh.formats import EXPORTERS, FORMATS, ExportOptions, export_all
from core.mesh.process import fit_to_dimensions
from core.spec.builtin import BuiltinSpecWriter


@pytest.fixture(scope="module")
def sword():
    spec = BuiltinSpecWriter().write("elvish sword").spec
    mesh = list(get_generator("procedural").generate(spec))[-1].mesh
    return spec, fit_to_dimensions(mesh, spec.dimensions.as_tuple())


def test_registry_lists_every_format():
    assert set(FORMATS) == {"glb", "gltf", "obj", "stl", "ply", "fbx", "blend", "usdz"}
    assert set(EXPORTERS.names()) == set(FORMATS)
    with pytest.raises(UnknownFormatError, match="glb"):
        EXPORTERS.get("dae")


def test_one_format_table_feeds_the_spec_the_exporters_and_the_stores():
    from core import formats
    from core.mesh import formats as mesh_formats
    from core.spec.model import ExportFormat, Technical

    assert mesh_formats.FORMATS is formats.FORMATS
    assert [f.value for f in ExportFormat] == list(formats.FORMATS)
    assert [f.name for f in ExportFormat] == list(formats.FORMATS)
    assert Technical().export_formats == [ExportFormat(f) for f in formats.DEFAULT_FORMATS]
    for name, info in formats.FORMATS.items():
        assert callable(EXPORTERS.get(name)), name
        assert formats.content_type(f"model{info.extension.upper()}") == info.mime_type
    assert formats.content_type("model.mtl") == "model/mtl"
    assert formats.content_type("no-extension") == "application/octet-stream"


def test_export_all_refuses_an_unknown_format_before_writing_anything(sword, tmp_path):
    with pytest.raises(UnknownFormatError, match=r"dae.*Known: .*glb"):
        export_all(sword[1], ["glb", "dae"], tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["glb", "gltf", "obj", "stl", "ply"])
def test_trimesh_formats_reimport_with_same_geometry(sword, tmp_path, fmt):
    spec, mesh = sword
    written = export_all(mesh, [fmt], tmp_path)
    path = written[fmt][0]
    assert path.is_file() and path.stat().st_size > 0
    loaded = trimesh.load(path, force="mesh")
    assert len(loaded.faces) == len(mesh.faces)
    assert np.allclose(loaded.extents, spec.dimensions.as_tuple(), atol=1e-4)  # metres kept
    assert loaded.bounds[0][1] == pytest.approx(0.0, abs=1e-5)  # base at y = 0, +Y up


def test_glb_and_gltf_pass_the_khronos_validator_and_keep_pbr_materials(sword, tmp_path):
    spec, mesh = sword
    written = export_all(mesh, ["glb", "gltf"], tmp_path)
    for report in validate_gltf(written["glb"][0], written["gltf"][0]):
        assert report["numErrors"] == 0, report
    doc = json.loads(written["gltf"][0].read_text())
    names = {m["name"] for m in doc["materials"]}
    assert names == {m.name for m in spec.materials}
    blade = next(m for m in doc["materials"] if m["name"] == "blade")
    assert blade["pbrMetallicRoughness"]["metallicFactor"] == pytest.approx(1.0)


def test_obj_has_its_mtl_with_every_distinct_material(tmp_path):
    spec = BuiltinSpecWriter().write("wooden treasure chest with iron bands").spec
    mesh = list(get_generator("procedural").generate(spec))[-1].mesh
    obj, mtl, *textures = export_all(mesh, ["obj"], tmp_path)["obj"]
    assert mtl.suffix == ".mtl" and f"mtllib {mtl.name}" in obj.read_text()
    newmtl = {ln.split()[1] for ln in mtl.read_text().splitlines() if ln.startswith("newmtl")}
    assert newmtl == {m.name for m in spec.materials}
    assert all(p.suffix in (".png", ".jpg") and p.is_file() for p in textures)


def test_obj_and_ply_keep_materials_that_merely_look_alike(tmp_path):
    """The elvish sword's trim and blade share colour and PBR values; each stays its own
    material (OBJ: newmtl + usemtl; PLY: the per-face ``material`` property)."""
    spec = BuiltinSpecWriter().write("elvish sword").spec
    mesh = list(get_generator("procedural").generate(spec))[-1].mesh
    written = export_all(mesh, ["obj", "ply"], tmp_path, options=ExportOptions(texture_size=0))
    obj, mtl = written["obj"]
    used = {m.name for i, m in enumerate(spec.materials) if (mesh.face_material == i).any()}
    newmtl = [ln.split()[1] for ln in mtl.read_text().splitlines() if ln.startswith("newmtl")]
    usemtl = [ln.split()[1] for ln in obj.read_text().splitlines() if ln.startswith("usemtl")]
    assert sorted(newmtl) == sorted(usemtl) == sorted(used)
    ply = trimesh.load(written["ply"][0], process=False)
    per_face = ply.metadata["_ply_raw"]["face"]["data"]["material"]
    assert np.array_equal(per_face, mesh.face_material)
    header = written["ply"][0].read_bytes().split(b"end_header")[0].decode()
    for i, m in enumerate(spec.materials):
        assert f"comment material {i} {m.name}\n" in header


def test_ply_carries_face_colours(sword, tmp_path):
    _, mesh = sword
    path = export_all(mesh, ["ply"], tmp_path)["ply"][0]
    loaded = trimesh.load(path, process=False)
    colours = {m.base_color for m in mesh.materials}
    assert len(np.unique(loaded.visual.face_colors[:, :3], axis=0)) == len(colours)


def test_usdz_is_a_format_that_passes_usd_validation(sword, tmp_path):
    from pxr import Usd, UsdGeom

    from core.mesh.formats.usdz import validation_errors

    spec, mesh = sword
    [path] = export_all(mesh, ["usdz"], tmp_path)["usdz"]
    assert path.name == "model.usdz" and validation_errors(path) == []
    stage = Usd.Stage.Open(str(path))
    meshes = [p for p in stage.Traverse() if p.IsA(UsdGeom.Mesh)]
    assert len(meshes) == len(np.unique(mesh.face_material))
    points = np.vstack([np.array(UsdGeom.Mesh(p).GetPointsAttr().Get()) for p in meshes])
    assert np.allclose(points.max(0) - points.min(0), spec.dimensions.as_tuple(), atol=1e-4)


@pytest.mark.parametrize("fmt", ["fbx", "blend"])
def test_blender_formats_reimport_with_the_same_vertex_count(sword, tmp_path, fmt):
    require_blender()
    _, mesh = sword
    written = export_all(mesh, ["glb", fmt], tmp_path)
    glb_vertices = blender_vertex_count(written["glb"][0])
    assert blender_vertex_count(written[fmt][0]) == glb_vertices > 0


def test_missing_blender_is_a_clear_typed_error(sword, tmp_path, configure):
    from core.errors import BackendUnavailable

    configure(blender_path=str(tmp_path / "no-blender"))
    with pytest.raises(BackendUnavailable, match="Blender"):
        export_all(sword[1], ["fbx"], tmp_path)
    assert not (tmp_path / "model.fbx").exists()
