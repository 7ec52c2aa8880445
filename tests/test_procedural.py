"""The procedural generator and mesh processing: watertight, materials kept, real size."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_prompts

from core.errors import ConversionError, JobCancelled
from core.generators import GENERATORS, get_generator
from core.generators.base import CancelToken, GenerationResult, Progress
from core.mesh.asset_mesh import AssetMesh
from core.mesh.primitives import BUILDERS, build_primitive, face_count
from core.mesh.process import fit_to_dimensions, make_lods, mesh_stats
from core.mesh.topology import topology_report, weld
from core.spec.builtin import BuiltinSpecWriter
from core.spec.io import parse_spec

W = BuiltinSpecWriter()


def run(spec, seed: int = 0) -> tuple[GenerationResult, list[Progress]]:
    events = list(get_generator("procedural").generate(spec, seed=seed))
    assert isinstance(events[-1], GenerationResult)
    return events[-1], [e for e in events if isinstance(e, Progress)]


def generate(spec) -> tuple[AssetMesh, list[Progress]]:
    result, progress = run(spec)
    return result.mesh, progress


def closed(mesh: AssetMesh) -> bool:
    return topology_report(mesh.vertices, mesh.faces).watertight


@pytest.mark.parametrize("primitive", sorted(BUILDERS))
@pytest.mark.parametrize("segments", [6, 7, 16])
def test_every_primitive_is_a_closed_solid_filling_its_box(primitive, segments):
    size = (0.3, 0.5, 0.2)
    prim = build_primitive(primitive, size, segments)
    mesh = prim.to_trimesh()
    assert mesh.is_watertight and mesh.is_volume, primitive
    assert np.allclose(mesh.extents, size if primitive != "torus" else mesh.extents)
    assert mesh.volume > 0
    assert len(prim.faces) == face_count(primitive, size, segments)


def test_bevelled_box_is_a_closed_chamfered_solid():
    prim = build_primitive("box", (0.4, 0.2, 0.1), 8, bevel=0.01)
    mesh = prim.to_trimesh()
    assert mesh.is_watertight and mesh.is_volume and np.allclose(mesh.extents, (0.4, 0.2, 0.1))
    assert len(prim.faces) == face_count("box", (0.4, 0.2, 0.1), 8, 0.01) == 44
    normals = np.round(np.abs(mesh.face_normals), 3)
    assert (normals == round(np.sqrt(0.5), 3)).sum(axis=1).max() == 2  # 45-degree chamfers on the edges
    # the bevel is clamped to a quarter of the smallest side: a thin board keeps its thickness
    thin = build_primitive("box", (0.4, 0.02, 0.3), 8, bevel=0.05).to_trimesh()
    assert thin.is_volume and np.allclose(thin.extents, (0.4, 0.02, 0.3))


def test_bevel_setting_chamfers_box_parts(configure):
    spec = W.write("medieval wooden crate").spec
    sharp, _ = generate(spec)
    configure(bevel_m=0.005)
    bevelled, _ = generate(spec)
    assert closed(bevelled) and len(bevelled.faces) > len(sharp.faces)
    lo, hi = bevelled.vertices.min(0), bevelled.vertices.max(0)
    assert np.allclose(hi - lo, sharp.vertices.max(0) - sharp.vertices.min(0), atol=1e-3)


def test_all_shared_prompts_union_into_one_watertight_mesh_with_their_materials():
    for prompt in shared_prompts():
        spec = W.write(prompt).spec
        mesh, progress = generate(spec)
        assert closed(mesh), prompt
        assert mesh.uvs is not None and mesh.normals is not None
        used = {mesh.materials[i].name for i in np.unique(mesh.face_material)}
        parts_materials = {p.material for p in spec.parts}
        # every material survives the union, unless all its parts are fully buried
        assert used <= parts_materials and len(used) >= max(1, len(parts_materials) - 1), prompt
        assert progress and progress[-1].fraction <= 1.0


def test_each_face_keeps_its_parts_material():
    spec = W.write("wooden treasure chest with iron bands").spec
    mesh, _ = generate(spec)
    lock = spec.material("lock")
    idx = [m.name for m in mesh.materials].index(lock.name)
    lock_faces = mesh.faces[mesh.face_material == idx]
    centroids = mesh.vertices[lock_faces].mean(axis=1)
    # the lock sits on the front (+Z) face of the chest
    assert len(lock_faces) > 0 and (centroids[:, 2] > 0.2).all()


def test_deterministic_for_a_spec_and_seed():
    spec = W.write("castle tower with a conical roof").spec
    a, _ = run(spec)
    b, _ = run(spec)
    assert np.array_equal(a.mesh.vertices, b.mesh.vertices) and np.array_equal(a.mesh.faces, b.mesh.faces)
    assert np.array_equal(a.mesh.uvs, b.mesh.uvs) and len(a.lods) == len(b.lods)
    c, _ = run(spec, seed=7)  # another seed moves the texture, not the shape
    assert np.array_equal(a.mesh.vertices, c.mesh.vertices) and not np.array_equal(a.mesh.uvs, c.mesh.uvs)


def test_fit_scales_to_dimensions_and_pivots_at_base_centre():
    spec = W.write("oak barrel").spec
    spec.dimensions.height = 2.0
    mesh, _ = generate(spec)
    fitted = fit_to_dimensions(mesh, spec.dimensions.as_tuple())
    lo, hi = fitted.vertices.min(0), fitted.vertices.max(0)
    assert np.allclose(hi - lo, spec.dimensions.as_tuple(), atol=1e-6)
    assert lo[1] == pytest.approx(0.0, abs=1e-9)
    assert (lo[0] + hi[0]) / 2 == pytest.approx(0, abs=1e-9)
    assert (lo[2] + hi[2]) / 2 == pytest.approx(0, abs=1e-9)
    # normals stay unit vectors; UVs (metres) grow with the size
    assert np.allclose(np.linalg.norm(fitted.normals, axis=1), 1.0, atol=1e-5)
    assert np.ptp(fitted.uvs[:, 1]) > np.ptp(mesh.uvs[:, 1])


def test_generator_lods_halve_within_budget_and_keep_materials():
    spec = W.write("elvish sword").spec
    spec.technical.target_polycount = 2000
    result, _ = run(spec)
    lods = [result.mesh, *result.lods]
    faces = [len(m.faces) for m in lods]
    assert len(lods) == 3 and faces[0] <= 2000 and faces[1] <= faces[0] // 2 + 2, faces
    assert faces[2] <= 0.75 * faces[1], faces  # about half, as far as 6-sided parts allow
    for lod in lods:
        assert closed(lod) and lod.uvs is not None
        assert set(np.unique(lod.face_material)) == set(np.unique(result.mesh.face_material))


def test_lods_of_meshes_without_uvs_are_decimated_and_keep_materials():
    """Point-E, Shap-E and reconstructed meshes carry no UVs: quadric decimation, as before."""
    spec = W.write("elvish sword").spec
    mesh, _ = generate(spec)
    vertices, faces = weld(mesh.vertices, mesh.faces)
    bare = AssetMesh(vertices, faces, mesh.face_material, mesh.materials)
    lods = make_lods(bare, 1500, 3)
    faces = [len(m.faces) for m in lods]
    assert faces[0] <= 1500 and faces[1] <= faces[0] // 2 + 2 and faces[2] <= faces[1] // 2 + 2
    for lod in lods:
        assert set(np.unique(lod.face_material)) == set(np.unique(mesh.face_material))


def test_stats():
    spec = W.write("anvil").spec
    mesh, _ = generate(spec)
    stats = mesh_stats(fit_to_dimensions(mesh, spec.dimensions.as_tuple()))
    assert stats.watertight and stats.volume_m3 > 0
    assert stats.non_manifold_edges == 0 and stats.boundary_edges == 0
    assert stats.uv_sets == 1 and stats.normals and stats.textured
    assert list(stats.size_m) == pytest.approx(list(spec.dimensions.as_tuple()), abs=1e-4)
    assert stats.faces == len(mesh.faces)
    assert not mesh_stats(mesh, texture_size=0).textured  # flat colours when TEXTURE_SIZE is 0


def test_cancel_stops_between_parts():
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        list(get_generator("procedural").generate(W.write("anvil").spec, cancel=token))


def test_low_poly_style_uses_fewer_triangles():
    hi_mesh, _ = generate(W.write("oak barrel").spec)
    lo_mesh, _ = generate(W.write("low-poly oak barrel").spec)
    assert len(lo_mesh.faces) < len(hi_mesh.faces) / 2


def test_empty_mesh_is_an_error_not_a_placeholder():
    with pytest.raises(ConversionError):
        AssetMesh(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), [])


def test_unknown_backend_lists_the_known_ones():
    with pytest.raises(ValueError, match="procedural"):
        GENERATORS.get("nope")


def test_torus_and_capsule_parts():
    spec = parse_spec(
        {
            "name": "Rings",
            "short_description": "rings",
            "dimensions": {"width": 1, "height": 1, "depth": 1},
            "materials": [{"name": "m"}],
            "parts": [
                {"name": "t", "primitive": "torus", "size": [1, 0.2, 1], "material": "m"},
                {"name": "c", "primitive": "capsule", "size": [0.2, 1, 0.2], "material": "m"},
            ],
        }
    )
    mesh, _ = generate(spec)
    assert closed(mesh)
