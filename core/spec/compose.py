"""Templates to parts: evaluate one template, and compose several into one asset.

An :class:`Instance` is one evaluated template: part dicts (spec frame, metres), its
attachment points, and its material roles. Composition moves and scales whole groups of
instances uniformly, so proportions never shear:

* ``on``: the group sits on the support's ``top`` point, sunk 2 % into it so the union is one
  solid; a support smaller than the group's footprint grows (up to 10x) to carry it.
* ``in``: the group shrinks (never grows) to fit the host's ``inside`` box, centred in it; the
  host's ``see_through`` material turns translucent so the contents show.
* ``with`` / ``holding``: the attached object shrinks to the room of the head's point named by
  its ``attach`` list (``neck`` for a bow tie, ``top`` for a roof), centred on it so it overlaps.
* ``beside``: the object stands on the ground next to the group.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

from core.errors import SpecError
from core.spec.expr import ExprError
from core.spec.geometry import parts_bbox
from core.spec.model import MAX_PARTS
from core.spec.template_model import CompiledTemplate

SINK = 0.02  # fraction of the object's height sunk into its support
MAX_SUPPORT_GROWTH = 10.0


@dataclass
class Instance:
    """One evaluated template. ``parts`` are spec part dicts; ``points`` map a point name to
    ``(centre (3,), room (3,))`` in metres, in the same frame as the parts."""

    template: CompiledTemplate
    params: dict[str, float]
    parts: list[dict]
    points: dict[str, tuple[list[float], list[float]]]
    srcs: list = field(default_factory=list)  # the CompiledPart each part came from
    prefix: str = ""
    roles: dict[str, str] = field(default_factory=dict)  # template role -> spec material name
    see_through: bool = False  # something was put inside: its see_through role turns translucent

    def transform(self, k: float, t: list[float]) -> None:
        """Scale uniformly by ``k`` about the origin, then translate by ``t`` (metres)."""
        for p in self.parts:
            p["size"] = [v * k for v in p["size"]]
            p["position"] = [v * k + d for v, d in zip(p["position"], t, strict=True)]
        for name, (at, room) in self.points.items():
            self.points[name] = ([v * k + d for v, d in zip(at, t, strict=True)], [v * k for v in room])


def sample_params(tpl: CompiledTemplate, seed: int | None) -> dict[str, float]:
    """Parameter values: the defaults without a seed (or seed 0), else a deterministic draw
    from each parameter's range (triangular around the default, so variants stay plausible)."""
    values = tpl.defaults()
    if not seed:
        return values
    rng = random.Random(f"{tpl.name}:{seed}")
    for k, p in tpl.tpl.params.items():
        v = rng.triangular(p.min, p.max, p.default)
        values[k] = float(round(v)) if p.integer else v
    return values


def evaluate(
    tpl: CompiledTemplate, params: dict[str, float], words: set[str] | frozenset[str], seed: int | None = None
) -> Instance:
    """Parts and points of ``tpl`` for ``params``; optional parts follow ``words`` and ``seed``.

    Raises
    ------
    SpecError
        An expression fails for these values (division by zero, a non-positive size), naming
        the template and the part.
    """
    rng = random.Random(f"{tpl.name}:parts:{seed}") if seed else None
    env = dict(params)
    parts: list[dict] = []
    srcs: list = []
    for cp in tpl.parts:
        if cp.when and not words & cp.when:
            continue
        if cp.unless and words & cp.unless:
            continue
        if cp.chance < 1.0:
            named = bool(words & cp.words)
            keep = named or (rng.random() < cp.chance if rng else cp.chance >= 0.5)
            if not keep:
                continue
        try:
            count = 1 if cp.repeat is None else max(0, round(cp.repeat(env)))
            for i in range(count):
                local = {**env, "i": float(i), "n": float(count)} if cp.repeat is not None else env
                size = [e(local) for e in cp.size]
                if min(size) <= 0:
                    raise ExprError(f"size {[round(s, 5) for s in size]} must be positive")
                parts.append(
                    {
                        "name": cp.name if cp.repeat is None else f"{cp.name}_{i + 1}",
                        "primitive": cp.primitive,
                        "size": size,
                        "position": [e(local) for e in cp.position],
                        "rotation": [e(local) for e in cp.rotation],
                        "material": cp.material,
                    }
                )
                srcs.append(cp)
        except ExprError as e:
            raise SpecError(f"Template '{tpl.name}', part '{cp.name}': {e}") from None
    if not parts:
        raise SpecError(f"Template '{tpl.name}' has no parts for these words.")
    points = {}
    for name, (at, room) in tpl.points.items():
        try:
            points[name] = ([e(env) for e in at], [abs(e(env)) for e in room])
        except ExprError as e:
            raise SpecError(f"Template '{tpl.name}', point '{name}': {e}") from None
    return Instance(tpl, params, parts, points, srcs)


def bbox(parts: list[dict]) -> tuple[list[float], list[float]]:
    """Axis-aligned bounds ``(lo, hi)`` of part dicts, metres (rotation taken into account)."""
    lo, hi = parts_bbox(parts)
    return list(lo), list(hi)


