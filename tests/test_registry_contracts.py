"""The contract every registered entry keeps, one suite per registry, each parametrised from
``REGISTRY.names()`` (as fsspec tests its registry): registering a generator, spec writer,
spec editor, job runner, store or export format is what puts it under test.

Real parts on loopback, no mocks: the fake Meshy and Tripo services, a tiny Shap-E pipeline
and the Point-E stand-in (tests/conftest.py), a scripted OpenAI-compatible server for
litellm, Redis with an in-process Celery worker, moto for S3. A fixture named
``<kind>_<name>`` in this file makes that entry ready here; an entry without one is tested
as installed (and, where it cannot run, must say why).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.errors import BackendUnavailable, JobCancelled, UnknownBackendError, UnknownNameError
from core.formats import FORMATS
from core.generators import GENERATORS, get_generator
from core.generators.base import CancelToken, GenerationContext, GenerationResult, Progress
from core.jobs.runner import RUNNERS, JobRunner, runner_for
from core.mesh.formats import EXPORTERS
from core.spec.builtin import BuiltinSpecWriter
from core.spec.edits import EDITORS, EditProposal, SpecEditor, apply_patch, get_editor
from core.spec.model import AssetSpec
from core.spec.writers import WRITERS, SpecWriter, get_writer
from core.storage import STORES
from core.types import Availability

REGISTRIES = {
    "generator": GENERATORS,
    "writer": WRITERS,
    "editor": EDITORS,
    "runner": RUNNERS,
    "store": STORES,
    "format": EXPORTERS,
}
# registries of classes that say what they are and whether they can run here
DESCRIBED = ("generator", "writer", "editor", "runner")
LLM_MODEL = "contract"  # the scripted model of the loopback LLM server


def entries(*kinds: str) -> list:
    return [
        pytest.param(kind, name, id=f"{kind}-{name}")
        for kind in kinds or REGISTRIES
        for name in REGISTRIES[kind].names()
    ]


def ready(request, kind: str, name: str) -> None:
    """Set up entry ``name`` of registry ``kind`` with this file's ``<kind>_<name>`` fixture,
    if it has one (a fake service, a tiny model, a broker)."""
    if f"{kind}_{name}" in globals():
        request.getfixturevalue(f"{kind}_{name}")


def sword() -> AssetSpec:
    return BuiltinSpecWriter().write("elvish sword").spec


# --- what makes entries ready here ---------------------------------------------------------------
@pytest.fixture
def generator_meshy(meshy):
    return meshy


@pytest.fixture
def generator_tripo(tripo):
    return tripo


@pytest.fixture
def generator_shap_e(shap_e):
    return shap_e


@pytest.fixture
def generator_point_e(point_e):
    return point_e


@pytest.fixture
def writer_litellm(fake_llm, good_spec_json, configure):
    fake_llm.script[LLM_MODEL] = [(200, good_spec_json)]
    configure(llm_models=[f"openai/{LLM_MODEL}"])
    return fake_llm


@pytest.fixture
def editor_litellm(fake_llm, configure):
    taller = sword().dimensions.height * 2
    patch = [{"op": "replace", "path": "/dimensions/height", "value": taller}]
    fake_llm.script[LLM_MODEL] = [(200, json.dumps({"patch": patch}))]
    configure(llm_models=[f"openai/{LLM_MODEL}"])
    return fake_llm


@pytest.fixture
def runner_celery(tmp_path, configure):
    from celery.contrib.testing.worker import start_worker
    from test_celery import RedisServer

    from core.jobs.celery_app import celery_app

    server = RedisServer(tmp_path / "redis").start()
    settings = configure(job_runner="celery", celery_broker_url=server.url, celery_visibility_timeout_s=5)
    try:
        with start_worker(celery_app(settings), perform_ping_check=False, loglevel="WARNING"):
            yield server
    finally:
        server.kill()
        celery_app.cache_clear()


@pytest.fixture
def store_s3(s3_env):
    return s3_env


# --- every registry --------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "name"), entries())
def test_an_entry_loads_or_says_what_to_install(kind, name):
    try:
        REGISTRIES[kind].get(name)
    except BackendUnavailable as e:
        assert e.hint, f"{kind} {name}: BackendUnavailable without a hint"


@pytest.mark.parametrize("kind", list(REGISTRIES))
def test_unknown_names_raise_the_registrys_error_listing_the_known_ones(kind):
    registry = REGISTRIES[kind]
    assert issubclass(registry.unknown_error, UnknownNameError)
    with pytest.raises(registry.unknown_error) as err:
        registry.get("no-such-entry")
    assert all(name in str(err.value) for name in registry.names())
    assert "no-such-entry" not in registry


def test_backends_writers_editors_and_runners_raise_unknown_backend():
    for kind in DESCRIBED:
        assert REGISTRIES[kind].unknown_error is UnknownBackendError


@pytest.mark.parametrize(("kind", "name"), entries(*DESCRIBED))
def test_an_entry_has_a_label_and_says_whether_it_can_run(kind, name):
    cls = REGISTRIES[kind].get(name)
    assert cls.name == name
    assert isinstance(cls.label, str) and cls.label.strip()
    avail = cls.availability()
    assert isinstance(avail, Availability)
    assert avail.ok or avail.reason, f"{kind} {name} cannot run and does not say why"


# --- generators ------------------------------------------------------------------------------
@pytest.fixture(params=GENERATORS.names())
def backend(request):
    ready(request, "generator", request.param)
    return request.param


def _model(result: GenerationResult):
    from core.mesh.textured import TexturedMesh

    assert (result.mesh is None) != (result.file is None), "exactly one of mesh / file"
    return result.mesh if result.mesh is not None else TexturedMesh.load_glb(result.file)


def test_progress_then_one_real_model(backend, tmp_path):
    events = list(
        get_generator(backend).generate(sword(), seed=7, context=GenerationContext(workdir=tmp_path))
    )
    *progress, last = events
    assert isinstance(last, GenerationResult)
    assert progress and all(isinstance(p, Progress) for p in progress)
    assert all(0.0 <= p.fraction <= 1.0 and p.message for p in progress)
    model = _model(last)
    assert len(model.faces) > 10 and np.isfinite(model.vertices).all()
    assert np.ptp(model.vertices, axis=0).min() > 0  # a solid, not a flat or empty placeholder
    json.dumps(last.info)  # info goes into the checkpoint


def test_cancelled_before_start_raises(backend, tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        list(
            get_generator(backend).generate(
                sword(), cancel=token, context=GenerationContext(workdir=tmp_path)
            )
        )


def test_requirements_and_info_describe_the_backend(backend):
    from core.backends import backend_info

    cls = GENERATORS.get(backend)
    req = cls.requirements()
    assert isinstance(req.env, tuple) and isinstance(req.packages, tuple)
    if req.env or req.packages:
        assert req.install_hint  # what to set or install
    info = backend_info(backend)
    assert info == cls.info() and info.name == backend and info.label == cls.label
    assert (info.sampling, info.image, info.remote) == (cls.uses_seed, cls.accepts_image, cls.remote)
    assert info.needs_key == bool(req.env) and info.needs_gpu == req.gpu
    assert info.available and cls.availability().ok  # made ready above
    assert not info.test_mode  # the fake services take real-looking keys


def test_a_full_job_gives_a_valid_glb_and_thumbnail(backend, tmp_path, node_available):
    from conftest import validate_gltf

    from core.jobs.pipeline import Job, run_to_completion
    from core.jobs.request import JobRequest

    request = JobRequest("iron shield with a gold rim", backend=backend, formats=["glb"])
    job = Job.create(request, asset_dir=tmp_path / "assets")
    result = run_to_completion(job)
    assert result.status == "done" and result.backend == backend
    report = validate_gltf(result.files["glb"])[0]
    assert report["numErrors"] == 0, report
    assert (job.folder / "thumbnail.png").stat().st_size > 1000


# --- spec writers ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", WRITERS.names())
def test_a_ready_writer_writes_a_valid_spec(request, name):
    ready(request, "writer", name)
    if not WRITERS.get(name).availability().ok:
        pytest.skip(f"spec writer {name} cannot run here and has no fixture to make it ready")
    writer = get_writer(name)
    assert isinstance(writer, SpecWriter)
    result = writer.write("a sturdy wooden chair")
    assert result.writer == name and isinstance(result.spec, AssetSpec)
    assert AssetSpec.model_validate(result.spec.model_dump(mode="json")) == result.spec
    assert result.spec.parts and result.spec.materials


# --- spec editors ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", EDITORS.names())
def test_a_ready_editor_proposes_a_simple_edit(request, name):
    ready(request, "editor", name)
    if not EDITORS.get(name).availability().ok:
        pytest.skip(f"spec editor {name} cannot run here and has no fixture to make it ready")
    spec = sword()
    editor = get_editor(name)
    assert isinstance(editor, SpecEditor)
    proposal = editor.propose(spec, "make it twice as tall")
    assert isinstance(proposal, EditProposal) and proposal.editor == name
    assert proposal.spec.dimensions.height == pytest.approx(spec.dimensions.height * 2, rel=1e-3)
    assert proposal.patch and proposal.changes
    assert apply_patch(spec, proposal.patch) == proposal.spec
    assert spec == sword()  # the spec itself is untouched


# --- job runners -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", RUNNERS.names())
def test_a_runner_runs_a_tiny_job_to_done(request, name, configure):
    from core.jobs.pipeline import Job
    from core.jobs.request import JobRequest

    ready(request, "runner", name)
    settings = configure(job_runner=name)
    runner = runner_for(settings)
    assert isinstance(runner, JobRunner) and runner.name == name
    job = Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=settings.asset_dir, settings=settings)
    assert runner.submit(job) == job.job_id
    snap = runner.wait(job.job_id, timeout=120)
    assert snap.status == "done", (snap.status, snap.error)
    assert snap.fraction == 1.0 and snap.asset_id == job.cp.asset_id
    assert not runner.cancel(job.job_id)  # nothing left to cancel


# --- asset stores ----------------------------------------------------------------------------
def _tiny_asset(folder, asset_id: str) -> dict:
    from core.schemas import AssetMetadata, MeshStats
    from core.types import now

    folder.mkdir(parents=True)
    meta = AssetMetadata(
        asset_id=asset_id,
        name="Contract crate",
        category="prop",
        created_at=now(),
        backend="procedural",
        stats=MeshStats(vertices=8, faces=12, watertight=True, size_m=(1.0, 1.0, 1.0)),
    )
    (folder / "metadata.json").write_text(meta.model_dump_json(), encoding="utf-8")
    (folder / "model.glb").write_bytes(b"glTF" + bytes(range(60)))
    return {"metadata.json": folder / "metadata.json", "model.glb": folder / "model.glb"}


def _asset_id(meta) -> str:
    return meta["asset_id"] if isinstance(meta, dict) else meta.asset_id


@pytest.mark.parametrize("name", STORES.names())
def test_a_store_publishes_lists_reads_and_deletes_an_asset(request, name, tmp_path):
    from core.storage import open_store

    ready(request, "store", name)
    store = open_store(name, tmp_path / "assets")
    assert store.name == name and store.location()
    asset_id = "contract-crate-0001"
    files = _tiny_asset(tmp_path / "upload", asset_id)
    assert not store.has_asset(asset_id)
    store.put_asset(asset_id, files)
    assert store.has_asset(asset_id)
    assert [_asset_id(m) for m in store.list_assets()] == [asset_id]
    assert _asset_id(store.get_metadata(asset_id)) == asset_id
    assert store.local_path(asset_id, "model.glb").read_bytes() == files["model.glb"].read_bytes()
    store.delete_asset(asset_id)
    assert not store.has_asset(asset_id) and store.list_assets() == []


# --- export formats --------------------------------------------------------------------------
@pytest.mark.parametrize("name", EXPORTERS.names())
def test_an_exporter_writes_a_file_that_opens_again(name, tmp_path):
    import trimesh

    assert name in FORMATS, f"export format {name} has no row in core.formats.FORMATS"
    export = EXPORTERS.get(name)
    assert callable(export)
    info = FORMATS[name]
    if info.needs_blender:
        pytest.skip(f"{name} is converted by Blender (tests/test_export_formats.py covers it)")
    mesh = list(get_generator("procedural").generate(sword()))[-1].mesh
    written = export(mesh, tmp_path / f"model{info.extension}")
    main = written[0]
    assert main.suffix == info.extension and main.stat().st_size > 0
    assert all(p.is_file() for p in written)
    if name == "usdz":  # trimesh reads no USD: open it with usd-core
        from pxr import Usd, UsdGeom

        stage = Usd.Stage.Open(str(main))
        points = np.vstack(
            [
                np.asarray(UsdGeom.Mesh(p).GetPointsAttr().Get())
                for p in stage.Traverse()
                if p.IsA(UsdGeom.Mesh)
            ]
        )
        counts = sum(
            len(UsdGeom.Mesh(p).GetFaceVertexCountsAttr().Get())
            for p in stage.Traverse()
            if p.IsA(UsdGeom.Mesh)
        )
        assert counts > 10 and np.ptp(points, axis=0).min() > 0
        return
    again = trimesh.load(main, force="mesh")
    assert len(again.faces) > 10 and np.ptp(again.vertices, axis=0).min() > 0


# --- the catalogue the pages read ------------------------------------------------------------
def test_the_catalogue_lists_every_backend_and_rejects_unknown_names():
    from core.backends import backend_info, list_backends

    assert [i.name for i in list_backends()] == GENERATORS.names()
    with pytest.raises(UnknownBackendError, match="procedural"):
        backend_info("no-such-backend")


def test_a_test_key_is_a_capability_not_a_phrase(configure):
    from core.backends import backend_info

    assert not backend_info("meshy").test_mode
    configure(meshy_test_mode=True)
    info = backend_info("meshy")
    assert info.test_mode and info.available and "test mode" in info.reason


def test_the_capability_report_covers_writers_generators_and_formats():
    from core.backends import CapabilityRow, capability_report

    rows = capability_report()
    assert all(isinstance(r, CapabilityRow) and r.reason for r in rows)
    names = {kind: [r.name for r in rows if r.kind == kind] for kind in ("writer", "generator", "format")}
    assert names == {
        "writer": WRITERS.names(),
        "generator": GENERATORS.names(),
        "format": list(FORMATS),
    }
    procedural = next(r for r in rows if r.name == "procedural")
    assert procedural.available and procedural.reason == "ready"
