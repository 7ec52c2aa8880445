"""Parsing and serialising specs with errors a person can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.errors import SpecError
from core.spec.model import AssetSpec

MAX_SPEC_BYTES = 1024 * 1024  # 256 parts with long names is about 100 KiB


def format_validation_error(
    error: ValidationError, limit: int = 8, loc_width: int | None = None, msg_width: int | None = None
) -> str:
    """Turn a pydantic error into lines ``field.path: what is wrong and what is allowed``;
    ``loc_width`` / ``msg_width`` clip each field path / message (a path can hold untrusted
    keys, e.g. a file name from a checkpoint)."""

    def fit(text: str, width: int | None) -> str:
        return text if width is None or len(text) <= width else text[: width - 1] + "…"

    lines = []
    for item in error.errors()[:limit]:
        loc = ".".join(str(p) for p in item["loc"]) or "spec"
        msg = item["msg"].removeprefix("Value error, ")
        lines.append(f"{fit(loc, loc_width)}: {fit(msg, msg_width)}")
    extra = len(error.errors()) - limit
    if extra > 0:
        lines.append(f"... and {extra} more problem(s)")
    return "; ".join(lines)


def parse_spec(data: str | bytes | dict[str, Any]) -> AssetSpec:
    """Validate ``data`` (JSON text or a dict) into an :class:`AssetSpec`.

    Text is bounded before it is parsed: at most 1 MiB, UTF-8, nested at most 200 levels.

    Raises
    ------
    SpecError
        Too large, not UTF-8, nested too deeply, not JSON, not an object, or a field out of
        its allowed range (NaN and infinity included); the message names the field.
    """
    if isinstance(data, (str, bytes)):
        from core.fsutil import parse_json

        try:
            data = parse_json(data, MAX_SPEC_BYTES)
        except ValueError as e:
            raise SpecError(f"The spec cannot be read: {e}.", "Fix the JSON and try again.") from None
    if not isinstance(data, dict):
        raise SpecError(
            f"The spec must be a JSON object, got {type(data).__name__}.",
            "Wrap the fields in { ... }.",
        )
    try:
        return AssetSpec.model_validate(data)
    except ValidationError as e:
        raise SpecError(f"Invalid spec: {format_validation_error(e)}") from e
    except RecursionError:  # a dict built in code, nested deeper than the stack allows
        raise SpecError("Invalid spec: it is nested too deeply.") from None


def read_spec_file(path: Path) -> AssetSpec:
    """Read and validate a ``spec.json`` file, reading at most 1 MiB of it.

    Raises
    ------
    SpecError
        The file cannot be read, or its content is refused by :func:`parse_spec`.
    """
    from core.fsutil import read_bytes_limited

    try:
        data = read_bytes_limited(Path(path), MAX_SPEC_BYTES)
    except OSError as e:
        raise SpecError(f"Cannot read the spec {str(path)[-120:]}: {e.strerror or e}.") from None
    try:
        return parse_spec(data)
    except SpecError as e:
        raise SpecError(f"{Path(path).name}: {e}") from None


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
