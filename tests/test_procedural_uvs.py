"""UVs and normals of procedural meshes: analytic projections in metres on every primitive,
carried through the union, v along each part's long axis, split normals; and the texture kinds
the built-in writer records on spec materials."""

from __future__ import annotations

import numpy as np
import pytest

from core.generators import get_generator
from core.generators.base import GenerationResult
from core.generators.procedural import UV_OFFSET_M, build_parts_mesh
from core.mesh.asset_mesh import AssetMesh
from core.mesh.primitives import BUILDERS, build_primitive
from core.mesh.topology import topology_report
from core.spec.builtin import BuiltinSpecWriter
from core.spec.io import parse_spec

W = BuiltinSpecWriter()
FLAT = ("box", "pyramid", "wedge")


def areas(vertices, faces, uvs) -> tuple[np.ndarray, np.ndarray]:
    """3D area and signed UV area (positive: u x v points out of the face) of every face."""
    p, t = vertices[faces], uvs[faces]
    area = np.linalg.norm(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), axis=1) / 2
    du, dv = t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]
    return area, (du[:, 0] * dv[:, 1] - dv[:, 0] * du[:, 1]) / 2


def v_direction(vertices, faces, uvs) -> np.ndarray:
    """Unit 3D direction in which v grows on every face (dP/dv)."""
    p, t = vertices[faces], uvs[faces]
    edges = np.stack([p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]], axis=1)  # (m, 2, 3)
    duv = np.stack([t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]], axis=1)  # (m, 2, 2): rows (du, dv)
    grad = np.linalg.solve(duv, edges)  # rows: dP/du, dP/dv
    d = grad[:, 1]
    return d / np.linalg.norm(d, axis=1, keepdims=True)


def one_part(primitive: str, size, rotation=(0, 0, 0), **extra) -> dict:
    return {
        "name": extra.pop("name", "p"),
        "primitive": primitive,
        "size": list(size),
        "rotation": list(rotation),
        "material": "m",
        **extra,
    }


def spec_of(*parts, materials=({"name": "m"},)):
    return parse_spec(
        {
            "name": "Test",
            "short_description": "test",
            "dimensions": {"width": 1, "height": 1, "depth": 1},
            "materials": list(materials),
            "parts": list(parts),
        }
    )


def mesh_of(spec, **kw) -> AssetMesh:
    return next(m for m in build_parts_mesh(spec, **kw) if isinstance(m, AssetMesh))


# --- primitives ----------------------------------------------------------------------------------
@pytest.mark.parametrize("primitive", sorted(BUILDERS))
def test_uvs_face_outward_and_are_metres(primitive):
    prim = build_primitive(primitive, (0.3, 0.5, 0.2), 24)
    area, uv_area = areas(prim.vertices, prim.faces, prim.uvs)
    assert (uv_area > 0).all(), "u x v must point out of every face"
    ratio = uv_area / area
    if primitive in (*FLAT, "cylinder", "cone"):
        assert np.allclose(ratio, 1.0, atol=0.02)  # planar, cylindrical, conical: metres
    else:  # spherical and toroidal: metres at the equator (the outer side of a ring)
        assert 0.7 < np.median(ratio) < 1.5


@pytest.mark.parametrize("primitive", sorted(BUILDERS))
def test_seams_split_vertices_and_weld_into_a_closed_solid(primitive):
    prim = build_primitive(primitive, (0.4, 0.4, 0.4), 12)
    positions = len(np.unique(prim.weld))
    assert len(prim.vertices) > positions  # seams and creases repeat positions
    assert np.array_equal(prim.vertices, prim.vertices[prim.weld])
    assert topology_report(prim.vertices, prim.faces).watertight


