"""The built-in writer's last stages: build the head, compose, apply words and style, and
validate the result into an :class:`~core.spec.model.AssetSpec`."""

from __future__ import annotations

from core.errors import SpecError
from core.spec import vocab
from core.spec.assemble import instance_materials, measure, spec_materials, texture_kind
from core.spec.compose import Instance, evaluate, merge
from core.spec.library import Library
from core.spec.parse import Parse
from core.spec.template_model import CompiledTemplate

STYLE_LORE = {
    "elvish": "Elven smiths shaped it in the woodland halls.",
    "dwarven": "Dwarven hands hammered it deep under the mountain.",
    "sci-fi": "Factory-printed in orbit, serial number filed off.",
}
STYLE_METAL = {"elvish": "silver", "dwarven": "bronze", "sci-fi": "steel"}
STYLE_SCALE = {"elvish": (0.85, 1.1, 0.85), "dwarven": (1.2, 0.9, 1.2)}
_NAME_STOP = {
    "with",
    "topped",
    "tied",
    "featuring",
    "having",
    "on",
    "atop",
    "and",
    "holding",
    "in",
    "inside",
    "perched",
    "sitting",
    "standing",
    "next",
    "beside",
    "under",
    "wearing",
}
_SMALL = {"of", "a", "an", "the", "in", "for", "from"}


def stretch(inst: Instance, scale: list[float]) -> None:
    """Scale ``inst`` per axis (x, y, z) about the origin: size words ("tall", "long")."""
    for q in inst.parts:
        q["size"] = [v * s for v, s in zip(q["size"], scale, strict=True)]
        q["position"] = [v * s for v, s in zip(q["position"], scale, strict=True)]
    for name, (at, room) in inst.points.items():
        inst.points[name] = (
            [v * s for v, s in zip(at, scale, strict=True)],
            [v * s for v, s in zip(room, scale, strict=True)],
        )


def choose_style(tokens: list[str], style: str | None, t: CompiledTemplate) -> str:
    for tok in tokens:
        if style is None and tok in vocab.STYLE_WORDS:
            style = vocab.STYLE_WORDS[tok]
    return style or ("sci-fi" if t.tpl.category.value == "vehicle" and t.name in ("rocket",) else "stylised")


def size_scale(
    tokens: list[str], style: str, t: CompiledTemplate, head_noun: set[str]
) -> tuple[list[float], list[str]]:
    """Per-axis scale from style and size words (each word once), clamped to 0.1-10x."""
    from core.spec.builtin import MAX_SCALE, MIN_SCALE

    scale = list(STYLE_SCALE.get(style, (1.0, 1.0, 1.0)))
    axis_of = {"x": 0, "y": 1, "z": 2}
    for tok in dict.fromkeys(tokens):
        if tok in head_noun:
            continue
        if tok in vocab.SIZE_WORDS:
            scale = [s * vocab.SIZE_WORDS[tok] for s in scale]
        if tok in vocab.SHAPE_WORDS:
            along, across = vocab.SHAPE_WORDS[tok]
            axis = 1 if tok in ("tall", "squat") else axis_of[t.tpl.length_axis]
            scale = [s * (along if i == axis else across) for i, s in enumerate(scale)]
    warnings = []
    if any(not MIN_SCALE <= s <= MAX_SCALE for s in scale):
        scale = [min(max(s, MIN_SCALE), MAX_SCALE) for s in scale]
        warnings.append(
            f"The size words ask for more than {MAX_SCALE:g}x (or less than 1/{1 / MIN_SCALE:g}) "
            f"of a usual {t.name.replace('_', ' ')}; kept within that."
        )
    return scale, warnings


def finish(
    text: str,
    p: Parse,
    lib: Library,
    t: CompiledTemplate,
    style: str | None,
    seed: int,
    overrides: dict[str, float] | None = None,
):
    """The spec of ``t`` for the parse ``p``: returns ``(AssetSpec, warnings)``.

    Raises
    ------
    SpecError
        The composition is invalid (more than 256 parts) or a template fails to evaluate.
    """
    from core.spec.builtin import compose_segments
    from core.spec.io import parse_spec

    head, warnings = _build_head(t, p, seed, overrides)
    chosen_style = choose_style(p.tokens, style, t)
    warnings += _size_head(head, p, t, chosen_style)
    group, made, more = compose_segments(p, lib, head, seed)
    warnings += more
    parts, _ = merge(group, head)
    mats = _materials(p, t, group, head, made, chosen_style)
    polycount = _polycount(t, p.words(), chosen_style, len(group))
    parts, dims, more = measure(parts)
    warnings += more
    used = {q["material"] for q in parts}
    materials = {k: v for k, v in mats.items() if k in used}
    data = {
        **_describe(text, t, chosen_style, group, parts, dims, materials),
        "category": t.tpl.category.value,
        "archetype": t.name,
        "short_description": text[:300],
        "style": chosen_style,
        "dimensions": {"width": dims[0], "height": dims[1], "depth": dims[2]},
        "materials": spec_materials(materials),
        "parts": parts,
        "gameplay": _gameplay(p, t, chosen_style),
        "technical": {"target_polycount": int(min(max(polycount, 100), 500_000)), "lod_count": 3},
    }
    return parse_spec(data), warnings


