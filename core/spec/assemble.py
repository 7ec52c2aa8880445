"""Composed parts + material roles -> the dict of an :class:`~core.spec.model.AssetSpec`.

The last stage of the built-in writer, shared by ``python -m core templates check`` (which
builds every template at its defaults) and by the LiteLLM writer's composition answers.
"""

from __future__ import annotations

from core.spec import vocab
from core.spec.compose import Instance, bbox, round_parts
from core.spec.model import MAX_DIMENSION_M
from core.spec.template_model import MaterialRole

DEFAULTS = {"emissive": "#000000", "emissive_strength": 1.0, "opacity": 1.0}


def texture_kind(preset: str | None, word: str | None = None) -> str | None:
    """The procedural texture kind (:mod:`core.materials.kinds`) of a words.toml material
    ``preset`` chosen by ``word``: the word's own kind when kinds.toml knows it ("rusty" ->
    "rusty metal", "oak" -> "wood"), else the preset's ("cloth" -> "fabric", "roof tiles" ->
    "brick"); None when neither is known (food presets: the kind is inferred at export)."""
    from core.materials.kinds import aliases

    table = aliases()
    for name in (word, preset):
        if name and name.lower() in table:
            return table[name.lower()]
    return None


def material_dict(role: MaterialRole) -> dict:
    """PBR values of a template's material role: its preset, then its overrides; ``preset``
    kept, and its ``texture`` kind (:func:`texture_kind`)."""
    out = {**DEFAULTS, **vocab.MATERIAL_PRESETS[role.preset], "texture": texture_kind(role.preset)}
    out.update(role.model_dump(exclude_none=True))
    return out


def instance_materials(inst: Instance) -> dict[str, dict]:
    """Fresh, editable PBR dicts of every role ``inst`` uses, keyed by role."""
    used = dict.fromkeys(p["material"] for p in inst.parts)
    return {r: material_dict(inst.template.tpl.materials[r]) for r in used}


def measure(parts: list[dict]) -> tuple[list[dict], list[float], list[str]]:
    """Rounded parts, their bounding-box dimensions ``[w, h, d]`` (metres) and warnings; an asset
    larger than :data:`~core.spec.model.MAX_DIMENSION_M` is scaled down to fit."""
    warnings: list[str] = []
    lo, hi = bbox(parts)
    dims = [max(h - low, 0.001) for low, h in zip(lo, hi, strict=True)]
    if max(dims) > MAX_DIMENSION_M:
        k = MAX_DIMENSION_M / max(dims) * 0.999
        for p in parts:
            p["size"] = [v * k for v in p["size"]]
            p["position"] = [v * k for v in p["position"]]
        dims = [d * k for d in dims]
        warnings.append(f"The asset would be larger than {MAX_DIMENSION_M:g} m; it was scaled to fit.")
    round_parts(parts)
    return parts, [round(max(d, 0.001), 4) for d in dims], warnings


def spec_materials(materials: dict[str, dict]) -> list[dict]:
    """Spec material dicts (name first, no ``preset``; ``texture`` when known) from
    ``{name: pbr dict}``."""
    keys = ("base_color", "metallic", "roughness", "emissive", "emissive_strength", "opacity")
    return [
        {"name": name, **{k: m[k] for k in keys}, **({"texture": m["texture"]} if m.get("texture") else {})}
        for name, m in materials.items()
    ]
