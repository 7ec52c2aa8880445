"""Conversational spec edits: an instruction ("make it taller", "gold blade, shorter handle")
becomes a validated JSON Patch (RFC 6902, https://www.rfc-editor.org/rfc/rfc6902) that the
user sees as a diff and applies or rejects. Patches are applied with the ``jsonpatch`` library
to a copy; an out-of-schema result is refused with the reason and the spec stays untouched.

Editors (registry by name, as the writers):

- ``builtin`` (no model) understands, clause by clause (split at commas, "and", ";"):
  size words for the whole asset (*taller, shorter, wider, narrower, bigger, smaller, longer,
  thinner, thicker*) or for a named part (*shorter handle*), with amounts that mean what they
  say (*slightly*, *much*, *twice as*, *50 % taller* = x 1.5, *50 % as tall* = x 0.5,
  *3 times smaller*, *10 cm taller*, *2 m tall*; see :mod:`core.spec.amounts`; a size of zero
  or less is refused); a colour or material for a named part or material (*make the blade
  gold*, *red cap*) or for the whole asset's main material; *remove the crest*; *add two
  wheels*, *add four legs*, *add a gold orb on top* (counts, part nouns and places; see
  :mod:`core.spec.add_parts`).
- ``litellm`` asks the model for ``{"patch": [...]}`` with the spec and its JSON Schema.

Every registered editor has the shape of :class:`SpecEditor`. :func:`apply_edit` is the other
way in: a spec edited by hand (a form, the parts table, the JSON text) is validated, and part
edits refit the asset's dimensions.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from core.errors import SpecError, UnknownBackendError, clip
from core.registry import Entry, LazyRegistry
from core.spec import add_parts, amounts, vocab
from core.spec.assemble import texture_kind
from core.spec.model import AssetSpec
from core.types import Availability

if TYPE_CHECKING:
    from core.config import Settings

MAX_OPS = 200


@dataclass
class EditProposal:
    """A proposed change: the patch, the spec it would produce, and readable changes."""

    instruction: str
    patch: list[dict]
    spec: AssetSpec
    changes: list[str] = field(default_factory=list)
    editor: str = "builtin"
    model: str | None = None


@runtime_checkable
class SpecEditor(Protocol):
    """What every spec editor exposes.

    ``name`` is its registry name and ``label`` what the UI shows; ``availability()`` (a
    classmethod) says whether it can run here. Constructed as ``Editor(model=None,
    settings=None)`` (keywords; an editor without a model ignores ``model``).
    """

    name: ClassVar[str]
    label: ClassVar[str]

    @classmethod
    def availability(cls) -> Availability: ...

    def propose(self, spec: AssetSpec, instruction: str) -> EditProposal:
        """The patch ``instruction`` asks for, applied to a copy of ``spec`` and validated.

        Raises ``SpecError`` (not understood, or an invalid result; ``spec`` is untouched) or
        ``LLMError``.
        """
        ...


@dataclass(frozen=True)
class EditResult:
    """A hand-edited spec after :func:`apply_edit`: the valid ``spec``, or ``None`` and the
    ``errors`` (``{"dimensions.height": "message", ...}``, one per field) to show next to
    each field."""

    spec: AssetSpec | None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.spec is not None


def apply_edit(spec: AssetSpec, change: dict) -> EditResult:
    """Validate ``change``, an edited copy of ``spec`` as a JSON dict (``spec.model_dump(mode=
    "json")`` with some fields changed by a form, the parts table or the JSON text).

    When the dimensions were left as they were, part edits refit them
    (:func:`core.spec.geometry.refit_dimensions`): a longer blade makes a longer sword rather
    than being squeezed back into the old size. Dimensions the user typed are kept. ``change``
    is not modified. Never raises for bad values: they come back in ``errors``.
    """
    from core.spec.geometry import refit_dimensions
    from core.spec.io import field_errors

    old = spec.model_dump(mode="json")
    data = copy.deepcopy(change)
    if isinstance(data, dict) and data.get("dimensions") == old["dimensions"]:
        refit_dimensions(old, data)  # part edits resize the asset
    new, errors = field_errors(data)
    return EditResult(new, errors)


def apply_patch(spec: AssetSpec, patch: list[dict]) -> AssetSpec:
    """Apply an RFC 6902 patch to a copy of ``spec`` and validate the result.

    Raises
    ------
    SpecError
        Malformed patch, a path that does not exist, or a result outside the schema.
    """
    import jsonpatch

    if not isinstance(patch, list) or not patch:
        raise SpecError("The patch must be a non-empty list of JSON Patch operations.")
    if len(patch) > MAX_OPS:
        raise SpecError(f"The patch has {len(patch)} operations; at most {MAX_OPS} are allowed.")
    for op in patch:
        if not isinstance(op, dict) or op.get("op") not in (
            "add",
            "remove",
            "replace",
            "move",
            "copy",
            "test",
        ):
            raise SpecError(f"Not a JSON Patch operation: {str(op)[:120]}")
        if not isinstance(op.get("path"), str):
            raise SpecError(f"A JSON Patch operation needs a 'path': {str(op)[:120]}")
    try:
        data = jsonpatch.apply_patch(spec.model_dump(mode="json"), patch, in_place=False)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, KeyError) as e:
        raise SpecError(f"The patch does not apply: {e}") from e
    from core.spec.io import field_errors

    new, errors = field_errors(data)
    if new is None:
        raise SpecError(
            "The edit would make the spec invalid: " + "; ".join(f"{k}: {v}" for k, v in errors.items())
        )
    return new


def describe_changes(old: AssetSpec, new: AssetSpec) -> list[str]:
    """Readable old -> new lines, with parts added / removed named."""
    import jsonpatch

    a, b = old.model_dump(mode="json"), new.model_dump(mode="json")
    out = []
    old_parts, new_parts = {p["name"] for p in a["parts"]}, {p["name"] for p in b["parts"]}
    out += [f"part added: {n}" for n in sorted(new_parts - old_parts)]
    out += [f"part removed: {n}" for n in sorted(old_parts - new_parts)]
    for op in jsonpatch.make_patch(a, b).patch:
        path = op["path"]
        if path.startswith("/parts/") and path.count("/") == 2:
            continue  # whole parts: named above
        before = _get(a, path)
        out.append(f"{path.strip('/').replace('/', '.')}: {_fmt(before)} -> {_fmt(op.get('value'))}")
    return out


def _get(doc, path: str):
    cur = doc
    for token in path.strip("/").split("/"):
        try:
            cur = cur[int(token)] if isinstance(cur, list) else cur[token]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return cur


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list) and all(isinstance(x, (int, float)) for x in v):
        return "(" + ", ".join(f"{x:.4g}" for x in v) + ")"
    return str(v)[:60]


# --- the built-in editor ------------------------------------------------------------------------
# word -> (axes scaled (None: the longest), default factor, comparative?)
_AXES: dict[str, tuple[tuple[int, ...] | None, float | None, bool]] = {
    word: (None if a["axes"] == "longest" else tuple(a["axes"]), a.get("factor"), a["comparative"])
    for word, a in vocab.WORDS["editor_axes"].items()
}
_AMOUNT = [(re.compile(r"\b(much|lot|far|way)\b"), None), (re.compile(r"\b(slightly|bit|little)\b"), 0.4)]
_SPLIT = re.compile(r",|;|\band\b|\bthen\b")
MAX_INSTRUCTION = 1000
ADD_VERBS = {"add", "attach", "put", "place", "give", "mount", "fit", "stick"}
# words naming a part by another name
PART_SYNONYMS = {
    "handle": {"grip", "haft", "shaft", "hilt", "stick", "handle"},
    "hilt": {"grip", "hilt"},
    "edge": {"blade", "edge"},
    "head": {"head", "blade"},
    "top": {"cap", "top", "lid", "roof"},
    "base": {"base", "plinth", "foot", "stand"},
    "legs": {"leg"},
}
FILLER = {
    "make",
    "it",
    "its",
    "the",
    "a",
    "an",
    "much",
    "slightly",
    "bit",
    "little",
    "more",
    "less",
    "please",
    "be",
    "to",
    "is",
    "should",
    "lot",
    "way",
    "far",
    "twice",
    "as",
    "double",
    "half",
    "whole",
    "asset",
    "everything",
    "all",
    "of",
    "very",
    "quite",
    "and",
    "too",
    "so",
    "look",
    "looking",
    "colour",
    "color",
    "material",
    "in",
    "with",
    "on",
    "top",
    "above",
    "add",
    "remove",
    "delete",
    "drop",
    "without",
    "new",
    "by",
    "times",
    "x",
    "than",
    "now",
    "each",
    "at",
    "this",
    "that",
    "thrice",
    "triple",
    "third",
    "quarter",
    "pair",
    "couple",
    "set",
    "one",
    "original",
    "current",
}
_ALL = {"it", "asset", "whole", "everything", "all"}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9%.×+-]+", text.lower())


def _is_amount(word: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:%|x)?", word)) or word in amounts.LENGTH_UNITS


class BuiltinEditor:
    """Rule-based edits without a model (see the module docstring for what it understands)."""

    name: ClassVar[str] = "builtin"
    label: ClassVar[str] = "Built-in (sizes, colours, materials, adding and removing parts)"

    def __init__(self, model: str | None = None, settings: Settings | None = None) -> None:
        """``model`` and ``settings`` are accepted for the common editor signature; unused."""

    @classmethod
    def availability(cls) -> Availability:
        return Availability(True, "offline, always available")

    def propose(self, spec: AssetSpec, instruction: str) -> EditProposal:
        """Turn ``instruction`` into a patch (see the module docstring for what it knows).

        Amounts mean what they say (:mod:`core.spec.amounts`): *50 % taller* is x 1.5, *50 % as
        tall* x 0.5, *3 times smaller* x 1/3, *10 cm taller* + 0.1 m, *2 m tall* = 2 m. Counts
        too: *add two wheels* adds two (:mod:`core.spec.add_parts`).

        Raises
        ------
        SpecError
            Empty or over-long instruction, a clause it does not understand (the message lists
            what it can do), or an impossible result (a size of zero or less) -- nothing is
            changed then.
        """
        raw = str(instruction)
        if len(raw) > MAX_INSTRUCTION:
            raise SpecError(
                f"The instruction is {len(raw):,} characters long; at most {MAX_INSTRUCTION:,} are read.",
                "Ask for one change at a time, e.g. 'make it taller, gold blade'.",
            )
        text = amounts.normalise(raw)
        if not text:
            raise SpecError("The instruction is empty.", 'Try "make it taller" or "make the blade gold".')
        data = spec.model_dump(mode="json")
        self._last_parts: list[int] = []
        self._adding = False
        for clause in [c.strip() for c in _SPLIT.split(text) if c.strip()]:
            if not self._clause(data, clause):
                raise SpecError(
                    f'I did not understand "{clip(clause, 60)}".',
                    'Try "50% taller", "twice as wide", "gold blade", "remove the crest", '
                    '"add two wheels", or the litellm editor.',
                )
        import jsonpatch

        from core.spec.geometry import refit_dimensions

        refit_dimensions(spec.model_dump(mode="json"), data)
        patch = jsonpatch.make_patch(spec.model_dump(mode="json"), data).patch
        if not patch:
            raise SpecError(f'"{clip(text)}" does not change the spec.')
        new = apply_patch(spec, patch)
        return EditProposal(text, patch, new, describe_changes(spec, new), self.name)

    # each handler edits ``data`` in place and says whether it understood the clause
    def _clause(self, data: dict, clause: str) -> bool:
        words = _words(clause)
        noun = add_parts.find_noun(words)
        first = words[0] if words else ""
        continues_add = self._adding and (first in amounts.NUMBER_WORDS or first.isdigit())
        if noun is not None and (ADD_VERBS & set(words) or continues_add):
            self._adding = True
            return self._add(data, clause, words, noun)
        self._adding = False
        parts = self._named_parts(data, words)
        known = (
            FILLER
            | set(_AXES)
            | set(vocab.MATERIAL_WORDS)
            | set(vocab.COLOR_WORDS)
            | vocab.GLOW_WORDS
            | set(amounts.NUMBER_WORDS)
            | set(add_parts.PLACE_WORDS)
        )
        strangers = [w for w in words if w not in known and not _is_amount(w)]
        if strangers and not parts and ADD_VERBS & set(words):
            raise SpecError(
                f'"{clip(clause)}": the built-in editor cannot add {clip(" ".join(strangers), 60)}.',
                f"It adds: {', '.join(sorted(n for n in add_parts.PART_NOUNS))}; or use the litellm editor.",
            )
        if strangers and not parts:
            # a noun that names no part of this asset: say so instead of editing the whole asset
            raise SpecError(
                f'"{clip(clause)}": this asset has no part called {clip(", ".join(strangers), 60)}.',
                f"Parts: {clip(', '.join(p['name'] for p in data['parts']), 300)}.",
            )
        if not parts and not _ALL & set(words):
            parts = self._last_parts  # "the grip red and glowing": the same part again
        self._last_parts = parts
        return any(h(data, clause, words, parts) for h in (self._remove, self._resize, self._recolor))

    @staticmethod
    def _named_parts(data: dict, words: list[str]) -> list[int]:
        stems = {w.rstrip("s") for w in words}
        for w in list(stems):
            stems |= PART_SYNONYMS.get(w, set())
        hits = []
        for i, p in enumerate(data["parts"]):
            # name pieces of one or two letters ("spoke_a_1") or digits name nothing a user types
            pieces = [t for t in p["name"].lower().split("_") if len(t) > 2 and not t.isdigit()]
            tokens = {t.rstrip("s") for t in pieces} | {p["name"].lower().rstrip("s")}
            if tokens & stems or p["material"].lower() in stems:
                hits.append(i)
        return hits

    def _remove(self, data, clause, words, parts) -> bool:
        if not {"remove", "delete", "drop", "without"} & set(words):
            return False
        if not parts:
            raise SpecError(
                f'"{clip(clause)}": no part of this asset has that name.',
                f"Parts: {clip(', '.join(p['name'] for p in data['parts']), 300)}.",
            )
        if len(parts) == len(data["parts"]):
            raise SpecError("Removing every part would leave nothing to build.")
        data["parts"] = [p for i, p in enumerate(data["parts"]) if i not in parts]
        return True

    def _add(self, data, clause, words, noun: tuple[int, str]) -> bool:
        index, name = noun
        count = amounts.parse_count(words, index)
        place = next(
            (add_parts.PLACE_WORDS[w] for w in words[index + 1 :] if w in add_parts.PLACE_WORDS), None
        )
        new = add_parts.place_parts(data, name, count, place)
        material = add_parts.material_for(data, name, words)
        for part in new:
            part["material"] = material
        data["parts"].extend(new)
        return True  # the dimensions grow with the parts' bounds (refit_dimensions)

    def _resize(self, data, clause, words, parts) -> bool:
        key = next((w for w in words if w in _AXES), None)
        if key is None:
            # "make it 150%", "make it half", "triple it": every side
            if not any(_is_amount(w) or w in ("half", "third", "quarter") for w in words) and not (
                set(words) & set(amounts.MULTIPLIER_WORDS)
            ):
                return False
            axes, base, comparative = (0, 1, 2), None, False
        else:
            axes, base, comparative = _AXES[key]
        grows = (base > 1) if comparative or (base is not None and base < 1) else None
        amount = amounts.parse_amount(clause, grows)
        if amount is None:
            if base is None:
                return False  # "the height" alone says nothing
            amount = amounts.Amount("factor", _default_factor(clause, base))
        if parts and not _ALL & set(words):
            for i in parts:
                p = data["parts"][i]
                ax = axes or (max(range(3), key=lambda k: p["size"][k]),)
                p["size"] = [
                    round(amount.apply(v, f"{p['name']} size", clause), 5) if k in ax else v
                    for k, v in enumerate(p["size"])
                ]
            return True
        dims = ["width", "height", "depth"]
        ax = axes or (max(range(3), key=lambda k: data["dimensions"][dims[k]]),)
        for k in ax:
            data["dimensions"][dims[k]] = round(amount.apply(data["dimensions"][dims[k]], dims[k], clause), 5)
        return True

    def _recolor(self, data, clause, words, parts) -> bool:
        preset = next((vocab.MATERIAL_WORDS[w] for w in words if w in vocab.MATERIAL_WORDS), None)
        colour = next((vocab.COLOR_WORDS[w] for w in words if w in vocab.COLOR_WORDS), None)
        glow = bool(set(words) & vocab.GLOW_WORDS)
        if preset is None and colour is None and not glow:
            return False
        if parts:
            target = {data["parts"][i]["material"] for i in parts}
        else:
            target = {add_parts.main_material(data)}
        for m in data["materials"]:
            if m["name"] not in target:
                continue
            if preset is not None:
                m.update({k: v for k, v in vocab.MATERIAL_PRESETS[preset].items()})
                m["texture"] = texture_kind(preset, next(w for w in words if w in vocab.MATERIAL_WORDS))
            if colour is not None:
                m["base_color"] = colour
            if glow:
                m["emissive"] = m["base_color"]
                m["emissive_strength"] = max(m.get("emissive_strength", 1.0), 1.5)
            m.setdefault("emissive", "#000000")
        return True


def _default_factor(clause: str, base: float) -> float:
    """The factor of a size word without a number: *much* doubles the step, *slightly* takes
    40 % of it, otherwise the word's own step (x 1.25 or x 0.8)."""
    for pattern, value in _AMOUNT:
        if pattern.search(clause):
            return base**2 if value is None else 1 + (base - 1) * value
    return base


