"""Topology as a slicer or an engine sees it: every LOD of every shared prompt, made by the
procedural generator and the job's process step, is watertight after welding coincident
vertices, with no edge shared by more than two faces, and within its triangle budget."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_prompts

from core.jobs.checkpoint import Checkpoint
from core.jobs.pipeline import Job
from core.jobs.request import JobRequest
from core.mesh.asset_mesh import AssetMesh
from core.mesh.process import load_model, mesh_stats
from core.mesh.topology import topology_report
from core.spec.builtin import BuiltinSpecWriter
from core.spec.model import PBRMaterial

W = BuiltinSpecWriter()


def processed_lods(prompt: str, assets, polycount: int | None = None) -> tuple[Checkpoint, list]:
    """Run a job on ``prompt`` up to its process step; its checkpoint and LOD meshes."""
    spec = W.write(prompt).spec
    if polycount is not None:
        spec.technical.target_polycount = polycount
    job = Job.create(JobRequest(prompt, spec=spec, formats=["glb"]), asset_dir=assets)
    run = job.run()
    for event in run:
        if event.step == "process" and event.kind == "done":
            break
    run.close()
    cp = Checkpoint.load(job.folder)
    return cp, [load_model(job.folder / name) for name in cp.steps["process"].outputs]


def check_lods(cp: Checkpoint, lods: list, label: str) -> list[tuple]:
    """Assert the topology and budget of one job's LODs; one (faces, watertight, edges > 2)
    row per LOD."""
    generated, processed = cp.steps["generate"].info, cp.steps["process"].info
    assert generated["raw_lods"] is not None, label  # the generator's LODs, not a decimator's
    rows = []
    for i, lod in enumerate(lods):
        rep = topology_report(lod.vertices, lod.faces)
        rows.append((len(lod.faces), rep.watertight, rep.non_manifold_edges))
        assert rep.watertight and rep.non_manifold_edges == 0, (label, i, rep)
        assert lod.uvs is not None and lod.normals is not None, (label, i)
        if i:
            assert len(lod.faces) <= 0.85 * rows[i - 1][0], (label, rows)
    assert processed["lod_faces"] == [r[0] for r in rows]
    stats = processed["stats"]
    assert stats["watertight"] and stats["non_manifold_edges"] == 0 and stats["boundary_edges"] == 0
    return rows


def test_every_lod_of_every_shared_prompt_is_watertight_after_welding(isolated_settings):
    assets = isolated_settings / "assets"
    table = {}
    for prompt in shared_prompts():
        cp, lods = processed_lods(prompt, assets)
        spec_lods = W.write(prompt).spec.technical
        assert 1 <= len(lods) <= spec_lods.lod_count
        assert len(lods[0].faces) <= spec_lods.target_polycount, prompt
        table[prompt] = check_lods(cp, lods, prompt)
    assert len(table) == 40
    assert sum(len(rows) for rows in table.values()) >= 100  # most prompts get all three LODs


@pytest.mark.parametrize("polycount", [2000, 600])
def test_oak_barrel_at_a_small_budget_has_no_pinched_sheets(isolated_settings, polycount):
    cp, lods = processed_lods("oak barrel", isolated_settings / "assets", polycount)
    rows = check_lods(cp, lods, f"oak barrel at {polycount}")
    assert rows[0][0] <= polycount and len(rows) >= 2


def _cube(offset=(0.0, 0.0, 0.0)) -> tuple[np.ndarray, np.ndarray]:
    import trimesh

    box = trimesh.creation.box(extents=(1, 1, 1))
    return np.asarray(box.vertices) + offset, np.asarray(box.faces)


def _mesh(vertices, faces) -> AssetMesh:
    return AssetMesh(vertices, faces, np.zeros(len(faces)), [PBRMaterial(name="m")])


def test_stats_count_watertight_after_welding():
    v, f = _cube()
    split = v[f].reshape(-1, 3)  # every face with its own corners, as UV seams leave them
    stats = mesh_stats(_mesh(split, np.arange(len(split)).reshape(-1, 3)))
    assert stats.watertight and stats.volume_m3 == pytest.approx(1.0)
    v2, f2 = _cube((1.0, 1.0, 0.0))  # a second cube touching the first along an edge: pinched
    pinched = mesh_stats(_mesh(np.vstack([v, v2]), np.vstack([f, f2 + len(v)])))
    assert not pinched.watertight and pinched.non_manifold_edges == 1 and pinched.volume_m3 is None
    opened = mesh_stats(_mesh(v, f[1:]))
    assert not opened.watertight and opened.boundary_edges == 3


def test_a_budget_the_parts_cannot_meet_is_said_not_pinched(isolated_settings):
    """Parts that need more triangles than the budget even with the fewest sides give a sound
    LOD0 over the budget, and the result says so (the CLI, the Generate page and the gallery
    show ``JobResult.warnings``)."""
    from core.jobs.pipeline import run_to_completion

    spec = W.write("barbed wire fence").spec
    spec.technical.target_polycount = 200
    job = Job.create(JobRequest("barbed wire fence", spec=spec, formats=["glb"]), asset_dir=isolated_settings)
    result = run_to_completion(job)
    assert result.status == "done" and result.stats.faces > 200
    assert result.stats.watertight and result.stats.non_manifold_edges == 0
    (warning,) = [w for w in result.warnings if "over the budget of 200" in w]
    assert f"{result.stats.faces:,} triangles" in warning and "Raise the polycount" in warning
    fine = run_to_completion(
        Job.create(JobRequest("barbed wire fence", formats=["glb"]), asset_dir=isolated_settings)
    )
    assert not any("budget" in w for w in fine.warnings)
