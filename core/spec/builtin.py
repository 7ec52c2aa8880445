"""The built-in spec writer: description -> templates -> one composed spec; no model, no network.

Stages (each a function below; the README explains them for users):

1. :func:`clean_description` - control characters removed, whitespace collapsed, clamped.
2. :func:`core.spec.parse.parse` - the head noun and the segments attached to it.
3. :func:`rank` - the head's template and the top three candidates with scores; an unknown noun
   takes the nearest template by spelling, word endings, family hints and the chosen kind.
4. :func:`set_params` - seed draws, counts ("two wheels") and part sizes ("a long blade").
5. :func:`compose_segments` - the templates of the other nouns placed by relation (*on*, *in*,
   *with*, *holding*, *of*) at the head's attachment points (:mod:`core.spec.compose`).
6. :func:`apply_words` - materials, colours, glow, style, size words, per segment.
7. :func:`finish` - gameplay, name, tags, and validation into an :class:`AssetSpec`.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.errors import SpecError
from core.spec import vocab
from core.spec.assemble import texture_kind
from core.spec.compose import (
    Instance,
    attach_to,
    evaluate,
    place_beside,
    place_in,
    place_on,
    sample_params,
)
from core.spec.library import Library, get_library, singulars
from core.spec.parse import (
    AND,
    BESIDE,
    DECORATIONS,
    HOLD,
    IGNORE,
    IN,
    MATERIAL,
    OF,
    ON,
    TOP,
    Noun,
    Parse,
    Segment,
    count_in,
    parse,
)
from core.spec.template_model import FAMILIES, CompiledTemplate
from core.types import Availability

if TYPE_CHECKING:
    from core.config import Settings
    from core.spec.families import FamilyInfo

MAX_DESCRIPTION_CHARS = 1000
MIN_SCALE, MAX_SCALE = 0.1, 10.0  # what size and shape words may do to a template
MAX_TEMPLATES = 4
GROW = {"long", "tall", "big", "large", "huge", "giant", "wide", "broad", "thick", "massive", "heavy"}
SHRINK = {"short", "small", "tiny", "little", "thin", "narrow", "slim", "slender", "stubby", "mini"}


@dataclass
class Candidate:
    """A template the writer considered, with a score in [0, 1] and why."""

    name: str
    family: str
    score: float
    why: str

    def as_dict(self) -> dict:
        return {"name": self.name, "family": self.family, "score": round(self.score, 3), "why": self.why}


@dataclass
class WriteResult:
    """What a spec writer returns: the spec plus how it was made. ``candidates`` are the top
    three templates (best first) for the Review page's "Not what you meant?"."""

    spec: object
    writer: str
    archetype: str
    warnings: list[str] = field(default_factory=list)
    model: str | None = None
    cached: bool = False
    candidates: list[Candidate] = field(default_factory=list)
    seed: int = 0
    fallback: bool = False


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


# --- 3. ranking -------------------------------------------------------------------------------


def _hint_score(t: CompiledTemplate, words: set[str]) -> int:
    """Distinct words of ``words`` among ``t``'s hints and part words."""
    return len(words & (set(t.tpl.hints) | t.part_words))


def _alternatives(
    lib: Library, chosen: list[Candidate], words: set[str], family: str | None
) -> list[Candidate]:
    """Fill the candidate list to three with templates of the same family that share words."""
    have = {c.name for c in chosen}
    fam = family or (lib.templates[chosen[0].name].family if chosen else None)
    pool = [
        t for t in lib.templates.values() if t.name not in have and t.family == fam and t.family != "generic"
    ]
    text_words = {w for n in words for w in n.split()}

    def shared(t: CompiledTemplate) -> int:  # nouns that share a word with the description
        return sum(1 for n in t.tpl.nouns if text_words & set(n.split()))

    # context first, then shared words, then the broadest templates (most nouns): the common kinds
    pool.sort(key=lambda t: (-_hint_score(t, words), -shared(t), -len(t.tpl.nouns), t.name))
    top = chosen[0].score if chosen else 0.5
    return [Candidate(t.name, t.family, round(top * 0.5, 3), f"same family ({t.family})") for t in pool]


