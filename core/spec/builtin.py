"""The built-in spec writer: description -> archetype -> complete spec, with no model or network.

How it reads a description (documented in the README):

1. Clean it (control characters removed, whitespace collapsed, clamped to
   :data:`MAX_DESCRIPTION_CHARS`); translate a few non-English nouns (:data:`vocab.SYNONYMS`).
2. Split it into chunks at words such as *with*, *of*, *on*; the first chunk names the object.
3. Pick the archetype whose keywords score highest (a keyword in the first chunk counts three
   times; multi-word keywords count per word). No match -> the ``generic`` archetype.
4. Apply words: style (elvish, dwarven, sci-fi, low-poly...), size (small, huge, long...),
   and per chunk the materials, colours and glow words -- to the parts that chunk names
   ("iron **bands**", "brass **holder**") or else to the archetype's primary material.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from core.errors import SpecError
from core.generators.base import Availability
from core.spec import vocab
from core.spec.archetypes import ARCHETYPES, GENERIC, Archetype, PartDraft
from core.spec.geometry import parts_bbox
from core.spec.model import MAX_DIMENSION_M, AssetSpec

MAX_DESCRIPTION_CHARS = 1000
MIN_SCALE, MAX_SCALE = 0.1, 10.0  # what size and shape words may do to an archetype
_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
_PHRASES = [
    (re.compile(r"\blow[\s_-]?poly\b"), "low-poly"),
    (re.compile(r"\bsci[\s_-]?fi\b"), "sci-fi"),
    (re.compile(r"\b(\w+)'s\b"), r"\1"),
]


@dataclass
class WriteResult:
    """What a spec writer returns: the spec plus how it was made."""

    spec: AssetSpec
    writer: str
    archetype: str
    warnings: list[str] = field(default_factory=list)
    model: str | None = None
    cached: bool = False


def clean_description(text: str) -> tuple[str, list[str]]:
    """Normalise user text; returns (clean text, warnings).

    Raises
    ------
    SpecError
        If it is not text, not valid UTF-8 (undecodable bytes arrive as lone surrogates),
        or nothing printable is left.
    """
    if not isinstance(text, str):
        raise SpecError("The description must be text.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:  # lone surrogates: bytes that were not UTF-8 (argv, files)
        raise SpecError(
            f"The description is not valid UTF-8 text (an undecodable byte at character {e.start + 1}).",
            "Type it again as UTF-8 text, or fix the file's encoding.",
        ) from None
    warnings: list[str] = []
    chars = [
        " " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
        for c in unicodedata.normalize("NFC", text)
    ]
    clean = " ".join("".join(chars).split())
    if not clean:
        raise SpecError("The description is empty.", 'Describe the asset, e.g. "magical healing potion".')
    if len(clean) > MAX_DESCRIPTION_CHARS:
        cut = clean[:MAX_DESCRIPTION_CHARS].rsplit(" ", 1)[0] or clean[:MAX_DESCRIPTION_CHARS]
        warnings.append(f"The description was {len(clean)} characters; only the first {len(cut)} were used.")
        clean = cut
    return clean, warnings


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-case, stemmed word tokens with known phrases joined ("low-poly", "sci-fi")."""
    low = text.lower()
    for pattern, repl in _PHRASES:
        low = pattern.sub(repl, low)
    words = [vocab.SYNONYMS.get(w, w) for w in _TOKEN.findall(low)]
    return [_stem(w) for w in words]


def split_chunks(tokens: list[str]) -> list[list[str]]:
    """Split tokens at separator words; empty chunks dropped. The first names the object."""
    chunks: list[list[str]] = [[]]
    for t in tokens:
        if t in vocab.SEPARATORS:
            chunks.append([])
        else:
            chunks[-1].append(t)
    return [c for c in chunks if c] or [[]]


def _contains(seq: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(seq[i : i + n]) == phrase for i in range(len(seq) - n + 1))


def match_archetype(description: str) -> tuple[Archetype, float]:
    """Best archetype for ``description`` and its score (0 means the generic fallback)."""
    chunks = split_chunks(tokenize(description))
    head, rest = chunks[0], [t for c in chunks[1:] for t in c]
    best, best_score = GENERIC, 0.0
    for arch in ARCHETYPES:
        score = 0.0
        for kw in arch.keywords:
            phrase = tuple(_stem(w) for w in kw.split())
            if _contains(head, phrase):
                score += 3 * len(phrase)
            elif _contains(rest, phrase):
                score += len(phrase)
        if score > best_score:
            best, best_score = arch, score
    return best, best_score


def _mix(a: str, b: str, w: float) -> str:
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x * (1 - w) + y * w):02x}" for x, y in zip(ca, cb, strict=True))


def _material_from_preset(role: dict) -> dict:
    base = dict(vocab.MATERIAL_PRESETS[role["preset"]])
    base.update({k: v for k, v in role.items() if k != "preset"})
    base["preset"] = role["preset"]
    return base


