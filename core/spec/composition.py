"""A compact answer an LLM may give instead of raw parts: templates of the library, their
parameters, and how they attach. Small local models (Ollama 3B-class) write this reliably::

    {"template": "teapot", "params": {"height": 0.2},
     "attach": [{"template": "flower", "relation": "on"}],
     "colors": {"body": "#3a6ea5"}, "name": "Blue Teapot"}

:func:`build_composition` validates it against the library and builds the spec with the
built-in writer's own stages, so the result is as valid as an offline one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import SpecError

if TYPE_CHECKING:
    from core.spec.library import Library

RELATION_WORDS = {
    "on": "on",
    "in": "in",
    "with": "with",
    "holding": "holding",
    "beside": "beside",
    "of": "of",
    "topped": "topped with",
}


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: str = Field(max_length=40)
    relation: Literal["on", "in", "with", "holding", "beside", "of", "topped"] = "with"


class Composition(BaseModel):
    """The composition reply: one head template, up to three attached ones."""

    model_config = ConfigDict(extra="forbid")
    template: str = Field(max_length=40)
    params: dict[Annotated[str, Field(max_length=40)], float] = Field(default_factory=dict, max_length=20)
    attach: list[Attachment] = Field(default_factory=list, max_length=3)
    colors: dict[
        Annotated[str, Field(max_length=40)], Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
    ] = Field(default_factory=dict, max_length=20)
    name: str | None = Field(None, max_length=80)
    style: str | None = Field(None, max_length=20)


def is_composition(data: dict) -> bool:
    return isinstance(data, dict) and "template" in data and "parts" not in data


def build_composition(
    data: dict, description: str, style: str | None = None, seed: int = 0, library: Library | None = None
):
    """The :class:`~core.spec.model.AssetSpec` of a composition reply, built from ``library``
    (default :func:`~core.spec.library.get_library`).

    Raises
    ------
    SpecError
        Not a valid composition, an unknown template or parameter (the message lists the
        known ones, for the LLM's repair round).
    """
    from core.spec.builtin import BuiltinSpecWriter
    from core.spec.library import get_library

    try:
        comp = Composition.model_validate(data)
    except ValidationError as e:
        from core.spec.io import format_validation_error

        raise SpecError(f"Not a valid composition: {format_validation_error(e)}") from None
    lib = get_library() if library is None else library
    names = [comp.template, *(a.template for a in comp.attach)]
    for n in names:
        if n not in lib.templates:
            raise SpecError(f"Unknown template '{n[:40]}'; use a name from the catalogue.")
    head = lib.templates[comp.template]
    unknown = sorted(set(comp.params) - set(head.tpl.params))
    if unknown:
        raise SpecError(
            f"Template '{head.name}' has no parameters {unknown}; it has {sorted(head.tpl.params)}."
        )
    text = head.name.replace("_", " ") + "".join(
        f" {RELATION_WORDS[a.relation]} {a.template.replace('_', ' ')}" for a in comp.attach
    )
    result = BuiltinSpecWriter(lib).write(
        text,
        style=style or (comp.style if comp.style in _styles() else None),
        seed=seed,
        template=head.name,
        params=comp.params,
    )
    spec = result.spec
    updates: dict = {"short_description": description[:300]}
    if comp.name and comp.name.strip():
        updates["name"] = comp.name.strip()
    mats = []
    for m in spec.materials:
        colour = comp.colors.get(m.name)
        mats.append(m.model_copy(update={"base_color": colour.lower()}) if colour else m)
    from core.spec.io import parse_spec

    return parse_spec(
        {**spec.model_dump(mode="json"), **updates, "materials": [m.model_dump(mode="json") for m in mats]}
    )


def _styles() -> set[str]:
    from core.spec import vocab

    return set(vocab.STYLE_WORDS.values())