def rank(p: Parse, lib: Library, family: str | None = None) -> tuple[list[Candidate], str | None]:
    """Candidate templates for the parse's head, best first (at least one), and a note that
    explains a guess (``None`` when the noun was found).

    Parameters
    ----------
    family : str, optional
        The kind chosen on the Describe page; favours that family.
    """
    words = p.words()
    noun = p.head_noun
    if noun is not None and noun.templates:
        out, note = _named_candidates(noun, lib, words, family), None
    else:
        out, note = _guessed_candidates(p, lib, words, family)
    if len(out) < 3:
        out += _alternatives(lib, out, words, None)
    first, rest = out[0], sorted(out[1:3], key=lambda c: -c.score)  # the pick stays first
    return [first, *rest], note


def _named_candidates(noun: Noun, lib: Library, words: set[str], family: str | None) -> list[Candidate]:
    """Stage 3a, a known noun: its templates, scored 1.0 when it names one, else by context
    hints; the chosen kind adds 0.2. Best first, ties in the noun's own order."""
    n = len(noun.templates)
    out: list[Candidate] = []
    for name in noun.templates:
        t = lib.templates[name]
        s = 1.0 if n == 1 else 0.7 + 0.06 * min(_hint_score(t, words), 4)
        s += 0.2 if family and t.family == family else 0.0
        why = (
            f"'{noun.text}' is a {name.replace('_', ' ')}"
            if noun.how == "noun"
            else (f"'{noun.text}' read as a compound of '{name.replace('_', ' ')}'")
        )
        out.append(Candidate(name, t.family, min(s, 1.0), why))
    out.sort(key=lambda c: (-c.score, noun.templates.index(c.name)))
    return out


