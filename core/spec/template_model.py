"""The template schema: one validated record per kind of object the built-in writer knows.

A template is data (a ``[[template]]`` table in a TOML file under ``core/spec/templates/``).
This module holds its pydantic model; :mod:`core.spec.library` loads the files and
:mod:`core.spec.compose` turns a template plus parameter values into spec parts.

Conventions (as the spec's): metres and degrees, +Y up, the object's base centre at the
origin. ``size`` is the primitive's bounding box before rotation. Sizes, positions and rotations
are numbers or expressions (:mod:`core.spec.expr`) over the template's ``params``; inside a
part with ``repeat``, ``i`` (0-based index) and ``n`` (the count) may be used too.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.spec.expr import Expr, ExprError, parse_expr
from core.spec.model import Category, Primitive

FAMILIES = (
    "blade",
    "hafted",
    "ranged",
    "firearm",
    "shield",
    "magic",
    "armour",
    "wearable",
    "jewellery",
    "container",
    "vessel",
    "furniture",
    "tool",
    "lighting",
    "paper",
    "instrument",
    "device",
    "vehicle",
    "building",
    "world_prop",
    "tree",
    "plant",
    "rock",
    "food",
    "toy",
    "creature",
    "collectible",
    "generic",
)
"""Families group templates for matching, the catalogue and the evaluation set's labels."""

POINTS = ("top", "base", "side", "front", "back", "grip", "inside", "neck", "head", "hand", "tip")
"""Attachment points a template may declare; relations in a description pick one."""

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED = {"i", "n", "pi"}
Number = float | int | str
Vec = tuple[Number, Number, Number]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Param(_Strict):
    """A named, ranged parameter; ``default`` is what the writer uses without a seed."""

    default: float
    min: float
    max: float
    integer: bool = Field(False, description="Counts: rounded to whole numbers.")
    part: str | None = Field(
        None, max_length=40, description="Part noun this parameter sizes or counts ('blade', 'wheel')."
    )

    @model_validator(mode="after")
    def _range(self) -> Param:
        if not self.min <= self.default <= self.max:
            raise ValueError(f"default {self.default} must lie within [min {self.min}, max {self.max}]")
        return self


class MaterialRole(_Strict):
    """A material role ("blade", "grip"): a preset from :data:`core.spec.vocab.MATERIAL_PRESETS`
    plus overrides."""

    preset: str
    base_color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    metallic: float | None = Field(None, ge=0, le=1)
    roughness: float | None = Field(None, ge=0, le=1)
    emissive: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    emissive_strength: float | None = Field(None, ge=0, le=100)
    opacity: float | None = Field(None, ge=0, le=1)

    @field_validator("preset")
    @classmethod
    def _known(cls, v: str) -> str:
        from core.spec.vocab import MATERIAL_PRESETS

        if v not in MATERIAL_PRESETS:
            raise ValueError(f"unknown preset '{v}'; known: {sorted(MATERIAL_PRESETS)}")
        return v


class PartTemplate(_Strict):
    """One primitive (or ``repeat`` of them) of a template."""

    name: str = Field(pattern=NAME.pattern)
    primitive: Primitive
    size: Vec
    position: Vec = (0, 0, 0)
    rotation: Vec = (0, 0, 0)
    material: str
    aliases: tuple[Annotated[str, Field(max_length=40)], ...] = ()
    when: tuple[str, ...] = Field((), description="Only if one of these words is in the description.")
    unless: tuple[str, ...] = Field((), description="Left out if one of these words is in the description.")
    chance: float = Field(1.0, ge=0, le=1, description="Probability of the part in seeded variants.")
    repeat: Number | None = Field(None, description="Count (number or parameter expression); i, n usable.")


class Point(_Strict):
    """An attachment point: where attached objects go, and how much room they have there."""

    at: Vec
    size: Vec