def _part_words(part: PartDraft) -> set[str]:
    words = {_stem(w) for w in part.name.split("_")}
    words.update(_stem(a) for a in part.aliases)
    return words


class BuiltinSpecWriter:
    """Archetype-library spec writer; deterministic, offline, ~1 ms per spec."""

    name = "builtin"
    label = "Built-in (offline archetypes)"

    @classmethod
    def availability(cls) -> Availability:
        return Availability(True, "offline, always available")

    def write(self, description: str, style: str | None = None) -> WriteResult:
        """Write a complete :class:`AssetSpec` for ``description``.

        Parameters
        ----------
        description : str
            What the user typed; cleaned and clamped, see :func:`clean_description`.
        style : str, optional
            A :class:`~core.spec.model.Style` value that overrides style words in the text.

        Raises
        ------
        SpecError
            Empty description or unknown style.
        """
        text, warnings = clean_description(description)
        if style is not None and style not in vocab.STYLE_WORDS.values():
            allowed = sorted(set(vocab.STYLE_WORDS.values()))
            raise SpecError(f"Unknown style '{style}'.", f"Choose one of {allowed}.")
        arch, score = match_archetype(text)
        if score == 0:
            warnings.append(
                "No archetype matched this description; a generic prop shape was used. "
                "Edit its parts, or use the litellm writer for free-form assets."
            )
        tokens = tokenize(text)
        words = set(tokens)
        chunks = split_chunks(tokens)

        mats = {role: _material_from_preset(m) for role, m in arch.materials.items()}
        parts = [p for p in arch.parts if not p.when or words & {_stem(w) for w in p.when}]
        part_dicts = [
            {"name": p.name, "primitive": p.primitive, "size": list(p.size),
             "position": list(p.position), "rotation": list(p.rotation), "material": p.material}
            for p in parts
        ]  # fmt: skip

        # --- style
        chosen_style = style
        for t in tokens:
            if chosen_style is None and t in vocab.STYLE_WORDS:
                chosen_style = vocab.STYLE_WORDS[t]
        chosen_style = chosen_style or ("sci-fi" if arch.category == "vehicle" else "stylised")
        scale = [1.0, 1.0, 1.0]
        polycount = arch.polycount
        metal_roles = [r for r, m in mats.items() if m["metallic"] >= 0.9]
        if chosen_style == "elvish":
            scale = [0.85, 1.1, 0.85]
            for r in metal_roles:
                mats[r].update(vocab.MATERIAL_PRESETS["silver"], preset="silver")
        elif chosen_style == "dwarven":
            scale = [1.2, 0.9, 1.2]
            for r in metal_roles:
                mats[r].update(vocab.MATERIAL_PRESETS["bronze"], preset="bronze")
        elif chosen_style == "sci-fi":
            for r in metal_roles:
                mats[r].update(vocab.MATERIAL_PRESETS["steel"], preset="steel")
        if "low-poly" in words or chosen_style == "low-poly":
            polycount = min(polycount, 600)
        if words & {"detailed", "high-poly", "hd"}:
            polycount *= 3

        # --- size and proportion
        for t in dict.fromkeys(tokens):  # each word once: "a long, long table" is long
            if t in vocab.SIZE_WORDS:
                scale = [s * vocab.SIZE_WORDS[t] for s in scale]
            if t in vocab.SHAPE_WORDS:
                along, across = vocab.SHAPE_WORDS[t]
                axis = 1 if t in ("tall", "squat") else arch.length_axis
                scale = [s * (along if i == axis else across) for i, s in enumerate(scale)]
        if any(not MIN_SCALE <= s <= MAX_SCALE for s in scale):
            scale = [min(max(s, MIN_SCALE), MAX_SCALE) for s in scale]
            warnings.append(
                f"The size words ask for more than {MAX_SCALE:g}x (or less than 1/{1 / MIN_SCALE:g}) "
                f"of a usual {arch.name.replace('_', ' ')}; kept within that."
            )

        # --- materials, colours and glow, per chunk
        part_words = {p.name: _part_words(p) for p in parts}
        # in the first chunk, words that named the archetype ("pine tree", "crystal cluster")
        # are not material words
        keyword_words = {_stem(w) for kw in arch.keywords for w in kw.split()}
        keyword_words |= {w for p in parts for w in _part_words(p)}
        for i, chunk in enumerate(chunks):
            cw = set(chunk)
            roles = sorted({p.material for p in parts if part_words[p.name] & cw})
            if not roles and i == 0:
                roles = [arch.primary]
            if not roles:
                # a detail chunk naming no part ("with a glowing crystal" when no crystal part
                # exists) applies to the glow or primary material
                roles = [arch.glow or arch.primary] if cw & vocab.GLOW_WORDS else [arch.primary]
            for t in chunk:
                for role in roles:
                    m = mats[role]
                    if t in vocab.MATERIAL_WORDS and not (i == 0 and t in keyword_words):
                        preset = vocab.MATERIAL_WORDS[t]
                        m.update(vocab.MATERIAL_PRESETS[preset], preset=preset)
                    if t in vocab.COLOR_WORDS:
                        m["base_color"] = vocab.COLOR_WORDS[t]
                        if m.get("emissive", "#000000") != "#000000":
                            m["emissive"] = vocab.COLOR_WORDS[t]
                    if t in vocab.TINT_WORDS:
                        hexc, w = vocab.TINT_WORDS[t]
                        m["base_color"] = _mix(m["base_color"], hexc, w)
            if cw & vocab.GLOW_WORDS:
                glow_roles = roles if i > 0 else [arch.glow or arch.primary]
                for role in glow_roles:
                    m = mats[role]
                    m["emissive"] = (
                        m["base_color"] if m.get("emissive", "#000000") == "#000000" else m["emissive"]
                    )
                    m["emissive_strength"] = max(m.get("emissive_strength", 1.0), 1.5)
        if chosen_style == "sci-fi" and arch.glow:
            g = mats[arch.glow]
            if g.get("emissive", "#000000") == "#000000":
                g["emissive"], g["emissive_strength"] = "#40e0ff", 1.5
        if "mana" in words and arch.name == "potion":
            mats["liquid"]["base_color"] = "#2f6fd6"

        # --- scale parts, measure
        for p in part_dicts:
            p["size"] = [round(v * s, 5) for v, s in zip(p["size"], scale, strict=True)]
            p["position"] = [round(v * s, 5) for v, s in zip(p["position"], scale, strict=True)]
        lo, hi = parts_bbox(part_dicts)
        dims = [round(max(h - low, 0.001), 4) for low, h in zip(lo, hi, strict=True)]
        if max(dims) > MAX_DIMENSION_M:  # a huge archetype made huger: fit the spec's limit
            k = MAX_DIMENSION_M / max(dims)
            for p in part_dicts:
                p["size"] = [round(v * k, 5) for v in p["size"]]
                p["position"] = [round(v * k, 5) for v in p["position"]]
            dims = [round(max(v * k, 0.001), 4) for v in dims]
            warnings.append(f"The asset would be larger than {MAX_DIMENSION_M:g} m; it was scaled to fit.")

        # --- materials are named by their role ("blade", "grip", "liquid")
        used_roles = {p["material"] for p in part_dicts}
        materials = [
            {"name": role, "base_color": m["base_color"], "metallic": m["metallic"],
             "roughness": m["roughness"], "emissive": m.get("emissive", "#000000"),
             "emissive_strength": m.get("emissive_strength", 1.0), "opacity": m.get("opacity", 1.0)}
            for role, m in mats.items() if role in used_roles
        ]  # fmt: skip

        # --- gameplay
        rarity = "common"
        for t in tokens:
            r = vocab.RARITY_WORDS.get(t)
            if r and vocab.RARITY_ORDER.index(r) > vocab.RARITY_ORDER.index(rarity):
                rarity = r
        mult = vocab.RARITY_MULTIPLIER[rarity]
        stats = {k: round(v * mult, 2) if not k.endswith("_kg") else v for k, v in arch.stats.items()}
        effects = list(dict.fromkeys(vocab.EFFECT_WORDS[t] for t in tokens if t in vocab.EFFECT_WORDS))
        name = _title(_head_text(text))[:80] or arch.name.replace("_", " ").title()
        style_lore = {
            "elvish": "Elven smiths shaped it in the woodland halls.",
            "dwarven": "Dwarven hands hammered it deep under the mountain.",
            "sci-fi": "Factory-printed in orbit, serial number filed off.",
        }.get(chosen_style, "")
        lore = " ".join(x for x in (arch.lore, style_lore) if x)
        mat_list = ", ".join(sorted({m["name"] for m in materials}))
        long_desc = (
            f"{name}: a {chosen_style} {arch.category} ({arch.name.replace('_', ' ')}) about "
            f"{dims[1]:.2f} m tall, {dims[0]:.2f} m wide and {dims[2]:.2f} m deep, made of "
            f"{mat_list}; {len(part_dicts)} parts."
        )
        tags = list(dict.fromkeys([arch.name, arch.category, chosen_style,
                                   *(m["preset"] for m in mats.values())]))[:30]  # fmt: skip
        data = {
            "name": name,
            "category": arch.category,
            "archetype": arch.name,
            "short_description": text[:300],
            "long_description": long_desc,
            "style": chosen_style,
            "dimensions": {"width": dims[0], "height": dims[1], "depth": dims[2]},
            "materials": materials,
            "parts": part_dicts,
            "gameplay": {"rarity": rarity, "stats": stats, "effects": effects, "lore": lore},
            "technical": {"target_polycount": int(polycount), "lod_count": 3},
            "tags": tags,
        }
        from core.spec.io import parse_spec

        spec = parse_spec(data)
        return WriteResult(spec=spec, writer=self.name, archetype=arch.name, warnings=warnings)


_NAME_STOP = {"with", "topped", "tied", "featuring", "having", "on", "atop", "and", "holding"}
_SMALL = {"of", "a", "an", "the", "in", "for", "from"}


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