class LiteLLMEditor:
    """Edits through any LiteLLM model: the reply must be ``{"patch": [RFC 6902 ops]}``."""

    name: ClassVar[str] = "litellm"
    label: ClassVar[str] = "LLM via LiteLLM"

    def __init__(self, model: str | None = None, settings: Settings | None = None) -> None:
        """``model``: a LiteLLM model name (default: the ``LLM_MODELS`` chain). Raises
        ``SpecError`` when no model is configured."""
        from core.spec.llm import LiteLLMSpecWriter

        self.llm = LiteLLMSpecWriter(model=model, settings=settings)

    @classmethod
    def availability(cls) -> Availability:
        """As the litellm spec writer's: an API base or a provider key must be configured."""
        from core.spec.llm import LiteLLMSpecWriter

        return LiteLLMSpecWriter.availability()

    def propose(self, spec: AssetSpec, instruction: str) -> EditProposal:
        """Ask the model for a patch; malformed or out-of-schema patches are fed back once.

        Raises
        ------
        SpecError, LLMError
        """
        import json

        from core.prompts import render
        from core.spec.llm import _schema_json

        text = " ".join(str(instruction).split())
        if len(text) > MAX_INSTRUCTION:
            raise SpecError(
                f"The instruction is {len(text):,} characters long; at most {MAX_INSTRUCTION:,} are read.",
                "Ask for one change at a time.",
            )
        if not text:
            raise SpecError("The instruction is empty.")
        user = render("edit_user.j2", spec_json=json.dumps(spec.model_dump(mode="json")), instruction=text)
        messages = [
            {"role": "system", "content": render("edit_system.j2", schema_json=_schema_json())},
            {"role": "user", "content": user},
        ]

        def validate(reply: dict):
            patch = reply.get("patch") if isinstance(reply, dict) else None
            return patch, apply_patch(spec, patch)

        (patch, new), model, _ = self.llm.ask_json(messages, validate, what="patch")
        return EditProposal(text, patch, new, describe_changes(spec, new), self.name, model)


EDITORS: LazyRegistry[type[SpecEditor]] = LazyRegistry(
    "spec editor",
    {
        "builtin": Entry("core.spec.edits:BuiltinEditor"),
        "litellm": Entry("core.spec.edits:LiteLLMEditor", "pip install litellm"),
    },
    unknown_error=UnknownBackendError,
)


def get_editor(name: str, **kwargs) -> SpecEditor:
    """An instance of the spec editor ``name``; ``kwargs`` (``model``, ``settings``) go to its
    constructor.

    Raises ``UnknownBackendError`` (the message lists the known editors), ``BackendUnavailable``
    or, for ``litellm`` without a model, ``SpecError``.
    """
    return EDITORS.get(name)(**kwargs)


__all__ = [
    "EDITORS",
    "EditProposal",
    "EditResult",
    "SpecEditor",
    "apply_edit",
    "apply_patch",
    "describe_changes",
    "get_editor",
]
