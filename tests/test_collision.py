"""Collision meshes: a convex hull or a convex decomposition (CoACD), written as collision.glb
(nodes ``UCX_<name>_NN``) by the export step, stored with the asset, and chosen with the
COLLISION setting or ``--collision``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import trimesh
from conftest import validate_gltf
from typer.testing import CliRunner

from core.mesh.collision import collision_meshes
from core.mesh.formats.gltf import export_collision_glb


def _archway() -> trimesh.Trimesh:
    """Two posts and a lintel, every box with its own vertices (as UV seams leave them)."""
    parts = []
    for size, offset in (((0.3, 1.5, 0.3), (-0.6, 0.75, 0)), ((0.3, 1.5, 0.3), (0.6, 0.75, 0))):
        parts.append(trimesh.creation.box(size, trimesh.transformations.translation_matrix(offset)))
    parts.append(
        trimesh.creation.box((1.5, 0.3, 0.3), trimesh.transformations.translation_matrix((0, 1.65, 0)))
    )
    mesh = trimesh.util.concatenate(parts)
    mesh.unmerge_vertices()
    return mesh


def _depth(convex: trimesh.Trimesh, points: np.ndarray) -> np.ndarray:
    """How far inside ``convex`` each point is (metres; negative: outside)."""
    planes = np.einsum("fk,fk->f", convex.face_normals, convex.triangles[:, 0])
    return np.min(planes[None, :] - points @ convex.face_normals.T, axis=1)


def test_hull_is_one_closed_convex_piece_around_every_vertex():
    arch = _archway()
    [hull] = collision_meshes(arch.vertices, arch.faces, "hull")
    assert hull.is_watertight and hull.is_convex and hull.volume > 0
    assert np.allclose(hull.bounds, arch.bounds)
    assert _depth(hull, arch.vertices).min() > -1e-6  # every vertex inside or on the hull


def test_decomposition_keeps_the_archway_open():
    arch = _archway()
    pieces = collision_meshes(arch.vertices, arch.faces, "decomposition", seed=1)
    assert len(pieces) >= 2
    for piece in pieces:
        assert piece.is_watertight and piece.is_convex and piece.volume > 0
    # the opening under the lintel is not filled: its centre lies outside every piece
    centre = np.array([[0.0, 0.6, 0.0]])
    assert all(_depth(p, centre)[0] < 0 for p in pieces)


def test_none_flat_and_unknown_modes():
    arch = _archway()
    assert collision_meshes(arch.vertices, arch.faces, "none") == []
    plane = trimesh.creation.box((1, 1, 1))
    plane.vertices[:, 1] = 0.0
    with pytest.raises(ValueError, match="flat"):
        collision_meshes(plane.vertices, plane.faces, "hull")
    with pytest.raises(ValueError, match="hull, decomposition"):
        collision_meshes(arch.vertices, arch.faces, "spheres")


def test_collision_glb_names_its_pieces_for_unreal_and_is_khronos_valid(tmp_path):
    arch = _archway()
    pieces = collision_meshes(arch.vertices, arch.faces, "decomposition")
    path = export_collision_glb(pieces, tmp_path / "collision.glb", "Archway")
    [report] = validate_gltf(path)
    assert report["numErrors"] == 0 and report["numWarnings"] == 0, report
    scene = trimesh.load(path)
    names = sorted(scene.graph.nodes_geometry)
    assert names == [f"UCX_Archway_{i:02d}" for i in range(len(pieces))]
    with pytest.raises(ValueError):
        export_collision_glb([], tmp_path / "none.glb")


@pytest.mark.parametrize("mode", ["hull", "none"])
def test_the_export_step_writes_and_stores_collision_glb(isolated_settings, configure, mode):
    from core.jobs.pipeline import Job
    from core.jobs.request import JobRequest

    configure(collision=mode, texture_size=512)
    job = Job.create(JobRequest("wooden crate", formats=["glb"]), asset_dir=isolated_settings / "assets")
    list(job.run())
    assert job.result().status == "done"
    export = job.cp.steps["export"]
    folder = isolated_settings / "assets" / job.cp.asset_id
    meta = json.loads((folder / "metadata.json").read_text())
    if mode == "none":
        assert export.info["collision"] == {"mode": "none", "pieces": 0}
        assert not (folder / "collision.glb").exists() and "collision.glb" not in meta["files"]
        return
    assert export.info["collision"] == {"mode": "hull", "pieces": 1, "file": "exports/collision.glb"}
    assert "exports/collision.glb" in export.outputs
    assert meta["files"]["collision.glb"]["content_type"] == "model/gltf-binary"
    [hull] = trimesh.load(folder / "collision.glb").geometry.values()
    assert hull.is_convex and hull.is_watertight
    model = trimesh.load(folder / "model.glb", force="mesh")
    assert np.allclose(hull.bounds, model.bounds, atol=1e-5)


def test_cli_collision_and_texture_size_options(tmp_path):
    from core.cli import app

    out = tmp_path / "out"
    run = CliRunner().invoke
    args = ["generate", "anvil", "--formats", "glb", "--out", str(out), "--json"]
    res = run(app, [*args, "--collision", "decomposition", "--texture-size", "512"], catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    [result] = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    scene = trimesh.load(out / result["asset_id"] / "collision.glb")
    assert len(scene.geometry) >= 1
    assert all(name.startswith("UCX_") for name in scene.graph.nodes_geometry)
    bad = run(app, [*args, "--collision", "spheres"])
    assert bad.exit_code == 2 and "--collision must be one of none, hull, decomposition" in bad.stderr
    bad = run(app, [*args, "--texture-size", "300"])
    assert bad.exit_code == 2 and "--texture-size" in bad.stderr
