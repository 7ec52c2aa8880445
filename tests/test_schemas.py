"""The published JSON Schema of ``metadata.json`` (docs/metadata.schema.json): it is the
model's schema, real metadata validates against it, and version 1 metadata still reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO

from core.jobs.pipeline import Job, run_to_completion
from core.jobs.request import JobRequest
from core.schemas import METADATA_SCHEMA_VERSION, AssetMetadata

SCHEMA_FILE = REPO / "docs" / "metadata.schema.json"
REGENERATE = (
    '.venv/bin/python -c "import json; from core.schemas import AssetMetadata; '
    "open('docs/metadata.schema.json', 'w').write(json.dumps(AssetMetadata.model_json_schema(), indent=2) + '\\n')\""
)


def validate(instance: dict) -> None:
    """Check ``instance`` against docs/metadata.schema.json (jsonschema when installed, else
    the model itself, whose schema the file is)."""
    try:
        import jsonschema
    except ImportError:
        AssetMetadata.model_validate(instance)
        return
    jsonschema.validate(instance, json.loads(SCHEMA_FILE.read_text()))


def test_the_schema_file_is_the_models_schema():
    assert json.loads(SCHEMA_FILE.read_text()) == AssetMetadata.model_json_schema(), (
        f"docs/metadata.schema.json is out of date; regenerate it with: {REGENERATE}"
    )


@pytest.fixture
def metadata(isolated_settings) -> dict:
    """The metadata.json a real procedural job stored."""
    assets = isolated_settings / "assets"
    result = run_to_completion(Job.create(JobRequest("oak barrel", formats=["glb", "obj"]), asset_dir=assets))
    return json.loads((assets / result.asset_id / "metadata.json").read_text())


def test_stored_metadata_validates_against_the_schema(metadata):
    validate(metadata)
    meta = AssetMetadata.model_validate(metadata)
    assert meta.schema_version == METADATA_SCHEMA_VERSION == 2
    assert meta.stats.watertight and meta.stats.faces > 0 and not meta.costs
    assert meta.files["model.glb"].content_type == "model/gltf-binary"
    assert meta.files["model.mtl"].content_type == "model/mtl"
    assert meta.files["thumbnail.png"].content_type == "image/png"
    assert meta.formats == {"glb": "model.glb", "obj": "model.obj"}


def test_schema_refuses_a_mistyped_field(metadata):
    jsonschema = pytest.importorskip("jsonschema")

    metadata["stats"]["faces"] = "many"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(metadata, json.loads(SCHEMA_FILE.read_text()))


def test_version_1_metadata_with_flat_costs_still_reads(metadata, isolated_settings):
    from core.jobs.results import asset_result
    from core.storage import open_store

    v1 = {**metadata, "schema_version": 1, "costs": {"meshy_credits": 30, "concept_images_usd": 0.08}}
    meta = AssetMetadata.model_validate(v1)
    assert meta.costs.credits == {"meshy": 30} and meta.costs.usd == {"concept_images": 0.08}
    result = asset_result(open_store(root=isolated_settings / "assets"), v1)
    assert result.costs.summary() == "30 meshy credits, $0.08 concept images"
    assert Path(result.files["glb"]).is_file() and result.stats == meta.stats