def point_of(inst: Instance, names: tuple[str, ...]) -> tuple[str, list[float], list[float]]:
    """The first of ``names`` that ``inst`` declares; else a point derived from its bounds
    (``top``: centre of the top face, ``side``: centre of the +X face, ...)."""
    for n in names:
        if n in inst.points:
            return n, *inst.points[n]
    lo, hi = bbox(inst.parts)
    c = [(a + b) / 2 for a, b in zip(lo, hi, strict=True)]
    d = [b - a for a, b in zip(lo, hi, strict=True)]
    name = names[0] if names else "side"
    derived = {
        "top": ([c[0], hi[1], c[2]], [d[0], d[1], d[2]]),
        "base": ([c[0], lo[1], c[2]], [d[0], d[1], d[2]]),
        "inside": (c, [v * 0.6 for v in d]),
        "front": ([c[0], c[1], hi[2]], [d[0], d[1], d[2] * 0.5]),
        "back": ([c[0], c[1], lo[2]], [d[0], d[1], d[2] * 0.5]),
        "neck": ([c[0], lo[1] + 0.75 * d[1], c[2]], [d[0] * 0.6, d[1] * 0.3, d[2] * 0.6]),
        "head": ([c[0], hi[1], c[2]], [d[0] * 0.6, d[1] * 0.4, d[2] * 0.6]),
    }
    at, room = derived.get(name, ([hi[0], c[1], c[2]], [d[0] * 0.5, d[1], d[2]]))
    return name, at, room


def place_on(group: list[Instance], support: Instance) -> None:
    """Stand ``group`` on ``support``'s top (both modified): the support grows to carry a
    wider group; the group keeps its size."""
    glo, ghi = bbox([p for g in group for p in g.parts])
    gd = [b - a for a, b in zip(glo, ghi, strict=True)]
    _, at, room = point_of(support, ("top",))
    need = max(gd[0] / max(room[0], 1e-6), gd[2] / max(room[2], 1e-6)) * 0.8
    if need > 1.0:
        k = min(need, MAX_SUPPORT_GROWTH)
        support.transform(k, [0.0, 0.0, 0.0])
        _, at, room = point_of(support, ("top",))
    t = [at[0] - (glo[0] + ghi[0]) / 2, at[1] - glo[1] - SINK * gd[1], at[2] - (glo[2] + ghi[2]) / 2]
    for g in group:
        g.transform(1.0, t)


def place_in(group: list[Instance], host: Instance) -> None:
    """Shrink ``group`` to fit ``host``'s inside box and centre it there."""
    glo, ghi = bbox([p for g in group for p in g.parts])
    gd = [max(b - a, 1e-6) for a, b in zip(glo, ghi, strict=True)]
    _, at, room = point_of(host, ("inside",))
    k = min(1.0, *(r / d for r, d in zip(room, gd, strict=True)))
    gc = [(a + b) / 2 * k for a, b in zip(glo, ghi, strict=True)]
    t = [a - c for a, c in zip(at, gc, strict=True)]
    for g in group:
        g.transform(k, t)


def _euler_to_matrix(deg) -> np.ndarray:
    """Rotation matrix of Euler XYZ angles in degrees, static axes (as trimesh's ``'sxyz'``)."""
    a, b, c = np.radians(deg)
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rz @ ry @ rx


def _matrix_to_euler(r: np.ndarray) -> list[float]:
    """Inverse of :func:`_euler_to_matrix` (degrees)."""
    sy = float(np.hypot(r[0, 0], r[1, 0]))
    if sy > 1e-9:
        a, b, c = np.arctan2(r[2, 1], r[2, 2]), np.arctan2(-r[2, 0], sy), np.arctan2(r[1, 0], r[0, 0])
    else:  # gimbal lock
        a, b, c = np.arctan2(-r[1, 2], r[1, 1]), np.arctan2(-r[2, 0], sy), 0.0
    return [float(np.degrees(v)) for v in (a, b, c)]


def turn(inst: Instance, yaw_deg: float) -> None:
    """Rotate ``inst`` about +Y through the origin by ``yaw_deg`` (parts, rotations and points)."""
    if abs(yaw_deg) < 1e-9:
        return
    ry = _euler_to_matrix((0.0, yaw_deg, 0.0))
    for p in inst.parts:
        p["position"] = (ry @ np.asarray(p["position"])).tolist()
        p["rotation"] = _matrix_to_euler(ry @ _euler_to_matrix(p["rotation"]))
    for name, (at, room) in inst.points.items():
        r = np.abs(ry) @ np.asarray(room)
        inst.points[name] = ((ry @ np.asarray(at)).tolist(), r.tolist())


def facing(inst: Instance) -> np.ndarray:
    """Unit horizontal vector the object faces: towards its ``front`` point (animals face +X,
    figures +Z), else +Z."""
    if "front" in inst.points:
        lo, hi = bbox(inst.parts)
        d = np.asarray(inst.points["front"][0]) - (np.asarray(lo) + np.asarray(hi)) / 2
        d[1] = 0.0
        i = int(np.argmax(np.abs(d)))
        if abs(d[i]) > 1e-6:
            out = np.zeros(3)
            out[i] = np.sign(d[i])
            return out
    return np.array([0.0, 0.0, 1.0])


