"""What a spec asks the export step for, chosen apart from the writer: the export formats and
the triangle budget. The Describe page sets them on the spec a writer drafted."""

from __future__ import annotations

from collections.abc import Sequence

from core.spec.model import AssetSpec

FALLBACK_FORMAT = "glb"  # what an empty choice of formats means: every engine reads GLB


def with_output_options(spec: AssetSpec, formats: Sequence[str], polycount: int | None = None) -> AssetSpec:
    """A validated copy of ``spec`` exporting ``formats`` (names of
    :data:`core.formats.FORMATS`, repeats dropped; empty means ``["glb"]``) with LOD0's
    triangle budget ``polycount`` (triangles; ``None`` keeps the spec's). ``spec`` is not
    modified.

    Raises
    ------
    SpecError
        An unknown format, or a polycount outside 100 to 500,000 (the message names the field).
    """
    from core.spec.io import parse_spec

    data = spec.model_dump(mode="json")
    data["technical"]["export_formats"] = list(dict.fromkeys(formats)) or [FALLBACK_FORMAT]
    if polycount is not None:
        data["technical"]["target_polycount"] = polycount
    return parse_spec(data)


__all__ = ["FALLBACK_FORMAT", "with_output_options"]