class _Guesses:
    """Best score, and its reason, per template name while guessing an unknown noun."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib
        self.scores: dict[str, tuple[float, str]] = {}

    def bump(self, name: str, s: float, why: str) -> None:
        """Keep ``s`` (and ``why``) for ``name`` if it beats the score it has."""
        if name in self.lib.templates and s > self.scores.get(name, (0.0, ""))[0]:
            self.scores[name] = (s, why)

    def candidates(self) -> list[Candidate]:
        """Every guessed template, best first, ties by name."""
        out = [Candidate(n, self.lib.templates[n].family, s, why) for n, (s, why) in self.scores.items()]
        out.sort(key=lambda c: (-c.score, c.name))
        return out


def _guessed_candidates(
    p: Parse, lib: Library, words: set[str], family: str | None
) -> tuple[list[Candidate], str]:
    """Stage 3b, an unknown (or missing) noun: misspellings, family word endings and hints, and
    the hints of the object's own phrase; a generic prop when nothing matches. Returns the
    candidates and the note that explains the guess."""
    word = p.head_noun.text if p.head_noun is not None else None
    guesses = _Guesses(lib)
    if word:
        _misspellings(word, lib, guesses)
    _family_guesses(word, words, family, lib, guesses)
    _phrase_hint_guesses(p, lib, words, guesses)
    out = guesses.candidates()
    if not out:
        return _nothing_matched(word, lib)
    note = (
        f"no template for '{word}'; closest: '{out[0].name.replace('_', ' ')}' ({out[0].why})"
        if word
        else (f"no object named; guessed '{out[0].name.replace('_', ' ')}' ({out[0].why})")
    )
    return out, note


def _misspellings(word: str, lib: Library, guesses: _Guesses) -> None:
    """Score 0.7 for the templates of nouns ``word`` looks like a misspelling of: close in
    spelling, the same length give or take one, the same first letter."""
    for close in difflib.get_close_matches(word, lib.single_nouns(), n=3, cutoff=0.82):
        if abs(len(close) - len(word)) > 1 or close[0] != word[0]:
            continue  # a misspelling keeps its length and first letter; "burrito" is not "burro"
        for name in lib.nouns[(close,)]:
            guesses.bump(name, 0.7, f"'{word}' looks like a misspelling of '{close}'")


def _family_guesses(
    word: str | None, words: set[str], family: str | None, lib: Library, guesses: _Guesses
) -> None:
    """Score each family (but generic) by :func:`_family_score`, at most 0.69, on its member
    that shares most hints with the description, else on its default template."""
    from core.spec.families import families

    for fam, info in families().items():
        default = (
            info.default
            if info.default in lib.templates
            else next((t.name for t in lib.templates.values() if t.family == fam), None)
        )
        if default is None or fam == "generic":
            continue
        s, why = _family_score(fam, info, word, words, family)
        if s > 0:
            members = [t for t in lib.templates.values() if t.family == fam]
            best = max(members, key=lambda t: (_hint_score(t, words), t.name == default))
            guesses.bump(best.name if _hint_score(best, words) else default, min(s, 0.69), why)


def _family_score(
    fam: str, info: FamilyInfo, word: str | None, words: set[str], family: str | None
) -> tuple[float, str]:
    """How much the description hints at family ``fam``, and why: the noun's ending (longer
    endings say more: "-scope" more than "-er"), up to three hint words, the chosen kind."""
    s, why = 0.0, ""
    ends = [x for x in info.suffixes if word and word.endswith(x) and len(word) > len(x) + 2]
    if ends:
        s, why = (
            min(0.3 + 0.04 * max(map(len, ends)), 0.5),
            f"'{word}' ends like a {fam.replace('_', ' ')} word",
        )
    hits = sorted(words & set(info.hints))
    if hits:
        s += 0.12 * min(len(hits), 3)
        why = why or f"{fam.replace('_', ' ')} hints: {', '.join(hits[:3])}"
    if family == fam:
        s += 0.4
        why = why or "the kind chosen"
    return s, why


def _phrase_hint_guesses(p: Parse, lib: Library, words: set[str], guesses: _Guesses) -> None:
    """Score templates that share two or more hint or part words with the object's own phrase
    (0.15 each, at most 0.6)."""
    head_words = set()
    if p.head is not None:
        head_words = {w for tok in p.segments[p.head].tokens for w in (tok, *singulars(tok))}
    for t in lib.templates.values():
        k = _hint_score(t, head_words)
        if k >= 2:
            guesses.bump(
                t.name,
                min(0.15 * k, 0.6),
                f"hints: {', '.join(sorted(words & (set(t.tpl.hints) | t.part_words))[:3])}",
            )


def _nothing_matched(word: str | None, lib: Library) -> tuple[list[Candidate], str]:
    """The generic prop (score 0), then nouns spelt somewhat like ``word`` (0.1), and the note
    that asks the user to pick a template."""
    generic = "generic" if "generic" in lib.templates else next(iter(lib.templates))
    out = [Candidate(generic, lib.templates[generic].family, 0.0, "nothing matched")]
    if word:
        for close in difflib.get_close_matches(word, lib.single_nouns(), n=3, cutoff=0.5):
            name = lib.nouns[(close,)][0]
            if name not in {c.name for c in out}:
                out.append(Candidate(name, lib.templates[name].family, 0.1, f"spelt like '{close}'"))
    note = (
        (
            f"no template for '{word}' and nothing else in the description hints at a kind; "
            "a generic prop was used: pick a template below"
        )
        if word
        else ("the description names no object; a generic prop was used: pick a template below")
    )
    return out, note


# --- 4. parameters ----------------------------------------------------------------------------


def _solve_count(t: CompiledTemplate, params: dict[str, float], part_word: str, count: int) -> str | None:
    """Set the integer parameter that makes the parts named ``part_word`` number ``count``;
    returns a warning when the template's range cannot reach it."""
    for cp in t.parts:
        if part_word not in cp.words or cp.repeat is None:
            continue
        names = [n for n in cp.repeat.names if t.tpl.params[n].integer]
        if len(names) != 1:
            continue
        pname, spec = names[0], t.tpl.params[names[0]]
        best, gap = None, None
        for v in range(int(spec.min), int(spec.max) + 1):
            got = cp.repeat({**params, pname: float(v)})
            if gap is None or abs(got - count) < gap:
                best, gap = v, abs(got - count)
        if best is not None:
            params[pname] = float(best)
            if gap:
                return f"A {t.name.replace('_', ' ')} here has {int(cp.repeat(params))} {part_word}s, not {count}."
            return None
    return None


