"""Material kinds: which procedural pattern a spec material gets, and how its kind is found.

The table is data (``core/materials/kinds.toml``). A material's kind comes from its
``texture`` field when the writer set one, else from the words of its name (``"oak_planks"`` →
planks), else from its PBR values (metallic → a metal, see-through → glass, glowing →
energy, rough → stone, otherwise plastic).
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

KINDS_FILE = Path(__file__).with_name("kinds.toml")


@dataclass(frozen=True)
class Kind:
    """``pattern``: a key of :data:`core.materials.surface.PATTERNS`; ``tile_m``: metres per
    texture tile; ``preset``: the words.toml material giving default colour and finish."""

    name: str
    pattern: str
    tile_m: float
    preset: str


@functools.cache
def kinds() -> dict[str, Kind]:
    """Every kind by name, read once from ``kinds.toml``."""
    data = tomllib.loads(KINDS_FILE.read_text(encoding="utf-8"))
    return {name: Kind(name, **row) for name, row in data["kinds"].items()}


@functools.cache
def aliases() -> dict[str, str]:
    data = tomllib.loads(KINDS_FILE.read_text(encoding="utf-8"))
    table = {name: name for name in data["kinds"]}
    table.update(data["aliases"])
    return table


def kind_of(
    name: str,
    *,
    texture: str | None = None,
    metallic: float = 0.0,
    roughness: float = 0.5,
    opacity: float = 1.0,
    glowing: bool = False,
) -> Kind:
    """The kind of a spec material (see the module docstring for the order of evidence)."""
    table, by_name = aliases(), kinds()
    if texture and texture.lower() in table:
        return by_name[table[texture.lower()]]
    words = [w for w in re.split(r"[^a-z]+", name.lower()) if w]
    for n in (2, 1):  # "dark wood", "roof tiles" before single words
        for i in reversed(range(len(words) - n + 1)):  # the head noun comes last in English
            phrase = " ".join(words[i : i + n])
            if phrase in table:
                return by_name[table[phrase]]
    if glowing:
        return by_name["energy"]
    if metallic >= 0.5:
        return by_name["steel"]
    if opacity < 0.95:
        return by_name["glass"]
    return by_name["stone" if roughness >= 0.85 else "plastic"]


__all__ = ["KINDS_FILE", "Kind", "aliases", "kind_of", "kinds"]
