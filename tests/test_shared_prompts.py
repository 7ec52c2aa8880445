"""All 40 shared prompts, end to end on embedded defaults: valid GLBs, fitting archetypes."""

from __future__ import annotations

from pathlib import Path

from conftest import shared_prompts, validate_gltf

from core.jobs.pipeline import Job, run_to_completion
from core.jobs.request import JobRequest


def test_every_shared_prompt_becomes_a_valid_glb(isolated_settings):
    assets = isolated_settings / "assets"
    results = [
        run_to_completion(Job.create(JobRequest(p, formats=["glb"]), asset_dir=assets))
        for p in shared_prompts()
    ]
    assert all(r.status == "done" for r in results)
    assert all(r.archetype != "generic" for r in results)
    assert all(r.stats.watertight for r in results)
    reports = validate_gltf(*(Path(r.files["glb"]) for r in results))
    bad = [r for r in reports if r["numErrors"]]
    assert not bad, bad
