"""Conversational spec edits: an instruction ("make it taller", "gold blade, shorter handle")
becomes a validated JSON Patch (RFC 6902, https://www.rfc-editor.org/rfc/rfc6902) that the
user sees as a diff and applies or rejects. Patches are applied with the ``jsonpatch`` library
to a copy; an out-of-schema result is refused with the reason and the spec stays untouched.

Editors (registry by name, as the writers):

- ``builtin`` (no model) understands, clause by clause (split at commas, "and", ";"):
  size words for the whole asset (*taller, shorter, wider, narrower, bigger, smaller, longer,
  thinner, thicker*) or for a named part (*shorter handle*), with amounts (*slightly*, *much*,
  *twice as*, *50 %*); a colour or material for a named part or material (*make the blade
  gold*, *red cap*) or for the whole asset's main material; *remove the crest*; *add a sphere
  [on top]*.
- ``litellm`` asks the model for ``{"patch": [...]}`` with the spec and its JSON Schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.errors import SpecError
from core.spec import vocab
from core.spec.model import AssetSpec

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
_AXES = {  # word -> (axes scaled, factor)
    "taller": ((1,), 1.25), "higher": ((1,), 1.25), "shorter": ((1,), 0.8), "lower": ((1,), 0.8),
    "wider": ((0, 2), 1.25), "broader": ((0, 2), 1.25), "narrower": ((0, 2), 0.8),
    "thinner": ((0, 2), 0.8), "thicker": ((0, 2), 1.25), "slimmer": ((0, 2), 0.85),
    "bigger": ((0, 1, 2), 1.25), "larger": ((0, 1, 2), 1.25), "smaller": ((0, 1, 2), 0.8),
    "longer": (None, 1.25),
    # plain adjectives, for "twice as tall", "make it wide"
    "tall": ((1,), 1.25), "wide": ((0, 2), 1.25), "big": ((0, 1, 2), 1.25), "large": ((0, 1, 2), 1.25),
    "thick": ((0, 2), 1.25), "long": (None, 1.25), "high": ((1,), 1.25),
}  # fmt: skip
_AMOUNT = [(re.compile(r"\b(twice|double)\b"), 2.0), (re.compile(r"\b(half)\b"), 0.5),
           (re.compile(r"\b(much|lot|far|way)\b"), None), (re.compile(r"\b(slightly|bit|little)\b"), 0.4)]  # fmt: skip
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_SPLIT = re.compile(r",|;|\band\b|\bthen\b")
# words naming a part by another name
PART_SYNONYMS = {"handle": {"grip", "haft", "shaft", "hilt", "stick", "handle"}, "hilt": {"grip", "hilt"},
                 "edge": {"blade", "edge"}, "head": {"head", "blade"}, "top": {"cap", "top", "lid", "roof"},
                 "base": {"base", "plinth", "foot", "stand"}, "legs": {"leg"}}  # fmt: skip
FILLER = {"make", "it", "its", "the", "a", "an", "much", "slightly", "bit", "little", "more", "less", "please",
          "be", "to", "is", "should", "lot", "way", "far", "twice", "as", "double", "half", "whole", "asset",
          "everything", "all", "of", "very", "quite", "and", "too", "so", "look", "looking", "colour", "color",
          "material", "in", "with", "on", "top", "above", "add", "remove", "delete", "drop", "without", "new"}  # fmt: skip


def _factor(clause: str, base: float) -> float:
    m = _PERCENT.search(clause)
    if m:
        pct = float(m.group(1)) / 100
        return 1 + pct if base > 1 else max(1 - pct, 0.05)
    for pattern, value in _AMOUNT:
        if pattern.search(clause):
            if value == 2.0:  # "twice as tall" / "twice as short"
                return 2.0 if base > 1 else 0.5
            if value == 0.5:  # "half as wide"
                return 0.5
            if value is None:  # much: double the step
                return base**2
            return 1 + (base - 1) * value
    return base


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9%.-]+", text.lower())


class BuiltinEditor:
    name = "builtin"

    def propose(self, spec: AssetSpec, instruction: str) -> EditProposal:
        """Turn ``instruction`` into a patch (see the module docstring for what it knows).

        Raises
        ------
        SpecError
            Empty instruction, or a clause it does not understand (the message lists what it
            can do) -- nothing is changed then.
        """
        text = " ".join(str(instruction).split())
        if not text:
            raise SpecError("The instruction is empty.", 'Try "make it taller" or "make the blade gold".')
        data = spec.model_dump(mode="json")
        self._last_parts: list[int] = []
        for clause in [c.strip() for c in _SPLIT.split(text.lower()) if c.strip()]:
            if not self._clause(data, clause):
                raise SpecError(
                    f'I did not understand "{clause}".',
                    "The built-in editor knows: taller / shorter / wider / bigger / smaller / longer "
                    '(for the asset or a named part), a colour or material for a part ("gold blade"), '
                    '"remove the <part>", "add a <primitive> on top". Use the litellm editor for more.',
                )
        import jsonpatch

        from core.spec.geometry import refit_dimensions

        refit_dimensions(spec.model_dump(mode="json"), data)
        patch = jsonpatch.make_patch(spec.model_dump(mode="json"), data).patch
        if not patch:
            raise SpecError(f'"{text}" does not change the spec.')
        new = apply_patch(spec, patch)
        return EditProposal(text, patch, new, describe_changes(spec, new), self.name)

    # each handler edits ``data`` in place and says whether it understood the clause
    def _clause(self, data: dict, clause: str) -> bool:
        words = _words(clause)
        parts = self._named_parts(data, words)
        known = FILLER | set(_AXES) | set(vocab.MATERIAL_WORDS) | set(vocab.COLOR_WORDS) | vocab.GLOW_WORDS
        strangers = [w for w in words if w not in known and not _PERCENT.match(w) and not w.isdigit()]
        if strangers and not parts:
            # a noun that names no part of this asset: say so instead of editing the whole asset
            if any(w in ("box", "cylinder", "cone", "sphere", "hemisphere", "capsule", "torus", "pyramid", "wedge")
                   for w in strangers):  # fmt: skip
                return self._add(data, clause, words, parts)
            raise SpecError(f'"{clause}": this asset has no part called {", ".join(strangers)}.',
                            f"Parts: {', '.join(p['name'] for p in data['parts'])}.")  # fmt: skip
        if not parts and not {"it", "asset", "whole", "everything", "all"} & set(words):
            parts = self._last_parts  # "the grip red and glowing": the same part again
        self._last_parts = parts
        return any(
            h(data, clause, words, parts) for h in (self._remove, self._add, self._resize, self._recolor)
        )

    @staticmethod
    def _named_parts(data: dict, words: list[str]) -> list[int]:
        stems = {w.rstrip("s") for w in words}
        for w in list(stems):
            stems |= PART_SYNONYMS.get(w, set())
        hits = []
        for i, p in enumerate(data["parts"]):
            tokens = {t.rstrip("s") for t in p["name"].lower().split("_")} | {p["name"].lower().rstrip("s")}
            if tokens & stems or p["material"].lower() in stems:
                hits.append(i)
        return hits

    def _remove(self, data, clause, words, parts) -> bool:
        if not {"remove", "delete", "drop", "without"} & set(words):
            return False
        if not parts:
            raise SpecError(f'"{clause}": no part of this asset has that name.',
                            f"Parts: {', '.join(p['name'] for p in data['parts'])}.")  # fmt: skip
        if len(parts) == len(data["parts"]):
            raise SpecError("Removing every part would leave nothing to build.")
        data["parts"] = [p for i, p in enumerate(data["parts"]) if i not in parts]
        return True

    def _add(self, data, clause, words, parts) -> bool:
        prim = next((w for w in words if w in ("box", "cylinder", "cone", "sphere", "hemisphere", "capsule",
                                                "torus", "pyramid", "wedge")), None)  # fmt: skip
        if "add" not in words or prim is None:
            return False
        w, h, d = (data["dimensions"][k] for k in ("width", "height", "depth"))
        size = [round(min(w, d) * 0.3, 5)] * 3
        names = {p["name"] for p in data["parts"]}
        name = next(f"{prim}_{i}" for i in range(1, 1000) if f"{prim}_{i}" not in names)
        top = max(p["position"][1] + p["size"][1] / 2 for p in data["parts"])
        y = top + size[1] / 2 if {"top", "above"} & set(words) else h / 2
        data["parts"].append({"name": name, "primitive": prim, "size": size, "position": [0.0, y, 0.0],
                              "rotation": [0.0, 0.0, 0.0], "material": data["parts"][0]["material"]})  # fmt: skip
        return True  # the dimensions grow with the parts' bounds (refit_dimensions)

    def _resize(self, data, clause, words, parts) -> bool:
        key = next((w for w in words if w in _AXES), None)
        if key is None:
            return False
        axes, base = _AXES[key]
        f = _factor(clause, base)
        if parts and not {"it", "asset", "whole", "everything", "all"} & set(words):
            for i in parts:
                p = data["parts"][i]
                ax = axes or (max(range(3), key=lambda k: p["size"][k]),)
                p["size"] = [round(v * f, 5) if k in ax else v for k, v in enumerate(p["size"])]
            return True
        dims = ["width", "height", "depth"]
        ax = axes or (max(range(3), key=lambda k: data["dimensions"][dims[k]]),)
        for k in ax:
            data["dimensions"][dims[k]] = round(data["dimensions"][dims[k]] * f, 5)
        return True

    def _recolor(self, data, clause, words, parts) -> bool:
        preset = next((vocab.MATERIAL_WORDS[w] for w in words if w in vocab.MATERIAL_WORDS), None)
        colour = next((vocab.COLOR_WORDS[w] for w in words if w in vocab.COLOR_WORDS), None)
        glow = bool(set(words) & vocab.GLOW_WORDS)
        if preset is None and colour is None and not glow:
            return False
        if parts:
            target = {data["parts"][i]["material"] for i in parts}
        else:  # the material used by most faces' parts: the asset's main material
            counts = {}
            for p in data["parts"]:
                counts[p["material"]] = (
                    counts.get(p["material"], 0) + p["size"][0] * p["size"][1] * p["size"][2]
                )
            target = {max(counts, key=counts.get)}
        for m in data["materials"]:
            if m["name"] not in target:
                continue
            if preset is not None:
                m.update({k: v for k, v in vocab.MATERIAL_PRESETS[preset].items()})
            if colour is not None:
                m["base_color"] = colour
            if glow:
                m["emissive"] = m["base_color"]
                m["emissive_strength"] = max(m.get("emissive_strength", 1.0), 1.5)
            m.setdefault("emissive", "#000000")
        return True


class LiteLLMEditor:
    """Edits through any LiteLLM model: the reply must be ``{"patch": [RFC 6902 ops]}``."""

    name = "litellm"

    def __init__(self, model: str | None = None) -> None:
        from core.spec.llm import LiteLLMSpecWriter

        self.llm = LiteLLMSpecWriter(model=model)

    def propose(self, spec: AssetSpec, instruction: str) -> EditProposal:
        """Ask the model for a patch; malformed or out-of-schema patches are fed back once.

        Raises
        ------
        SpecError, LLMError
        """
        import json

        from core.prompts import render
        from core.spec.llm import _schema_json

        text = " ".join(str(instruction).split())[:1000]
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


EDITORS = {"builtin": BuiltinEditor, "litellm": LiteLLMEditor}


def get_editor(name: str, **kwargs):
    """An editor by name; unknown names list the known ones."""
    from core.errors import UnknownBackendError

    if name not in EDITORS:
        raise UnknownBackendError(f"Unknown spec editor '{name}'.", f"Known: {', '.join(EDITORS)}.")
    return EDITORS[name](**kwargs) if name == "litellm" else EDITORS[name]()


__all__ = ["EditProposal", "apply_patch", "describe_changes", "get_editor"]