def set_params(t: CompiledTemplate, p: Parse, seed: int | None) -> tuple[dict[str, float], list[str]]:
    """Parameter values: seeded draw, then counts and size words on the head's parts.

    "two wheels" sets the integer parameter behind the wheels' ``repeat``; "a long blade"
    moves the parameters whose ``part`` is *blade* 80 % of the way to their maximum.
    """
    params = sample_params(t, seed)
    warnings: list[str] = []
    for i, seg in enumerate(p.segments):
        if i != p.head and seg.noun is not None and seg.noun.templates and not _names_part(t, seg):
            continue  # an attached object of its own
        for k, tok in enumerate(seg.tokens):
            if i == p.head and seg.noun and seg.noun.start <= k < seg.noun.end and tok not in t.part_words:
                continue
            forms = {tok, *singulars(tok)}
            hit = forms & t.part_words
            if not hit:
                continue
            pw = next(iter(sorted(hit)))
            count = count_in(seg.tokens[:k][-3:])
            if count is not None:
                w = _solve_count(t, params, pw, count)
                if w:
                    warnings.append(w)
            adj = set(seg.tokens[max(0, k - 3) : k])
            for name, spec in t.tpl.params.items():
                if spec.integer or spec.part not in forms:
                    continue
                if adj & GROW:
                    params[name] = spec.default + 0.8 * (spec.max - spec.default)
                elif adj & SHRINK:
                    params[name] = spec.default - 0.8 * (spec.default - spec.min)
    noun = p.head_noun
    if noun is not None and p.head is not None:
        count = count_in(p.segments[p.head].tokens[: noun.start])
        if count and count > 1:
            own = set(noun.words) | {t.name} | {s for w in noun.words for s in singulars(w)}
            for name, spec in t.tpl.params.items():
                if spec.integer and spec.part in own:
                    params[name] = float(min(max(count, spec.min), spec.max))
    return params, warnings


def _names_part(t: CompiledTemplate, seg: Segment) -> bool:
    """Whether the segment's noun is one of ``t``'s parts ("with two **wheels**")."""
    if seg.noun is None:
        return False
    last = seg.noun.words[-1]
    return bool({last, *singulars(last)} & t.part_words)


# --- 5. composition ---------------------------------------------------------------------------


def _pick(names: list[str], lib: Library, words: set[str], host: CompiledTemplate) -> CompiledTemplate:
    """Of an ambiguous noun's templates, the one the context favours (hints, then whether it
    attaches to a point the host has: a *bow* on a teddy bear is a ribbon)."""

    def key(n: str) -> tuple:
        t = lib.templates[n]
        fits = bool(set(t.tpl.attach) & host.point_names) and t.tpl.attach != ("side", "top")
        return (-_hint_score(t, words), -int(fits), names.index(n))

    return lib.templates[sorted(names, key=key)[0]]


def compose_segments(
    p: Parse, lib: Library, head: Instance, seed: int | None
) -> tuple[list[Instance], dict[int, Instance], list[str]]:
    """Place the templates of the other segments' nouns around ``head``.

    Returns all instances (head first), which instance each segment made, and warnings.
    """
    words = p.words()
    group = [head]
    made: dict[int, Instance] = {}
    warnings: list[str] = []
    for i, seg in enumerate(p.segments):
        if i == p.head or seg.noun is None or not seg.noun.templates or seg.relation in (MATERIAL, IGNORE):
            continue
        if i < (p.head or 0) or _names_part(head.template, seg) or seg.noun.words[-1] in DECORATIONS:
            continue
        if seg.relation == OF and not (
            "inside" in head.points or head.template.family in ("container", "vessel")
        ):
            continue  # "staff of fire", "sword of light": words, not objects
        if len(group) >= MAX_TEMPLATES:
            warnings.append(f"At most {MAX_TEMPLATES} objects are composed; '{seg.noun.text}' was left out.")
            continue
        t = _pick(seg.noun.templates, lib, words, head.template)
        seg_words = set(seg.tokens) | {s for w in seg.tokens for s in singulars(w)}
        try:
            inst = evaluate(t, sample_params(t, seed), seg_words, seed)
        except SpecError as e:  # a template that fails for these words is left out, and said so
            warnings.append(f"'{seg.noun.text}' was left out: {e}")
            continue
        if seg.relation == ON:
            place_on(group, inst)
        elif seg.relation == IN:
            place_in(group, inst)
            _see_through(inst)
        elif seg.relation == OF:
            place_in([inst], head)
            _see_through(head)
        elif seg.relation == BESIDE or seg.relation == AND:
            place_beside(inst, group)
        else:
            prefer = {HOLD: ("hand", "grip"), TOP: ("top",)}.get(seg.relation, ())
            attach_to(inst, head, prefer)
        group.append(inst)
        made[i] = inst
    return group, made, warnings


