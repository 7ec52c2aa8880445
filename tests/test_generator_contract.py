"""The contract every generator backend keeps, run for each of them (remote ones against
their loopback service): progress then exactly one result, a real non-empty model, JSON
info, cancellation, availability with a reason, and a full job to a valid GLB."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.errors import JobCancelled
from core.generators import GENERATORS, get_generator
from core.generators.base import CancelToken, GenerationContext, GenerationResult, Progress
from core.spec.builtin import BuiltinSpecWriter


@pytest.fixture
def spec():
    return BuiltinSpecWriter().write("iron shield with a gold rim").spec


def _model(result: GenerationResult):
    from core.mesh.textured import TexturedMesh

    assert (result.mesh is None) != (result.file is None), "exactly one of mesh / file"
    return result.mesh if result.mesh is not None else TexturedMesh.load_glb(result.file)


def test_every_backend_is_in_the_contract_suite():
    assert set(GENERATORS.names()) == {"procedural", "meshy", "tripo", "shap_e", "point_e"}


def test_progress_then_one_real_model(any_backend, spec, tmp_path):
    events = list(
        get_generator(any_backend).generate(spec, seed=7, context=GenerationContext(workdir=tmp_path))
    )
    *progress, last = events
    assert isinstance(last, GenerationResult)
    assert progress and all(isinstance(p, Progress) for p in progress)
    assert all(0.0 <= p.fraction <= 1.0 and p.message for p in progress)
    model = _model(last)
    assert len(model.faces) > 10 and np.isfinite(model.vertices).all()
    assert np.ptp(model.vertices, axis=0).min() > 0  # a solid, not a flat or empty placeholder
    json.dumps(last.info)  # info goes into the checkpoint


def test_cancelled_before_start_raises(any_backend, spec, tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        list(
            get_generator(any_backend).generate(
                spec, cancel=token, context=GenerationContext(workdir=tmp_path)
            )
        )


def test_availability_and_requirements(any_backend):
    cls = GENERATORS.get(any_backend)
    assert cls.availability().ok
    req = cls.requirements()
    assert isinstance(req.env, tuple) and isinstance(cls.label, str) and cls.label
    if cls.remote:
        assert req.env and req.install_hint
    if any_backend in ("shap_e", "point_e"):
        assert "torch" in req.packages and "requirements-ml.txt" in req.install_hint


def test_a_full_job_gives_a_valid_glb_and_thumbnail(any_backend, tmp_path, node_available):
    from conftest import validate_gltf

    from core.jobs.pipeline import Job, run_to_completion

    job = Job.create(
        "iron shield with a gold rim", asset_dir=tmp_path / "assets", backend=any_backend, formats=["glb"]
    )
    result = run_to_completion(job)
    assert result["status"] == "done" and result["backend"] == any_backend
    report = validate_gltf(result["files"]["glb"])[0]
    assert report["numErrors"] == 0, report
    assert (job.folder / "thumbnail.png").stat().st_size > 1000