def test_v_runs_along_the_long_axis():
    plank = build_primitive("box", (0.1, 0.05, 2.0), 8)  # long along z
    n = np.cross(*(plank.vertices[plank.faces][:, k] - plank.vertices[plank.faces][:, 0] for k in (1, 2)))
    along = np.abs(n[:, 2]) < 1e-9  # the four long faces
    d = v_direction(plank.vertices, plank.faces, plank.uvs)
    assert np.allclose(np.abs(d[along, 2]), 1.0)
    leg = build_primitive("cylinder", (0.1, 1.0, 0.1), 16)  # round parts: along their axis, +Y
    side = np.ptp(leg.vertices[leg.faces][:, :, 1], axis=1) > 0.5
    assert np.allclose(v_direction(leg.vertices, leg.faces, leg.uvs)[side], (0, 1, 0), atol=1e-9)
    ring = build_primitive("torus", (1.0, 0.1, 1.0), 32)  # around the ring
    d = v_direction(ring.vertices, ring.faces, ring.uvs)
    centre = ring.vertices[ring.faces].mean(axis=1)
    radial = centre * (1, 0, 1) / np.linalg.norm(centre * (1, 0, 1), axis=1, keepdims=True)
    assert np.abs((d * radial).sum(1)).max() < 0.2 and np.abs(d[:, 1]).max() < 0.2


# --- through the union ---------------------------------------------------------------------------
def test_uvs_survive_the_union_and_follow_the_rotated_part():
    spec = spec_of(
        one_part("box", (2.0, 0.05, 0.2), rotation=(0, 90, 0), name="plank", material="wood"),  # along z
        one_part("cylinder", (0.3, 0.6, 0.3), name="post"),
        materials=({"name": "m"}, {"name": "wood"}),
    )
    mesh = mesh_of(spec)
    area, uv_area = areas(mesh.vertices, mesh.faces, mesh.uvs)
    keep = area > 1e-9
    assert (uv_area[keep] > 0).all()
    # the plank's faces keep its planar UVs: v along world z on its long faces, in metres
    on_plank = (mesh.face_material == 1) & keep
    n = face_normals(mesh)
    long_faces = on_plank & (np.abs(n[:, 2]) < 1e-6)
    assert long_faces.sum() >= 8
    d = v_direction(mesh.vertices, mesh.faces, mesh.uvs)
    assert np.allclose(np.abs(d[long_faces, 2]), 1.0, atol=1e-3)
    assert np.allclose(uv_area[on_plank] / area[on_plank], 1.0, atol=1e-2)


def test_repeated_parts_get_their_own_texture_offsets():
    spec = spec_of(
        one_part("box", (0.2, 0.2, 0.2), name="a", position=[-0.5, 0, 0]),
        one_part("box", (0.2, 0.2, 0.2), name="b", position=[0.5, 0, 0]),
    )
    mesh = mesh_of(spec)
    left = mesh.vertices[:, 0] < 0
    shift = mesh.uvs[left].min(0) - mesh.uvs[~left].min(0)
    assert np.abs(shift).max() > 0.01
    assert ((mesh.uvs.min(0) >= -0.2 - 1e-6) & (mesh.uvs.max(0) <= UV_OFFSET_M + 0.2)).all()
    again = mesh_of(spec)
    assert np.array_equal(mesh.uvs, again.uvs)  # the same seed, the same offsets
    assert not np.array_equal(mesh.uvs, mesh_of(spec, seed=3).uvs)


def test_see_through_parts_keep_what_is_inside_them():
    spec = spec_of(
        one_part("sphere", (0.5, 0.5, 0.5), name="glass_ball", material="glass"),
        one_part("box", (0.1, 0.1, 0.1), name="ship", material="wood"),
        materials=({"name": "glass", "opacity": 0.3}, {"name": "wood"}),
    )
    mesh = mesh_of(spec)
    assert set(np.unique(mesh.face_material)) == {0, 1}
    assert topology_report(mesh.vertices, mesh.faces).watertight
    assert mesh.uvs is not None and len(mesh.uvs) == len(mesh.vertices)


# --- normals -------------------------------------------------------------------------------------
def face_normals(mesh: AssetMesh) -> np.ndarray:
    p = mesh.vertices[mesh.faces]
    n = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    return n / np.linalg.norm(n, axis=1, keepdims=True)


