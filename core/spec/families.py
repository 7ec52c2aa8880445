"""Family hints (``core/spec/families.toml``): what the writer falls back on when a
description's object is not in the template library."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from core.spec.template_model import FAMILIES

FAMILIES_FILE = Path(__file__).with_name("families.toml")


class FamilyInfo(BaseModel):
    """Hint words, word endings and the default template of one family."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    default: str
    hints: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()


@functools.cache
def families() -> dict[str, FamilyInfo]:
    """Every family of :data:`~core.spec.template_model.FAMILIES`, validated (read once).

    Raises
    ------
    pydantic.ValidationError, tomllib.TOMLDecodeError
        The shipped file is malformed (a packaging error, caught by the tests).
    """
    data = tomllib.loads(FAMILIES_FILE.read_text(encoding="utf-8"))
    unknown = sorted(set(data) - set(FAMILIES))
    if unknown:
        raise ValueError(f"{FAMILIES_FILE.name}: unknown families {unknown}")
    return {f: FamilyInfo.model_validate(data.get(f, {"default": "generic"})) for f in FAMILIES}