SURFACE_POINTS = ("neck", "front", "side", "back")


def attach_to(obj: Instance, head: Instance, prefer: tuple[str, ...]) -> str:
    """Attach ``obj`` to ``head`` at the first point of ``prefer`` the head has (else ``obj``'s
    own ``attach`` list, else a derived side point); returns the point used.

    On ``top`` the object stands on the point; on ``head`` it sits on top of the head (a hat);
    on a surface point (``neck``, ``front``, ``side``, ``back``) it turns to face the way the
    head faces and moves out to the surface of the part it is attached to (a bow tie on the
    front of a dog's neck, not inside it); elsewhere it is centred on the point.
    """
    names = prefer + tuple(n for n in obj.template.tpl.attach if n not in prefer)
    have = [n for n in names if n in head.points]
    name, at, room = point_of(head, tuple(have) or names)
    if name in SURFACE_POINTS:
        d = facing(head) if name in ("neck", "front") else None
        if name == "side":
            d = np.array([0.0, 0.0, 1.0]) if abs(facing(head)[0]) > 0.5 else np.array([1.0, 0.0, 0.0])
        if name == "back":
            d = -facing(head)
        turn(obj, float(np.degrees(np.arctan2(d[0], d[2]))))
    lo, hi = bbox(obj.parts)
    dims = [max(b - a, 1e-6) for a, b in zip(lo, hi, strict=True)]
    k = min(1.0, max(room) / max(dims))
    c = [(a + b) / 2 * k for a, b in zip(lo, hi, strict=True)]
    t = [a - cc for a, cc in zip(at, c, strict=True)]
    if name == "top":  # stands on the top point, slightly sunk
        t[1] = at[1] - lo[1] * k - SINK * dims[1] * k
    elif name == "head":  # sits on the head
        t[1] = at[1] + 0.3 * room[1] - lo[1] * k - SINK * dims[1] * k
    elif name in SURFACE_POINTS:
        pa = np.asarray(at)
        reach = 0.0
        for q in head.parts:  # how far the surface is along d from the point, in the parts holding it
            qlo, qhi = bbox([q])
            if all(qlo[i] - 1e-6 <= pa[i] <= qhi[i] + 1e-6 for i in range(3)):
                reach = max(reach, float(np.dot(np.where(d > 0, qhi, qlo) - pa, d)))
        depth = float(np.dot(np.asarray(dims) * k, np.abs(d)))
        t = (np.asarray(t) + d * (reach + 0.2 * depth)).tolist()
    obj.transform(k, t)
    return name


def place_beside(obj: Instance, group: list[Instance]) -> None:
    """Stand ``obj`` on the ground to the +X side of ``group``, touching it."""
    glo, ghi = bbox([p for g in group for p in g.parts])
    lo, hi = bbox(obj.parts)
    t = [ghi[0] - lo[0] - 0.02 * (hi[0] - lo[0]), -lo[1], (glo[2] + ghi[2]) / 2 - (lo[2] + hi[2]) / 2]
    obj.transform(1.0, t)


def merge(instances: list[Instance], head: Instance) -> tuple[list[dict], dict[str, tuple[Instance, str]]]:
    """All parts with unique names and material names; returns ``(parts, materials)`` where
    ``materials`` maps each spec material name to ``(instance, role)``.

    Raises
    ------
    SpecError
        More than :data:`~core.spec.model.MAX_PARTS` parts.
    """
    parts: list[dict] = []
    materials: dict[str, tuple[Instance, str]] = {}
    used_names: set[str] = set()
    for inst in [head, *[i for i in instances if i is not head]]:
        prefix = "" if inst is head else f"{inst.template.name}_"
        inst.prefix = prefix
        for role in dict.fromkeys(p["material"] for p in inst.parts):
            mname = role if inst is head else f"{inst.template.name}_{role}"
            mname = mname[:64]
            while mname in materials:
                mname = mname[:60] + f"_{len(materials)}"
            materials[mname] = (inst, role)
            inst.roles[role] = mname
        for p in inst.parts:
            name = (prefix + p["name"])[:64]
            base, k = name, 2
            while name in used_names:
                name = f"{base[:60]}_{k}"
                k += 1
            used_names.add(name)
            parts.append({**p, "name": name, "material": inst.roles[p["material"]]})
    if len(parts) > MAX_PARTS:
        raise SpecError(
            f"The composition has {len(parts)} parts; at most {MAX_PARTS} are allowed.",
            "Ask for fewer objects or smaller counts.",
        )
    return parts, materials


def round_parts(parts: list[dict]) -> None:
    """Round sizes, positions and rotations to 0.01 mm / 0.001 degree (stable JSON)."""
    for p in parts:
        p["size"] = [max(round(v, 5), 0.001) for v in p["size"]]
        p["position"] = [round(v, 5) + 0.0 for v in p["position"]]
        p["rotation"] = [round(math.fmod(v, 360.0), 3) + 0.0 for v in p["rotation"]]
