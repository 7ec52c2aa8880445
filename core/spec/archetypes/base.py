"""Archetype building blocks: the recipe dataclasses, helpers and the generic fallback.
The library itself lives in the sibling modules, one per family of assets."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class PartDraft:
    name: str
    primitive: str
    size: Vec3
    position: Vec3
    material: str  # material role
    rotation: Vec3 = (0.0, 0.0, 0.0)
    aliases: tuple[str, ...] = ()
    when: tuple[str, ...] = ()


@dataclass(frozen=True)
class Archetype:
    name: str
    category: str
    keywords: tuple[str, ...]
    materials: dict[str, dict]
    parts: tuple[PartDraft, ...]
    primary: str
    glow: str | None = None
    length_axis: int = 1
    polycount: int = 2000
    stats: dict[str, float] = field(default_factory=dict)
    lore: str = ""


def M(preset: str, **overrides: object) -> dict:
    """A material role: a preset name plus overrides (base_color, emissive, ...)."""
    return {"preset": preset, **overrides}


def P(name, primitive, size, position, material, rotation=(0, 0, 0), aliases=(), when=()):
    return PartDraft(name, primitive, tuple(size), tuple(position), material, tuple(rotation),
                     tuple(aliases), tuple(when))  # fmt: skip


def ring_of(name, primitive, size, radius, y, material, count, start_deg=0.0, tilt=0.0):
    """``count`` parts evenly spaced on a circle of ``radius`` metres at height ``y``."""
    out = []
    for i in range(count):
        a = math.radians(start_deg + 360.0 * i / count)
        x, z = radius * math.sin(a), radius * math.cos(a)
        # tilt outward: rotate about the horizontal axis perpendicular to the radius
        rot = (tilt * math.cos(a), 0.0, -tilt * math.sin(a))
        out.append(P(f"{name}_{i + 1}", primitive, size, (x, y, z), material, rot))
    return out


A = Archetype


A = Archetype


GENERIC = Archetype(
    "generic", "generic", (),
    {"body": M("paint", base_color="#b0b4ba"), "base": M("stone", base_color="#6e6e6e")},
    (P("base", "cylinder", (0.5, 0.05, 0.5), (0, 0.025, 0), "base", aliases=("stand", "pedestal")),
     P("body", "box", (0.35, 0.35, 0.35), (0, 0.225, 0), "body"),
     P("top", "sphere", (0.25, 0.25, 0.25), (0, 0.45, 0), "body")),
    primary="body", polycount=1000,
    lore="Its purpose is for you to decide.",
)  # fmt: skip