class Template(_Strict):
    """A kind of object: its words, its parameters, its parts and where things attach to it."""

    name: str = Field(pattern=NAME.pattern)
    family: Literal[FAMILIES]  # type: ignore[valid-type]
    category: Category
    summary: str = Field(min_length=3, max_length=120, description="One line for catalogues and prompts.")
    nouns: tuple[Annotated[str, Field(min_length=2, max_length=40)], ...] = Field(min_length=1)
    hints: tuple[str, ...] = Field((), description="Context words that favour this template.")
    params: dict[str, Param] = Field(default_factory=dict)
    materials: dict[str, MaterialRole] = Field(min_length=1)
    parts: tuple[PartTemplate, ...] = Field(min_length=1, max_length=64)
    points: dict[str, Point] = Field(default_factory=dict)
    attach: tuple[Literal[POINTS], ...] = Field(  # type: ignore[valid-type]
        ("side", "top"), description="Where this object goes when attached to another ('with')."
    )
    primary: str
    glow: str | None = None
    see_through: str | None = Field(None, description="Material role made see-through when holding contents.")
    length_axis: Literal["x", "y", "z"] = "y"
    polycount: int = Field(2000, ge=100, le=100_000)
    stats: dict[str, float] = Field(default_factory=dict)
    lore: str = Field("", max_length=400)

    @field_validator("nouns", "hints")
    @classmethod
    def _lower(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(" ".join(w.lower().split()) for w in v)

    @field_validator("params")
    @classmethod
    def _param_names(cls, v: dict[str, Param]) -> dict[str, Param]:
        for k in v:
            if not NAME.match(k) or k in RESERVED:
                raise ValueError(
                    f"parameter name '{k}' must be lower_snake_case and not one of {sorted(RESERVED)}"
                )
        return v

    @field_validator("points")
    @classmethod
    def _point_names(cls, v: dict[str, Point]) -> dict[str, Point]:
        for k in v:
            if k not in POINTS:
                raise ValueError(f"unknown attachment point '{k}'; use one of {list(POINTS)}")
        return v

    @model_validator(mode="after")
    def _references(self) -> Template:
        roles = set(self.materials)
        for role, what in ((self.primary, "primary"), (self.glow, "glow"), (self.see_through, "see_through")):
            if role is not None and role not in roles:
                raise ValueError(f"{what}: '{role}' is not one of the materials {sorted(roles)}")
        for j, p in enumerate(self.parts):
            if p.material not in roles:
                raise ValueError(f"parts.{j}.material: '{p.material}' is not one of {sorted(roles)}")
        return self


class CompiledPart(NamedTuple):
    """A :class:`PartTemplate` with its expressions compiled; a named tuple of plain fields, so
    the library's disk cache loads fast. Build with :func:`compile_part`."""

    name: str
    primitive: str
    material: str
    when: frozenset
    unless: frozenset
    chance: float
    size: tuple
    position: tuple
    rotation: tuple
    repeat: Expr | None
    words: frozenset


def compile_part(src: PartTemplate, params: set[str]) -> CompiledPart:
    """Compile ``src``'s expressions against ``params`` (plus ``i``, ``n`` in a repeat).

    Raises
    ------
    ExprError
        A malformed expression or an unknown name.
    """
    inner = params | {"i", "n"} if src.repeat is not None else params
    return CompiledPart(
        src.name,
        src.primitive.value,
        src.material,
        frozenset(src.when),
        frozenset(src.unless),
        src.chance,
        tuple(parse_expr(v, inner) for v in src.size),
        tuple(parse_expr(v, inner) for v in src.position),
        tuple(parse_expr(v, inner) for v in src.rotation),
        parse_expr(src.repeat, params) if src.repeat is not None else None,
        frozenset([*src.name.split("_"), *(a.lower() for a in src.aliases)]),
    )


class CompiledTemplate:
    """A validated :class:`Template` ready to evaluate; built once per library load.

    Raises
    ------
    ExprError
        From the constructor, when an expression is malformed or reads an unknown name; the
        message starts with the field path ("parts.2.size.1: ...").
    """

    def __init__(self, tpl: Template, source: str):
        self.tpl = tpl
        self.source = source
        names = set(tpl.params)
        self.parts: list[CompiledPart] = []
        for j, p in enumerate(tpl.parts):
            try:
                self.parts.append(compile_part(p, names))
            except ExprError as e:
                raise ExprError(f"parts.{j} ('{p.name}'): {e}") from None
        self.points: dict[str, tuple[tuple[Expr, ...], tuple[Expr, ...]]] = {}
        for k, pt in tpl.points.items():
            try:
                self.points[k] = (
                    tuple(parse_expr(v, names) for v in pt.at),
                    tuple(parse_expr(v, names) for v in pt.size),
                )
            except ExprError as e:
                raise ExprError(f"points.{k}: {e}") from None
        self.part_words = frozenset(w for p in self.parts for w in p.words)
        self.point_names = frozenset(tpl.points)
        # the compiled parts and points replace the raw ones (smaller, faster disk cache)
        self.tpl = tpl.model_copy(update={"parts": (), "points": {}})

    @property
    def name(self) -> str:
        return self.tpl.name

    @property
    def family(self) -> str:
        return self.tpl.family

    def defaults(self) -> dict[str, float]:
        """Parameter values without a seed: each parameter's ``default``."""
        return {k: p.default for k, p in self.tpl.params.items()}
