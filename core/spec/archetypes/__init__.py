"""The archetype library of the built-in spec writer, one module per family of assets.

Each archetype is a small, real-world-scale recipe (metres, +Y up, base at y = 0): named
materials (roles mapped to presets in :mod:`core.spec.vocab`), parts built from primitives, the
words that select it, and gameplay defaults. Parts may be optional (``when``: only if one of
those words is in the description). The order of :data:`ARCHETYPES` breaks ties in matching.
"""

from __future__ import annotations

from core.spec.archetypes import props, weapons, world
from core.spec.archetypes.base import GENERIC, Archetype, PartDraft

ARCHETYPES: list[Archetype] = [*props.ARCHETYPES, *weapons.ARCHETYPES, *world.ARCHETYPES]
BY_NAME: dict[str, Archetype] = {a.name: a for a in [*ARCHETYPES, GENERIC]}

__all__ = ["ARCHETYPES", "BY_NAME", "GENERIC", "Archetype", "PartDraft"]
