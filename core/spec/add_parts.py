"""Adding parts by name: "add two wheels", "add a gold orb on top", "add four legs".

A part noun names a primitive, its proportions and where it usually goes (wheels on the
sides with their axles across the asset, legs under it, a handle on its side, most things on
top); a place word in the instruction (*on top*, *on the sides*, *at the front*, *at the
back*, *underneath*, *around*) overrides that. Sizes follow the asset's own bounding box
(metres), so a wheel on a cart is cart-sized and a gem on a sword is sword-sized.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.errors import SpecError
from core.spec import vocab
from core.spec.assemble import texture_kind
from core.spec.geometry import parts_bbox
from core.spec.model import MAX_PARTS, Primitive

PRIMITIVES = {p.value for p in Primitive}


@dataclass(frozen=True)
class PartNoun:
    """``shape``: (x, y, z) proportions of the part in units of the asset's typical size;
    ``place``: where it goes by default; ``material``: the preset it takes when the
    instruction names none (None: the asset's main material)."""

    primitive: str
    shape: tuple[float, float, float]
    place: str = "top"
    material: str | None = None


PART_NOUNS: dict[str, PartNoun] = {
    "wheel": PartNoun("cylinder", (1.0, 0.18, 1.0), "wheels", "dark wood"),
    "leg": PartNoun("cylinder", (0.25, 1.0, 0.25), "base"),
    "foot": PartNoun("hemisphere", (0.5, 0.25, 0.5), "base"),
    "spike": PartNoun("cone", (0.35, 1.0, 0.35), "top", "iron"),
    "horn": PartNoun("cone", (0.3, 1.1, 0.3), "top", "bone"),
    "orb": PartNoun("sphere", (0.8, 0.8, 0.8), "top", "crystal"),
    "ball": PartNoun("sphere", (0.8, 0.8, 0.8), "top"),
    "gem": PartNoun("pyramid", (0.5, 0.6, 0.5), "front", "gem"),
    "jewel": PartNoun("pyramid", (0.5, 0.6, 0.5), "front", "gem"),
    "crystal": PartNoun("pyramid", (0.5, 1.2, 0.5), "top", "crystal"),
    "knob": PartNoun("sphere", (0.3, 0.3, 0.3), "front", "brass"),
    "button": PartNoun("cylinder", (0.25, 0.08, 0.25), "front", "brass"),
    "rivet": PartNoun("hemisphere", (0.12, 0.06, 0.12), "front", "iron"),
    "stud": PartNoun("hemisphere", (0.12, 0.06, 0.12), "front", "iron"),
    "candle": PartNoun("cylinder", (0.25, 0.9, 0.25), "top", "wax"),
    "antenna": PartNoun("cylinder", (0.05, 1.5, 0.05), "top", "steel"),
    "chimney": PartNoun("box", (0.4, 0.9, 0.4), "top", "stone"),
    "handle": PartNoun("torus", (0.9, 0.2, 1.1), "side"),
    "ring": PartNoun("torus", (1.0, 0.15, 1.0), "top", "gold"),
    "lid": PartNoun("cylinder", (2.0, 0.2, 2.0), "top"),
    "dome": PartNoun("hemisphere", (2.0, 1.0, 2.0), "top"),
    "roof": PartNoun("pyramid", (3.0, 1.2, 3.0), "top", "roof tiles"),
    "spire": PartNoun("cone", (0.5, 2.0, 0.5), "top"),
    "plume": PartNoun("capsule", (0.3, 1.0, 0.3), "top", "cloth"),
    "feather": PartNoun("capsule", (0.2, 1.0, 0.2), "top", "cloth"),
    "flame": PartNoun("cone", (0.5, 0.9, 0.5), "top", "flame"),
    "pillar": PartNoun("cylinder", (0.35, 2.0, 0.35), "around", "stone"),
    "column": PartNoun("cylinder", (0.35, 2.0, 0.35), "around", "stone"),
    "post": PartNoun("cylinder", (0.3, 2.0, 0.3), "around", "wood"),
    "fin": PartNoun("wedge", (0.1, 0.8, 1.0), "sides"),
    "wing": PartNoun("wedge", (0.1, 0.6, 2.0), "sides"),
    "shelf": PartNoun("box", (2.0, 0.12, 0.8), "front", "wood"),
    "plank": PartNoun("box", (2.0, 0.12, 0.5), "top", "wood"),
    "block": PartNoun("box", (1.0, 1.0, 1.0), "top"),
    "cube": PartNoun("box", (1.0, 1.0, 1.0), "top"),
    "eye": PartNoun("sphere", (0.25, 0.25, 0.25), "front", "obsidian"),
    "ear": PartNoun("cone", (0.35, 0.6, 0.2), "top"),
    "tail": PartNoun("cone", (0.3, 0.3, 1.4), "back"),
    "seat": PartNoun("box", (2.0, 0.25, 2.0), "top", "cloth"),
    "cushion": PartNoun("box", (2.0, 0.3, 2.0), "top", "cloth"),
    **{p: PartNoun(p, (1.0, 1.0, 1.0)) for p in PRIMITIVES},
}

PLACE_WORDS = {
    "top": "top",
    "atop": "top",
    "above": "top",
    "sides": "sides",
    "side": "sides",
    "either": "sides",
    "front": "front",
    "back": "back",
    "behind": "back",
    "rear": "back",
    "bottom": "base",
    "under": "base",
    "underneath": "base",
    "below": "base",
    "beneath": "base",
    "around": "around",
}


def find_noun(words: list[str]) -> tuple[int, str] | None:
    """Index and singular form of the first part noun in ``words`` (the word itself, then its
    singular forms by :func:`core.spec.library.singulars`), or None."""
    from core.spec.library import singulars

    for i, w in enumerate(words):
        for s in (w, *singulars(w)):
            if s in PART_NOUNS:
                return i, s
    return None


def _layout(n: int, half_a: float, half_b: float) -> list[tuple[float, float]]:
    """``n`` points spread over an ``2 half_a x 2 half_b`` footprint: a row for up to 4
    along the longer side, the corners for 4, a ring beyond."""
    if n == 1:
        return [(0.0, 0.0)]
    if n == 4:
        return [(sa * half_a, sb * half_b) for sa in (-1, 1) for sb in (-1, 1)]
    if n <= 3:
        return [(half_a * (2 * i / (n - 1) - 1), 0.0) for i in range(n)]
    return [
        (half_a * math.cos(2 * math.pi * i / n), half_b * math.sin(2 * math.pi * i / n)) for i in range(n)
    ]


@dataclass(frozen=True)
class _Frame:
    """The asset's bounding box (metres): corners ``lo``/``hi``, extents ``ext``, ``centre``,
    its typical size ``unit`` (0.3 x its middle extent), and which horizontal axis is its
    length (the longer one) and which its width."""

    lo: list[float]
    hi: list[float]
    ext: list[float]
    centre: list[float]
    unit: float
    length_ax: int
    width_ax: int

    @classmethod
    def of(cls, parts: list[dict]) -> _Frame:
        lo, hi = parts_bbox(parts)
        ext = [max(h - lo_, 1e-3) for lo_, h in zip(lo, hi, strict=True)]
        centre = [(lo_ + h) / 2 for lo_, h in zip(lo, hi, strict=True)]
        length_ax, width_ax = (0, 2) if ext[0] >= ext[2] else (2, 0)
        return cls(lo, hi, ext, centre, 0.3 * sorted(ext)[1], length_ax, width_ax)


def place_parts(data: dict, noun: str, count: int, place: str | None) -> list[dict]:
    """New part dicts (name, primitive, size, position, rotation; no material) for ``count``
    ``noun`` s placed on the asset described by spec dict ``data``.

    Raises
    ------
    SpecError
        The asset would have more than :data:`MAX_PARTS` parts.
    """
    info = PART_NOUNS[noun]
    if len(data["parts"]) + count > MAX_PARTS:
        raise SpecError(f"The asset has {len(data['parts'])} parts; at most {MAX_PARTS} are allowed.")
    f = _Frame.of(data["parts"])
    place = place or info.place
    placer = _PLACERS.get("sides" if place == "side" else place, _on_top)
    out = placer(f, info, count)
    names = {p["name"] for p in data["parts"]}
    for part in out:
        name = next(f"{noun}_{i}" for i in range(1, 10_000) if f"{noun}_{i}" not in names)
        names.add(name)
        part.update(name=name, primitive=info.primitive)
        part["size"] = [round(float(v), 5) for v in part["size"]]
        part["position"] = [round(float(v), 5) for v in part["position"]]
    return out


def _part(size: list[float], position: list[float], rotation: list[float] | None = None) -> dict:
    return {"size": size, "position": position, "rotation": rotation or [0.0, 0.0, 0.0]}


def _wheels(f: _Frame, info: PartNoun, count: int) -> list[dict]:
    """Wheels in pairs on both sides along the length, axles across the width, a wheel's
    diameter at most 0.8 x the height and 0.45 x the length, sunk to 0.3 of it below the base."""
    d = min(0.8 * f.ext[1], 0.45 * f.ext[f.length_ax])
    size = [d, 0.18 * d, d]
    rot = [0.0, 0.0, 90.0] if f.width_ax == 0 else [90.0, 0.0, 0.0]
    per_side = math.ceil(count / 2)
    out = []
    for i in range(count):
        side = -1 if i % 2 == 0 else 1
        k = i // 2
        along = 0.0 if per_side == 1 else f.ext[f.length_ax] * 0.35 * (2 * k / (per_side - 1) - 1)
        pos = [0.0, f.lo[1] + 0.3 * d, 0.0]
        pos[f.width_ax] = f.centre[f.width_ax] + side * (f.ext[f.width_ax] / 2 + 0.09 * d)
        pos[f.length_ax] = f.centre[f.length_ax] + along
        out.append(_part(size, pos, rot))
    return out


def _under(f: _Frame, info: PartNoun, count: int) -> list[dict]:
    """Legs and feet under the base, spread over 80 % of the footprint; a cylinder leg is
    0.4 x the asset's height."""
    leg_h = 0.4 * f.ext[1] if info.primitive == "cylinder" else f.unit * info.shape[1]
    size = [f.unit * info.shape[0], leg_h, f.unit * info.shape[2]]
    out = []
    for a, b in _layout(count, 0.4 * f.ext[f.length_ax], 0.4 * f.ext[f.width_ax]):
        pos = [0.0, f.lo[1] - leg_h / 2, 0.0]
        pos[f.length_ax], pos[f.width_ax] = f.centre[f.length_ax] + a, f.centre[f.width_ax] + b
        out.append(_part(size, pos))
    return out


def _on_sides(f: _Frame, info: PartNoun, count: int) -> list[dict]:
    """Parts alternating on both sides across the width (thin across it), spread along 60 %
    of the length; a torus (a handle) stands upright with its axis along the length."""
    size = [f.unit * s for s in info.shape]
    if f.width_ax == 2:  # thin across the width: swap x and z
        size = [size[2], size[1], size[0]]
    rot = [0.0, 0.0, 0.0]
    if info.primitive == "torus":  # the ring stands upright, its axis along the length
        rot = [90.0, 0.0, 0.0] if f.width_ax == 0 else [0.0, 0.0, 90.0]
    per_side = math.ceil(count / 2)
    out = []
    for i in range(count):
        side = 1 if i % 2 == 0 else -1
        along = 0.0 if per_side == 1 else f.ext[f.length_ax] * 0.3 * (2 * (i // 2) / (per_side - 1) - 1)
        pos = list(f.centre)
        pos[f.width_ax] += side * (f.ext[f.width_ax] / 2 + 0.4 * size[f.width_ax])
        pos[f.length_ax] += along
        out.append(_part(size, pos, rot))
    return out


def _front_or_back(sign: int):
    """The placer of the front face (``sign`` 1, +Z) or the back (-1): a row across 70 % of
    the width at mid-height, standing 0.4 of a part's depth out of the face."""

    def place(f: _Frame, info: PartNoun, count: int) -> list[dict]:
        size = [f.unit * s for s in info.shape]
        out = []
        for a, _ in _layout(count, 0.35 * f.ext[0], 0.0):
            z = (f.hi[2] if sign > 0 else f.lo[2]) + sign * 0.4 * size[2]
            out.append(_part(size, [f.centre[0] + a, f.centre[1], z]))
        return out

    return place


def _around(f: _Frame, info: PartNoun, count: int) -> list[dict]:
    """Pillars and posts on a ring around the asset, standing on its base; a tall part
    (shape height over 1.5) is as tall as the asset."""
    size = [
        f.unit * info.shape[0],
        f.ext[1] if info.shape[1] > 1.5 else f.unit * info.shape[1],
        f.unit * info.shape[2],
    ]
    r = max(f.ext[0], f.ext[2]) / 2 + size[0]
    out = []
    for i in range(count):
        t = 2 * math.pi * i / count + math.pi / 4
        pos = [f.centre[0] + r * math.cos(t), f.lo[1] + size[1] / 2, f.centre[2] + r * math.sin(t)]
        out.append(_part(size, pos))
    return out


def _on_top(f: _Frame, info: PartNoun, count: int) -> list[dict]:
    """Parts standing on the top, spread over 70 % of it; a wide part (lid, roof, dome,
    seat: shape width 2 or more) covers the top instead."""
    size = [f.unit * s for s in info.shape]
    if info.shape[0] >= 2.0:  # lids, roofs, domes, seats: cover the top
        size = [f.ext[0] * info.shape[0] / 2.0, f.unit * info.shape[1], f.ext[2] * info.shape[2] / 2.0]
    out = []
    for a, b in _layout(count, 0.35 * f.ext[f.length_ax], 0.35 * f.ext[f.width_ax]):
        pos = [0.0, f.hi[1] + size[1] / 2, 0.0]
        pos[f.length_ax], pos[f.width_ax] = f.centre[f.length_ax] + a, f.centre[f.width_ax] + b
        out.append(_part(size, pos))
    return out


# place -> the function that lays the parts out; any other place is "top"
_PLACERS = {
    "wheels": _wheels,
    "base": _under,
    "sides": _on_sides,
    "front": _front_or_back(1),
    "back": _front_or_back(-1),
    "around": _around,
}


def material_for(data: dict, noun: str, words: list[str]) -> str:
    """The material name the new parts take: a material or colour named in ``words``
    ("iron wheels", "red orb"), else the noun's usual preset, else the asset's main
    material. New materials are added to ``data["materials"]``."""
    preset = next((vocab.MATERIAL_WORDS[w] for w in words if w in vocab.MATERIAL_WORDS), None)
    colour = next((w for w in words if w in vocab.COLOR_WORDS), None)
    preset = preset or (PART_NOUNS[noun].material if colour is None else None)
    mats = data["materials"]
    names = {m["name"] for m in mats}
    if preset is None and colour is None:
        return main_material(data)
    if len(mats) >= 32:  # the spec's limit: reuse the main material
        return main_material(data)
    if preset is not None and colour is None:
        name = preset.replace(" ", "_")
        if name not in names:
            mats.append(
                {
                    "name": name,
                    "emissive": "#000000",
                    **vocab.MATERIAL_PRESETS[preset],
                    "texture": texture_kind(preset),
                }
            )
        return name
    base = (
        dict(vocab.MATERIAL_PRESETS[preset], texture=texture_kind(preset))
        if preset
        else dict(next(m for m in mats if m["name"] == main_material(data)))
    )
    name = next(
        n for n in (f"{colour}_{noun}", *(f"{colour}_{noun}_{i}" for i in range(2, 99))) if n not in names
    )
    base.update(name=name, base_color=vocab.COLOR_WORDS[colour])
    base.setdefault("emissive", "#000000")
    mats.append(base)
    return name


def main_material(data: dict) -> str:
    """The material of the largest parts by volume."""
    counts: dict[str, float] = {}
    for p in data["parts"]:
        counts[p["material"]] = counts.get(p["material"], 0.0) + p["size"][0] * p["size"][1] * p["size"][2]
    return max(counts, key=counts.get)


__all__ = [
    "PART_NOUNS",
    "PLACE_WORDS",
    "find_noun",
    "main_material",
    "material_for",
    "place_parts",
]
