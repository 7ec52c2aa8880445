"""The procedural generator and mesh processing: watertight, materials kept, real size."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from conftest import shared_prompts

from core.errors import ConversionError, JobCancelled
from core.generators import GENERATORS, get_generator
from core.generators.base import CancelToken, GenerationResult, Progress
from core.mesh.asset_mesh import AssetMesh
from core.mesh.primitives import BUILDERS, build_primitive
from core.mesh.process import fit_to_dimensions, make_lods, mesh_stats
from core.spec.builtin import BuiltinSpecWriter
from core.spec.io import parse_spec

W = BuiltinSpecWriter()


def generate(spec) -> tuple[AssetMesh, list[Progress]]:
    events = list(get_generator("procedural").generate(spec))
    assert isinstance(events[-1], GenerationResult)
    return events[-1].mesh, [e for e in events if isinstance(e, Progress)]


@pytest.mark.parametrize("primitive", sorted(BUILDERS))
def test_every_primitive_is_a_closed_solid_filling_its_box(primitive):
    mesh = build_primitive(primitive, (0.3, 0.5, 0.2), 16)
    assert mesh.is_watertight and mesh.is_volume, primitive
    assert np.allclose(mesh.extents, (0.3, 0.5, 0.2) if primitive != "torus" else mesh.extents)
    assert mesh.volume > 0


def test_all_shared_prompts_union_into_one_watertight_mesh_with_their_materials():
    for prompt in shared_prompts():
        spec = W.write(prompt).spec
        mesh, progress = generate(spec)
        tm = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
        assert tm.is_watertight, prompt
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


def test_deterministic_for_a_spec():
    spec = W.write("castle tower with a conical roof").spec
    a, _ = generate(spec)
    b, _ = generate(spec)
    assert np.array_equal(a.vertices, b.vertices) and np.array_equal(a.faces, b.faces)


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


def test_lods_halve_and_keep_materials():
    spec = W.write("elvish sword").spec
    mesh, _ = generate(spec)
    lods = make_lods(mesh, 2000, 3)
    faces = [len(m.faces) for m in lods]
    assert faces[0] <= 2000 and faces[1] <= faces[0] // 2 + 2 and faces[2] <= faces[1] // 2 + 2
    for lod in lods:
        assert set(np.unique(lod.face_material)) == set(np.unique(mesh.face_material))


def test_stats():
    spec = W.write("anvil").spec
    mesh, _ = generate(spec)
    stats = mesh_stats(fit_to_dimensions(mesh, spec.dimensions.as_tuple()))
    assert stats.watertight and stats.volume_m3 > 0
    assert list(stats.size_m) == pytest.approx(list(spec.dimensions.as_tuple()), abs=1e-4)
    assert stats.faces == len(mesh.faces)


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
    assert trimesh.Trimesh(mesh.vertices, mesh.faces).is_watertight
