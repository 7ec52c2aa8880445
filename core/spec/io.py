"""Parsing and serialising specs with errors a person can act on."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from core.errors import SpecError
from core.spec.model import AssetSpec


def format_validation_error(error: ValidationError, limit: int = 8) -> str:
    """Turn a pydantic error into lines ``field.path: what is wrong and what is allowed``."""
    lines = []
    for item in error.errors()[:limit]:
        loc = ".".join(str(p) for p in item["loc"]) or "spec"
        msg = item["msg"].removeprefix("Value error, ")
        lines.append(f"{loc}: {msg}")
    extra = len(error.errors()) - limit
    if extra > 0:
        lines.append(f"... and {extra} more problem(s)")
    return "; ".join(lines)


def parse_spec(data: str | bytes | dict[str, Any]) -> AssetSpec:
    """Validate ``data`` (JSON text or a dict) into an :class:`AssetSpec`.

    Raises
    ------
    SpecError
        Not JSON, not an object, or a field out of its allowed range; the message names the field.
    """
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as e:
            raise SpecError(
                f"The spec is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}).",
                "Fix the JSON syntax and try again.",
            ) from e
    if not isinstance(data, dict):
        raise SpecError(
            f"The spec must be a JSON object, got {type(data).__name__}.",
            "Wrap the fields in { ... }.",
        )
    try:
        return AssetSpec.model_validate(data)
    except ValidationError as e:
        raise SpecError(f"Invalid spec: {format_validation_error(e)}") from e


def dump_spec(spec: AssetSpec) -> str:
    """The spec as pretty JSON text (enums as their values)."""
    return spec.model_dump_json(indent=2)


def field_errors(data: dict[str, Any]) -> tuple[AssetSpec | None, dict[str, str]]:
    """Validate ``data``; returns (spec, {}) or (None, {"dimensions.height": "message", ...})
    so a form can show each message next to its field."""
    try:
        return AssetSpec.model_validate(data), {}
    except ValidationError as e:
        errors: dict[str, str] = {}
        for item in e.errors():
            loc = ".".join(str(p) for p in item["loc"]) or "spec"
            errors.setdefault(loc, item["msg"].removeprefix("Value error, "))
        return None, errors
