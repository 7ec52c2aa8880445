"""The asset spec: a validated, editable description of one game asset (pydantic v2).

Units are metres and degrees; +Y is up; the pivot sits at the centre of the base. Part sizes
are the extents of the primitive's bounding box before rotation, so a cylinder of size
``(0.1, 1.0, 0.1)`` is 1 m tall along +Y and 0.1 m across.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.formats import DEFAULT_FORMATS, FORMATS

SCHEMA_VERSION = 1
MAX_PARTS = 256
MAX_DIMENSION_M = 500.0
MIN_DIMENSION_M = 0.001
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class Primitive(StrEnum):
    """Shapes the procedural generator can build; each fits a unit box, then scales to ``size``."""

    box = "box"
    cylinder = "cylinder"
    cone = "cone"
    sphere = "sphere"
    hemisphere = "hemisphere"
    capsule = "capsule"
    torus = "torus"
    pyramid = "pyramid"
    wedge = "wedge"


class Category(StrEnum):
    weapon = "weapon"
    armor = "armor"
    consumable = "consumable"
    container = "container"
    furniture = "furniture"
    prop = "prop"
    magic = "magic"
    nature = "nature"
    architecture = "architecture"
    tool = "tool"
    collectible = "collectible"
    vehicle = "vehicle"
    generic = "generic"


class Style(StrEnum):
    realistic = "realistic"
    stylised = "stylised"
    low_poly = "low-poly"
    fantasy = "fantasy"
    medieval = "medieval"
    elvish = "elvish"
    dwarven = "dwarven"
    sci_fi = "sci-fi"
    cartoon = "cartoon"


class Rarity(StrEnum):
    common = "common"
    uncommon = "uncommon"
    rare = "rare"
    epic = "epic"
    legendary = "legendary"


# the export formats a spec may ask for: the names of core.formats.FORMATS, in its order
ExportFormat = StrEnum("ExportFormat", [(name, name) for name in FORMATS], module=__name__)


class _Model(BaseModel):
    # allow_inf_nan=False: NaN or infinity in any number (position, rotation, stats) is refused
    # here, not later by the mesh code
    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, use_enum_values=False, allow_inf_nan=False
    )


Metres = Annotated[float, Field(gt=0, le=MAX_DIMENSION_M)]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Vec3 = tuple[float, float, float]


def _check_hex(value: str) -> str:
    if not HEX_COLOR.match(value):
        raise ValueError(f"'{value}' is not a colour; use #RRGGBB hex, e.g. #8B5A2B")
    return value.lower()


class Dimensions(_Model):
    """Bounding box of the finished asset, metres: width (X), height (Y, up), depth (Z)."""

    width: Metres = Field(description="Extent along X, metres.")
    height: Metres = Field(description="Extent along +Y (up), metres.")
    depth: Metres = Field(description="Extent along Z, metres.")

    @field_validator("width", "height", "depth")
    @classmethod
    def _not_tiny(cls, v: float) -> float:
        if v < MIN_DIMENSION_M:
            raise ValueError(f"must be at least {MIN_DIMENSION_M} m (1 mm)")
        return v

    def as_tuple(self) -> Vec3:
        return (self.width, self.height, self.depth)


class PBRMaterial(_Model):
    """glTF 2.0 metallic-roughness material (https://registry.khronos.org/glTF/specs/2.0/)."""

    name: str = Field(min_length=1, max_length=64, description="Unique material name.")
    base_color: str = Field("#cccccc", description="Base colour, #RRGGBB (sRGB).")
    metallic: Unit = Field(0.0, description="0 = dielectric, 1 = metal.")
    roughness: Unit = Field(0.5, description="0 = mirror, 1 = fully rough.")
    emissive: str = Field("#000000", description="Emitted colour, #RRGGBB; black = none.")
    emissive_strength: float = Field(1.0, ge=0.0, le=100.0, description="Emission multiplier.")
    opacity: Unit = Field(1.0, description="1 = opaque; below 1 the material is alpha-blended.")
    texture: str | None = Field(
        None,
        max_length=32,
        description="Procedural texture kind, e.g. 'wood', 'planks', 'steel', 'rusty metal', 'stone', "
        "'brick', 'fabric', 'glass', 'lava'; empty: chosen from the name and PBR values.",
    )

    _hex = field_validator("base_color", "emissive")(classmethod(lambda cls, v: _check_hex(v)))

    @field_validator("texture")
    @classmethod
    def _known_texture(cls, v: str | None) -> str | None:
        from core.materials.kinds import aliases

        if v is None or not v.strip():
            return None
        name = v.strip().lower()
        if name not in aliases():
            raise ValueError(f"unknown texture '{name[:32]}'; e.g. wood, planks, steel, stone, fabric, glass")
        return name


class Part(_Model):
    """One primitive of the procedural model, placed in the asset's frame (metres, degrees)."""

    name: str = Field(min_length=1, max_length=64, description="Part name, e.g. 'blade'.")
    primitive: Primitive = Field(description="Shape of the part.")
    size: tuple[Metres, Metres, Metres] = Field(description="Extents (x, y, z), metres.")
    position: Vec3 = Field((0.0, 0.0, 0.0), description="Centre of the part, metres.")
    rotation: Vec3 = Field((0.0, 0.0, 0.0), description="Euler XYZ rotation, degrees.")
    material: str = Field(description="Name of a material in `materials`.")

    @field_validator("position")
    @classmethod
    def _position_in_range(cls, v: Vec3) -> Vec3:
        if any(abs(c) > MAX_DIMENSION_M for c in v):
            raise ValueError(f"each coordinate must be within ±{MAX_DIMENSION_M} m")
        return v

    @field_validator("rotation")
    @classmethod
    def _rotation_in_range(cls, v: Vec3) -> Vec3:
        if any(abs(c) > 360.0 for c in v):
            raise ValueError("each angle must be within ±360 degrees")
        return v


class Gameplay(_Model):
    rarity: Rarity = Rarity.common
    stats: dict[Annotated[str, Field(max_length=40)], float] = Field(
        default_factory=dict, description="Numeric stats, e.g. {'damage': 12}."
    )
    effects: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=20)
    lore: str = Field("", max_length=2000)