def test_box_edges_stay_crisp_and_round_parts_shade_smooth():
    boxes = mesh_of(spec_of(one_part("box", (0.5, 0.2, 0.3)), one_part("box", (0.1, 0.6, 0.1), name="q")))
    fn = face_normals(boxes)
    assert np.allclose(boxes.normals[boxes.faces], fn[:, None, :], atol=1e-5)
    post = mesh_of(spec_of(one_part("cylinder", (0.3, 1.0, 0.3))), segments=32)
    assert np.allclose(np.linalg.norm(post.normals, axis=1), 1.0, atol=1e-5)
    fn = face_normals(post)
    side = np.abs(fn[:, 1]) < 0.5
    corner_normals = post.normals[post.faces[side]]  # smooth: radial at each corner, not the face's
    assert np.abs(corner_normals[..., 1]).max() < 1e-5
    assert ((corner_normals * fn[side][:, None, :]).sum(2) < 0.9999).any()
    caps = ~side  # the caps' rims are crisp
    assert np.allclose(post.normals[post.faces[caps]], fn[caps][:, None, :], atol=1e-5)


def test_generator_returns_lods_with_uvs_and_normals_through_npz(tmp_path):
    spec = W.write("tavern stool").spec
    result = next(e for e in get_generator("procedural").generate(spec) if isinstance(e, GenerationResult))
    assert result.lods and result.info["segments"] >= 6
    for lod in (result.mesh, *result.lods):
        lod.save_npz(tmp_path / "m.npz")
        back = AssetMesh.load_npz(tmp_path / "m.npz")
        assert np.array_equal(back.uvs, lod.uvs) and np.array_equal(back.normals, lod.normals)


# --- texture kinds in specs ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "material", "kind"),
    [
        ("oak barrel", "wood", "wood"),
        ("oak barrel", "hoops", "iron"),
        ("wooden treasure chest with iron bands", "bands", "iron"),
        ("elvish sword", "grip", "leather"),
        ("elvish sword", "blade", "silver"),  # the style's metal replaces the steel
        ("rusty sword", "blade", "rusty metal"),
        ("marble statue of a lion", "fur", "marble"),  # not "fur" from its name
        ("stone pillar with cracks", None, "stone"),
    ],
)
def test_builtin_writer_records_the_texture_kind(text, material, kind):
    spec = W.write(text).spec
    kinds = {m.name: m.texture for m in spec.materials}
    assert kind in kinds.values() if material is None else kinds[material] == kind, kinds


def test_texture_kinds_follow_presets_and_words():
    from core.spec.assemble import texture_kind

    assert texture_kind("cloth") == "fabric" and texture_kind("roof tiles") == "brick"
    assert texture_kind("iron", "rusty") == "rusty metal" and texture_kind("wood", "oak") == "wood"
    assert texture_kind("bread") is None  # inferred at export from the name and PBR values
    lion = W.write("marble statue of a lion").spec
    assert "fur" not in {m.texture for m in lion.materials}


def test_decimating_a_textured_mesh_keeps_uvs_and_normals():
    """A procedural mesh without generator LODs (a job resumed from an older checkpoint) is
    decimated: each new vertex takes the UV and normal of the nearest original vertex."""
    from core.mesh.process import make_lods

    spec = spec_of(one_part("cylinder", (0.3, 0.6, 0.3), name="post"), materials=({"name": "m"},))
    mesh = mesh_of(spec)
    lods = make_lods(mesh, len(mesh.faces) // 2, 2)
    assert len(lods) == 2 and len(lods[1].faces) < len(mesh.faces)
    for lod in lods:
        assert lod.uvs is not None and lod.uvs.shape == (len(lod.vertices), 2)
        assert lod.normals is not None and np.allclose(np.linalg.norm(lod.normals, axis=1), 1.0, atol=1e-3)
        lo, hi = mesh.uvs.min(0), mesh.uvs.max(0)
        assert (lod.uvs >= lo - 1e-6).all() and (lod.uvs <= hi + 1e-6).all()
