"""Point cloud -> mesh: accuracy on known shapes (Chamfer distance), watertightness, colours
that survive GLB / PLY / FBX and baking, bad input, and the ``reconstruct`` CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import trimesh
from conftest import REPO, require_blender, validate_gltf

from core.errors import ConversionError
from core.mesh.reconstruct import MAX_POINTS, chamfer_distance, check_point_cloud, reconstruct


def _shapes():
    from core.generators import get_generator
    from core.spec.builtin import BuiltinSpecWriter

    crate = list(get_generator("procedural").generate(BuiltinSpecWriter().write("wooden crate").spec))[-1]
    return {
        "sphere": trimesh.creation.icosphere(4, radius=0.5),
        "torus": trimesh.creation.torus(0.5, 0.15),
        "crate": crate.mesh.to_trimesh(),
    }


def _sample(mesh, n=4096, seed=1):
    pts, fi = trimesh.sample.sample_surface(mesh, n, seed=seed)
    colors = (np.abs(mesh.face_normals[fi]) * 255).astype(np.uint8)  # colour by facing
    return pts, colors


@pytest.mark.parametrize("name", ["sphere", "torus", "crate"])
def test_known_shapes_come_back_watertight_and_within_one_percent(name):
    mesh = _shapes()[name]
    pts, colors = _sample(mesh)
    out = reconstruct(pts, colors)
    (g,) = out.geometries
    assert g.is_watertight and g.volume > 0
    ref = trimesh.sample.sample_surface(mesh, 20000, seed=2)[0]
    got = trimesh.sample.sample_surface(g, 20000, seed=3)[0]
    diag = np.linalg.norm(mesh.extents)
    assert chamfer_distance(ref, got) <= 0.01 * diag
    from scipy.spatial import cKDTree

    # at the cloud's scale, and no bulges: 99 % of vertices within 2 % of the diagonal
    # (sharp corners can bulge by up to the kernel width; see core/mesh/reconstruct.py)
    assert np.percentile(cKDTree(ref).query(g.vertices)[0], 99) <= 0.02 * diag
    assert np.allclose(g.bounds, mesh.bounds, atol=0.08 * mesh.extents.max())
    # each vertex carries the colour of the points around it

    _, idx = cKDTree(pts).query(g.vertices)
    err = np.abs(g.visual.vertex_colors[:, :3].astype(int) - colors[idx].astype(int)).mean()
    assert err < 40


def test_without_colours_the_mesh_is_grey():
    pts, _ = _sample(trimesh.creation.icosphere(3))
    g = reconstruct(pts).geometries[0]
    assert (g.visual.vertex_colors[:, :3] == 200).all()


@pytest.mark.parametrize(
    "points,words",
    [
        (np.full((50, 3), np.nan), "NaN"),
        (np.random.default_rng(0).random((9, 3)), "at least 10"),
        (np.c_[np.random.default_rng(0).random((500, 2)), np.zeros(500)], "flat"),
        (np.random.default_rng(0).random((50, 2)), "(N, 3)"),
        (np.broadcast_to(np.zeros(3), (20_000_001, 3)), "accepted"),
    ],
)
def test_bad_point_clouds_are_refused_with_the_reason(points, words):
    with pytest.raises(ConversionError, match=words.replace("(", r"\(").replace(")", r"\)")):
        check_point_cloud(points)


def test_huge_clouds_are_subsampled_with_a_note():
    pts = trimesh.sample.sample_surface(trimesh.creation.icosphere(3), MAX_POINTS + 5000, seed=0)[0]
    cloud, notes = check_point_cloud(pts)
    assert len(cloud.points) == MAX_POINTS and "subsampled" in notes[0]


def test_bake_puts_vertex_colours_into_a_texture():
    from core.mesh.bake import bake_vertex_colors

    pts, colors = _sample(trimesh.creation.icosphere(3, radius=0.4))
    model = reconstruct(pts, colors, grid=40)
    baked = bake_vertex_colors(model, size=512)
    (g,) = baked.geometries
    assert g.visual.kind == "texture" and g.visual.material.baseColorTexture.size == (512, 512)
    # sampling the texture at the new UVs gives back the vertex colours
    from scipy.spatial import cKDTree

    src = model.geometries[0]
    _, idx = cKDTree(src.vertices).query(g.vertices)
    back = g.visual.to_color().vertex_colors[:, :3].astype(int)
    assert np.abs(back - src.visual.vertex_colors[idx, :3].astype(int)).mean() < 12


def _ply(tmp_path, name="sphere"):
    pts, colors = _sample(_shapes()[name])
    path = tmp_path / "points.ply"
    cloud = trimesh.PointCloud(pts, colors=np.c_[colors, np.full(len(colors), 255)].astype(np.uint8))
    path.write_bytes(cloud.export(file_type="ply"))
    return path


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "core", "reconstruct", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_cli_reconstructs_a_coloured_ply_into_a_valid_glb_with_color_0(tmp_path, node_available):
    proc = _cli(_ply(tmp_path), "--out", tmp_path / "mesh.glb", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["colored"] and report["stats"]["watertight"] and report["input_points"] == 4096
    glb = tmp_path / "mesh.glb"
    assert validate_gltf(glb)[0]["numErrors"] == 0
    data = glb.read_bytes()
    doc = json.loads(data[20 : 20 + int.from_bytes(data[12:16], "little")])
    assert "COLOR_0" in doc["meshes"][0]["primitives"][0]["attributes"]


def test_cli_ply_output_keeps_vertex_colours_and_bake_gives_a_texture(tmp_path):
    ply = _ply(tmp_path, "torus")
    assert _cli(ply, "--out", tmp_path / "mesh.ply").returncode == 0
    mesh = trimesh.load(tmp_path / "mesh.ply", process=False)
    assert mesh.visual.vertex_colors[:, :3].std() > 10
    proc = _cli(ply, "--out", tmp_path / "baked.glb", "--faces", "3000", "--bake", "--json")
    assert proc.returncode == 0, proc.stderr
    baked = trimesh.load(tmp_path / "baked.glb", force="mesh")
    assert baked.visual.kind == "texture" and baked.visual.material.baseColorTexture is not None


def test_cli_fbx_keeps_vertex_colours(tmp_path):
    blender = require_blender()
    fbx = tmp_path / "mesh.fbx"
    proc = _cli(_ply(tmp_path), "--out", fbx, "--faces", "4000")
    assert proc.returncode == 0, proc.stderr
    script = ("import bpy, sys, numpy\nnumpy.bool = getattr(numpy, 'bool', numpy.bool_)\n"
              "bpy.ops.wm.read_factory_settings(use_empty=True)\nbpy.ops.import_scene.fbx(filepath=sys.argv[-1])\n"
              "m = [o for o in bpy.data.objects if o.type == 'MESH'][0].data\n"
              "print('COLOR_LAYERS', len(m.vertex_colors))\n")  # fmt: skip
    out = subprocess.run([blender, "-b", "--factory-startup", "--python-expr", script, "--", str(fbx)],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("COLOR_LAYERS"))
    assert int(line.split()[1]) >= 1, out.stdout[-2000:]


def test_cli_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.ply"
    bad.write_text("not a ply")
    proc = _cli(bad, "--out", tmp_path / "m.glb")
    assert proc.returncode == 1 and proc.stderr.startswith("error:")
    proc = _cli(_ply(tmp_path), "--out", tmp_path / "m.xyz")
    assert proc.returncode == 2 and "--out" in proc.stderr