def _build_head(
    t: CompiledTemplate, p: Parse, seed: int, overrides: dict[str, float] | None
) -> tuple[Instance, list[str]]:
    """The head object: parameters from the seed and the words, then ``overrides`` (clamped to
    their ranges, integers rounded); the template's defaults when those fail to evaluate.
    Returns the instance and the warnings."""
    from core.spec.builtin import set_params

    params, warnings = set_params(t, p, seed)
    for k, v in (overrides or {}).items():
        spec_p = t.tpl.params[k]
        v = min(max(float(v), spec_p.min), spec_p.max)
        params[k] = float(round(v)) if spec_p.integer else v
    try:
        head = evaluate(t, params, p.words(), seed)
    except SpecError as e:  # the words or the seed asked for something the template cannot make
        warnings.append(f"Made with the template's usual proportions: {e}")
        head = evaluate(t, t.defaults(), frozenset(), None)
    return head, warnings


def _size_head(head: Instance, p: Parse, t: CompiledTemplate, style: str) -> list[str]:
    """Stretch the head by the style and the size words of its own phrase (and those before
    it), not counting the words of its noun; returns the warnings."""
    noun = p.head_noun
    head_words = set(noun.words) if noun is not None and noun.templates else set()
    tokens = [x for s in p.segments[: (p.head or 0) + 1] for x in s.tokens]
    scale, warnings = size_scale(tokens, style, t, head_words)
    stretch(head, scale)
    return warnings


def _materials(
    p: Parse, t: CompiledTemplate, group: list[Instance], head: Instance, made: dict, style: str
) -> dict[str, dict]:
    """Spec material name -> PBR dict: each instance's materials (see-through ones at most
    0.35 opaque), then the description's words, then the style (its metal replaces metals;
    sci-fi lights an unlit glow material)."""
    from core.spec.builtin import apply_words

    mats: dict[str, dict] = {}
    for inst in group:
        base = instance_materials(inst)
        for role, name in inst.roles.items():
            mats[name] = dict(base[role])
            if inst.see_through and role == inst.template.tpl.see_through:
                mats[name]["opacity"] = min(mats[name].get("opacity", 1.0), 0.35)
    apply_words(p, head, made, mats)
    metal = STYLE_METAL.get(style)
    if metal:
        for m in mats.values():
            if m["metallic"] >= 0.9:
                m.update(vocab.MATERIAL_PRESETS[metal], preset=metal, texture=texture_kind(metal))
    if style == "sci-fi" and t.tpl.glow and t.tpl.glow in head.roles:
        g = mats[head.roles[t.tpl.glow]]
        if g.get("emissive", "#000000") == "#000000":
            g["emissive"], g["emissive_strength"] = "#40e0ff", 1.5
    return mats


def _polycount(t: CompiledTemplate, words: set[str], style: str, n_objects: int) -> int:
    """Target triangles: the template's, 600 more per attached object, at most 600 when
    low-poly, three times for "detailed" (clamped to the spec's range by the caller)."""
    polycount = t.tpl.polycount + 600 * (n_objects - 1)
    if "low-poly" in words or style == "low-poly":
        polycount = min(polycount, 600)
    if words & {"detailed", "high-poly", "hd"}:
        polycount *= 3
    return polycount


def _gameplay(p: Parse, t: CompiledTemplate, style: str) -> dict:
    """Rarity (the rarest rarity word), the template's stats times the rarity's multiplier
    (masses in kg unchanged), effect words, and lore from the template and the style."""
    rarity = "common"
    for tok in p.tokens:
        r = vocab.RARITY_WORDS.get(tok)
        if r and vocab.RARITY_ORDER.index(r) > vocab.RARITY_ORDER.index(rarity):
            rarity = r
    mult = vocab.RARITY_MULTIPLIER[rarity]
    stats = {k: round(v * mult, 2) if not k.endswith("_kg") else v for k, v in t.tpl.stats.items()}
    effects = list(dict.fromkeys(vocab.EFFECT_WORDS[x] for x in p.tokens if x in vocab.EFFECT_WORDS))
    lore = " ".join(x for x in (t.tpl.lore, STYLE_LORE.get(style, "")) if x)
    return {"rarity": rarity, "stats": stats, "effects": effects, "lore": lore}


def _describe(
    text: str,
    t: CompiledTemplate,
    style: str,
    group: list[Instance],
    parts: list[dict],
    dims: list[float],
    materials: dict[str, dict],
) -> dict:
    """The spec's ``name``, ``long_description`` (what it is, its size in metres, materials
    and part count) and ``tags`` (template, family, category, style, attached objects and
    material presets; at most 30 of 40 characters)."""
    name = _title(_head_text(text))[:80] or t.name.replace("_", " ").title()
    others = [g.template.name.replace("_", " ") for g in group[1:]]
    long_desc = (
        f"{name}: a {style} {t.tpl.category.value} ({t.name.replace('_', ' ')}"
        f"{' with ' + ', '.join(others) if others else ''}) about {dims[1]:.2f} m tall, {dims[0]:.2f} m wide "
        f"and {dims[2]:.2f} m deep, made of {', '.join(sorted(materials))}; {len(parts)} parts."
    )
    presets = [m.get("preset", "") for m in materials.values()]
    tags = [t.name, t.family, t.tpl.category.value, style, *(g.template.name for g in group[1:]), *presets]
    tags = list(dict.fromkeys(x for x in tags if x))[:30]
    return {"name": name, "long_description": long_desc[:4000], "tags": [x[:40] for x in tags]}


def _head_text(text: str) -> str:
    """Words before the first detail phrase: "stack of gold coins", "wizard's staff"."""
    out: list[str] = []
    for w in text.split():
        bare = w.lower().strip(",.;:!?")
        if bare in _NAME_STOP and out:
            break
        out.append(w.strip(",.;:!?"))
    return " ".join(out[:8])


def _title(words: str) -> str:
    return " ".join(
        w if (i and w.lower() in _SMALL) else w[:1].upper() + w[1:] for i, w in enumerate(words.split())
    )