def _see_through(inst: Instance) -> None:
    inst.see_through = inst.template.tpl.see_through is not None


# --- 6. words ---------------------------------------------------------------------------------


def _mix(a: str, b: str, w: float) -> str:
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x * (1 - w) + y * w):02x}" for x, y in zip(ca, cb, strict=True))


def _apply_tokens(m: dict, tokens: list[str]) -> None:
    for t in tokens:
        if t in vocab.MATERIAL_WORDS:
            preset = vocab.MATERIAL_WORDS[t]
            values = dict(vocab.MATERIAL_PRESETS[preset])
            if preset == m.get("preset"):  # "satin bow" on a red cloth ribbon: still red
                values.pop("base_color", None)
            m.update(values, preset=preset, texture=texture_kind(preset, t))
        if t in vocab.COLOR_WORDS:
            m["base_color"] = vocab.COLOR_WORDS[t]
            if m.get("emissive", "#000000") != "#000000":
                m["emissive"] = vocab.COLOR_WORDS[t]
        if t in vocab.TINT_WORDS:
            hexc, w = vocab.TINT_WORDS[t]
            m["base_color"] = _mix(m["base_color"], hexc, w)
        if t in vocab.LIQUID_WORDS and m.get("preset") in ("liquid", "water"):
            m["base_color"] = vocab.LIQUID_WORDS[t]


def role_of(inst: Instance, role: str | None) -> str:
    """Spec material name of ``inst``'s ``role``; its primary (or first) when unused or None."""
    return (
        inst.roles.get(role or "")
        or inst.roles.get(inst.template.tpl.primary)
        or next(iter(inst.roles.values()))
    )


def _glow(m: dict) -> None:
    if m.get("emissive", "#000000") == "#000000":
        m["emissive"] = m["base_color"]
    m["emissive_strength"] = max(m.get("emissive_strength", 1.0), 1.5)


def apply_words(p: Parse, head: Instance, made: dict[int, Instance], mats: dict[str, dict]) -> None:
    """Materials, colours, tints and glow words of each segment, on the materials they name.

    A segment's words go to the parts it names ("iron **bands**"), else to the object the
    segment made, else to the head's primary material (or its glow material for glow words).
    Words inside a segment's noun ("**pine** tree", "**golden** retriever") are not materials.
    ``mats`` maps spec material names to PBR dicts and is changed in place.
    """
    for i, seg in enumerate(p.segments):
        target = made.get(i, head)
        tokens = [
            t
            for k, t in enumerate(seg.tokens)
            if not (
                seg.noun
                and seg.noun.start <= k < seg.noun.end
                and seg.noun.templates
                and i in (p.head, *made)
            )
        ]
        if i == p.head and p.material:
            # "statue of a knight": all stone; "marble statue of a knight": all marble
            stated = [vocab.MATERIAL_WORDS[t] for t in tokens if t in vocab.MATERIAL_WORDS]
            whole = stated[0] if stated else p.material
            for role in head.roles.values():
                mats[role].update(vocab.MATERIAL_PRESETS[whole], preset=whole, texture=texture_kind(whole))
        tset = set(tokens) | {s for w in tokens for s in singulars(w)}
        named = sorted(
            {q["material"] for q, cp in zip(head.parts, head.srcs, strict=True) if cp.words & tset}
        )
        named = named if target is head else []
        primary = target.template.tpl.primary
        roles = [head.roles[r] for r in named] or [role_of(target, primary)]
        if not named and i != p.head and target is head and not (set(tokens) & set(vocab.MATERIAL_WORDS)):
            glow_role = head.template.tpl.glow
            if set(tokens) & vocab.GLOW_WORDS and glow_role:
                roles = [role_of(head, glow_role)]
        for role in roles:
            _apply_tokens(mats[role], tokens)
        if set(tokens) & vocab.GLOW_WORDS:
            glow_role = target.template.tpl.glow
            glow_roles = roles if (named or i != p.head) else [role_of(target, glow_role)]
            for role in glow_roles:
                _glow(mats[role])


