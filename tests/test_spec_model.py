"""The AssetSpec model: validation, clear errors, JSON Schema."""

from __future__ import annotations

import json

import pytest

from core.errors import SpecError
from core.spec.io import dump_spec, parse_spec
from core.spec.model import MAX_PARTS, AssetSpec, spec_json_schema


def minimal(**over) -> dict:
    data = {
        "name": "Test Crate",
        "short_description": "a crate",
        "dimensions": {"width": 1, "height": 1, "depth": 1},
        "materials": [{"name": "wood", "base_color": "#8B5A2B"}],
        "parts": [{"name": "body", "primitive": "box", "size": [1, 1, 1], "material": "wood"}],
    }
    data.update(over)
    return data


def test_minimal_spec_gets_defaults():
    spec = parse_spec(minimal())
    assert spec.schema_version == 1
    assert spec.technical.up_axis == "+Y" and spec.technical.pivot == "base_center"
    assert [f.value for f in spec.technical.export_formats] == ["glb", "obj", "stl"]
    assert spec.materials[0].base_color == "#8b5a2b"  # normalised to lower case


def test_round_trip_json():
    spec = parse_spec(minimal())
    assert parse_spec(dump_spec(spec)) == spec


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"dimensions": {"width": -1, "height": 1, "depth": 1}}, "dimensions.width", "greater than 0"),
        (
            {"dimensions": {"width": 1e9, "height": 1, "depth": 1}},
            "dimensions.width",
            "less than or equal to 500",
        ),
        ({"dimensions": {"width": 0.0001, "height": 1, "depth": 1}}, "dimensions.width", "at least 0.001"),
        (
            {"parts": [{"name": "b", "primitive": "blob", "size": [1, 1, 1], "material": "wood"}]},
            "parts.0.primitive",
            "'box'",
        ),
        (
            {"parts": [{"name": "b", "primitive": "box", "size": [1, 1, 1], "material": "gold"}]},
            "parts.0.material",
            "not a material",
        ),
        ({"materials": [{"name": "wood", "base_color": "red"}]}, "materials.0.base_color", "#RRGGBB"),
        ({"name": "   "}, "name", "blank"),
        ({"schema_version": 7}, "schema_version", "1"),
        ({"unknown_field": 1}, "unknown_field", "Extra inputs"),
    ],
)
def test_errors_name_the_field_and_what_is_allowed(override, field, words):
    with pytest.raises(SpecError) as err:
        parse_spec(minimal(**override))
    assert field in str(err.value) and words in str(err.value)


def test_ten_thousand_parts_rejected_with_the_limit():
    part = {"name": "p", "primitive": "box", "size": [0.1, 0.1, 0.1], "material": "wood"}
    with pytest.raises(SpecError) as err:
        parse_spec(minimal(parts=[part] * 10_000))
    assert f"at most {MAX_PARTS}" in str(err.value)


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '{"name": "x"'])
def test_non_object_or_broken_json(text):
    with pytest.raises(SpecError):
        parse_spec(text)


def test_json_schema_is_exported_and_complete():
    schema = spec_json_schema()
    json.dumps(schema)
    for key in ("name", "dimensions", "materials", "parts", "gameplay", "technical", "schema_version"):
        assert key in schema["properties"]
    assert "Primitive" in schema["$defs"]


def test_assignment_is_validated():
    spec = parse_spec(minimal())
    with pytest.raises(ValueError):
        spec.dimensions.height = -3
    assert isinstance(spec, AssetSpec)


@pytest.mark.parametrize(
    "override",
    [
        {
            "parts": [
                {
                    "name": "b",
                    "primitive": "box",
                    "size": [1, 1, 1],
                    "material": "wood",
                    "position": [0, float("nan"), 0],
                }
            ]
        },
        {
            "parts": [
                {
                    "name": "b",
                    "primitive": "box",
                    "size": [1, 1, 1],
                    "material": "wood",
                    "rotation": [float("inf"), 0, 0],
                }
            ]
        },
        {"gameplay": {"stats": {"damage": float("nan")}}},
        {"gameplay": {"stats": {"damage": float("-inf")}}},
    ],
)
def test_nan_and_infinity_are_refused_at_validation(override):
    with pytest.raises(SpecError, match="finite number"):
        parse_spec(minimal(**override))
    text = json.dumps(minimal(**override))  # NaN / Infinity literals in spec.json too
    with pytest.raises(SpecError, match="finite number"):
        parse_spec(text)


def test_nan_assignment_is_refused():
    spec = parse_spec(minimal())
    with pytest.raises(ValueError):
        spec.parts[0].position = (0.0, float("nan"), 0.0)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("[" * 10_000 + "]" * 10_000, "recursion limit"),
        (b"\xff\xfe{}", "not UTF-8"),
        ("x" * (2 * 1024 * 1024), "larger than"),
        ('{"name": "\ud800"}', "JSON"),
    ],
)
def test_unparseable_spec_text_is_a_spec_error(data, words):
    with pytest.raises(SpecError, match=words):
        parse_spec(data)


def test_read_spec_file_names_the_file(tmp_path):
    from core.spec.io import read_spec_file

    path = tmp_path / "spec.json"
    path.write_bytes(b"\xff")
    with pytest.raises(SpecError, match=r"spec\.json.*not UTF-8"):
        read_spec_file(path)
    with pytest.raises(SpecError, match="Cannot read"):
        read_spec_file(tmp_path / "missing.json")
    path.write_text(dump_spec(parse_spec(minimal())))
    assert read_spec_file(path).name == "Test Crate"