class Technical(_Model):
    target_polycount: int = Field(3000, ge=100, le=500_000, description="Triangle budget of LOD0.")
    lod_count: int = Field(3, ge=1, le=6, description="Number of LODs including LOD0.")
    up_axis: Literal["+Y"] = Field("+Y", description="Up axis; glTF convention.")
    pivot: Literal["base_center"] = Field("base_center", description="Origin at base centre.")
    export_formats: list[ExportFormat] = Field(
        default_factory=lambda: [ExportFormat(name) for name in DEFAULT_FORMATS],
        min_length=1,
    )

    @field_validator("export_formats")
    @classmethod
    def _unique_formats(cls, v: list[ExportFormat]) -> list[ExportFormat]:
        return list(dict.fromkeys(v))


class AssetSpec(_Model):
    """A complete, validated asset spec. ``schema_version`` is bumped on breaking changes."""

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="Spec schema version.")
    name: str = Field(min_length=1, max_length=80, description="Display name.")
    category: Category = Category.generic
    archetype: str = Field("generic", max_length=40, description="Archetype the spec came from.")
    short_description: str = Field(min_length=1, max_length=300)
    long_description: str = Field("", max_length=4000)
    style: Style = Style.stylised
    dimensions: Dimensions
    materials: list[PBRMaterial] = Field(min_length=1, max_length=32)
    parts: list[Part] = Field(min_length=1, max_length=MAX_PARTS)
    gameplay: Gameplay = Field(default_factory=Gameplay)
    technical: Technical = Field(default_factory=Technical)
    tags: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=30
    )

    @field_validator("name", "short_description")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()

    @model_validator(mode="after")
    def _references(self) -> AssetSpec:
        names = [m.name for m in self.materials]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"materials: duplicate material names {dupes}; names must be unique")
        known = set(names)
        for i, part in enumerate(self.parts):
            if part.material not in known:
                raise ValueError(
                    f"parts.{i}.material: '{part.material}' is not a material of this spec; "
                    f"use one of {sorted(known)}"
                )
        return self

    def material(self, name: str) -> PBRMaterial:
        """The material called ``name``; raises ``KeyError`` if absent."""
        for m in self.materials:
            if m.name == name:
                return m
        raise KeyError(name)


def spec_json_schema() -> dict:
    """JSON Schema (draft 2020-12) of :class:`AssetSpec`, for LLM prompts and UI forms."""
    return AssetSpec.model_json_schema()