# --- the writer -------------------------------------------------------------------------------


class BuiltinSpecWriter:
    """Template-library spec writer; deterministic per (description, seed), offline, ~ms per spec."""

    name = "builtin"
    label = "Built-in (offline template library)"

    def __init__(self, library: Library | None = None, settings: Settings | None = None):
        """``library``: the templates to use (default :func:`~core.spec.library.get_library`
        for ``settings``, which default to the settings in force)."""
        self._library = library
        self._settings = settings

    @property
    def library(self) -> Library:
        return self._library if self._library is not None else get_library(settings=self._settings)

    @classmethod
    def availability(cls) -> Availability:
        return Availability(True, "offline, always available")

    def write(
        self,
        description: str,
        style: str | None = None,
        *,
        seed: int = 0,
        template: str | None = None,
        family: str | None = None,
        params: dict[str, float] | None = None,
    ) -> WriteResult:
        """Write a complete :class:`~core.spec.model.AssetSpec` for ``description``.

        Parameters
        ----------
        description : str
            What the user typed; cleaned and clamped, see :func:`clean_description`.
        style : str, optional
            A :class:`~core.spec.model.Style` value that overrides style words in the text.
        seed : int
            0: each template's defaults. Another value: a deterministic variant (parameters
            drawn from their ranges, optional parts).
        template : str, optional
            Use this template for the object instead of the one the noun names.
        family : str, optional
            The kind chosen by the user; favours that family when the noun is unknown.
        params : dict, optional
            Parameter values of the object's template (clamped to their ranges).

        Raises
        ------
        SpecError
            Empty description, unknown style, template or family.
        """
        text, warnings = clean_description(description)
        _check_options(style, family, seed)
        lib = self.library
        p = parse(text, lib)
        candidates, note = rank(p, lib, family)
        fallback = candidates[0].score == 0.0 and template is None
        t, candidates = _choose_template(lib, candidates, note, template, warnings)
        from core.spec.finish import finish

        spec, more = finish(text, p, lib, t, style, seed, params)
        return WriteResult(
            spec, self.name, t.name, warnings + more, candidates=candidates, seed=seed, fallback=fallback
        )


def _check_options(style: str | None, family: str | None, seed: int) -> None:
    """Refuse an unknown style or family, or a seed outside 0..2**32-1 (``SpecError``)."""
    if style is not None and style not in vocab.STYLE_WORDS.values():
        allowed = sorted(set(vocab.STYLE_WORDS.values()))
        raise SpecError(f"Unknown style '{style}'.", f"Choose one of {allowed}.")
    if family is not None and family not in FAMILIES:
        raise SpecError(f"Unknown kind '{str(family)[:40]}'.", f"Choose one of {', '.join(FAMILIES)}.")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise SpecError("The seed must be a whole number from 0 to 4294967295.")


def _choose_template(
    lib: Library, candidates: list[Candidate], note: str | None, template: str | None, warnings: list[str]
) -> tuple[CompiledTemplate, list[Candidate]]:
    """The template to build and the candidates to show: the user's ``template`` first (then
    the two best others), else the best candidate, whose guess ``note`` joins ``warnings``.

    Raises ``SpecError`` for an unknown ``template``."""
    if template is not None:
        t = lib.get(template)
        others = [c for c in candidates if c.name != t.name][:2]
        return t, [Candidate(t.name, t.family, 1.0, "chosen by you"), *others]
    if note:
        warnings.append(note[:1].upper() + note[1:] + ".")
    return lib.templates[candidates[0].name], candidates
