"""Typed records that cross module boundaries: mesh statistics, asset metadata, job results,
costs and backend capabilities.

These are the one shape each of them has between ``core`` modules, the CLI's ``--json``, the
pages and stored files (``metadata.json``, whose JSON Schema is ``docs/metadata.schema.json``).
Like :mod:`core.types` this module is neutral: it imports pydantic and nothing else of ``core``,
so every layer may use it.

Units: metres, square metres, cubic metres, seconds; money in US dollars.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

Short = Annotated[str, Field(max_length=4000)]
Vec3 = tuple[float, float, float]

METADATA_SCHEMA_VERSION = 2


class MeshStats(BaseModel):
    """What a processed mesh is: counts, closedness, extent (metres), volume, area, materials.

    Made by :func:`core.mesh.process.mesh_stats`; stored in ``metadata.json`` as ``stats``.
    ``volume_m3`` is ``None`` when the mesh is not watertight (a volume would be meaningless).
    """

    model_config = ConfigDict(extra="allow")

    vertices: int = Field(ge=0)
    faces: int = Field(ge=0)
    watertight: bool
    size_m: Vec3
    bbox_min_m: Vec3 | None = None
    bbox_max_m: Vec3 | None = None
    volume_m3: float | None = None
    area_m2: float | None = None
    materials: list[Short] = Field(default_factory=list, max_length=1000)
    textured: bool = False


class Costs(BaseModel):
    """What a job cost, per source: ``credits`` per remote backend (``{"meshy": 30}``) and
    ``usd`` per paid service (``{"concept_images": 0.08}``).

    Reads the flat form of ``schema_version`` 1 (``{"meshy_credits": 30, "concept_images_usd":
    0.08}``) as well, so assets stored before this model keep their costs.
    """

    model_config = ConfigDict(extra="forbid")

    credits: dict[Short, float] = Field(default_factory=dict, max_length=100)
    usd: dict[Short, float] = Field(default_factory=dict, max_length=100)

    @model_validator(mode="before")
    @classmethod
    def _from_flat_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict) or set(data) <= {"credits", "usd"}:
            return data
        credits: dict[str, Any] = {}
        usd: dict[str, Any] = {}
        for key, value in data.items():
            if not isinstance(key, str):
                continue
            if key.endswith("_credits"):
                credits[key.removesuffix("_credits")] = value
            elif key.endswith("_usd"):
                usd[key.removesuffix("_usd")] = value
            elif key in ("credits", "usd") and isinstance(value, dict):
                (credits if key == "credits" else usd).update(value)
        return {"credits": credits, "usd": usd}

    def __bool__(self) -> bool:
        return any(self.credits.values()) or any(self.usd.values())

    def summary(self) -> str:
        """``"30 meshy credits, $0.08 concept images"``; empty when nothing was spent."""
        parts = [f"{v:g} {name} credits" for name, v in self.credits.items() if v]
        parts += [f"${v:.2f} {name.replace('_', ' ')}" for name, v in self.usd.items() if v]
        return ", ".join(parts)


class StoredFileInfo(BaseModel):
    """One published file: size in bytes, SHA-256 (hex) and MIME type."""

    model_config = ConfigDict(extra="allow")

    size: int = Field(ge=0)
    sha256: str = Field(max_length=64)
    content_type: str = Field(max_length=200)


class AssetMetadata(BaseModel):
    """``metadata.json``: what the gallery, the CLI and the result pages know of a stored asset.

    Written once per asset by the pipeline's store step; checked on every read (a file with a
    missing or mistyped field is refused rather than breaking a page later). Unknown fields
    pass through, so a newer writer does not break an older reader. ``schema_version`` 1 files
    (flat cost keys) are read as version 2.
    """

    model_config = ConfigDict(extra="allow")

    schema_version: int = METADATA_SCHEMA_VERSION
    asset_id: str = Field(min_length=1, max_length=200)
    job_id: Short | None = None
    name: Short
    archetype: Short | None = None
    category: Short
    style: Short | None = None
    description: Short = ""
    created_at: Short
    writer: Short | None = None
    model: Short | None = None
    backend: Short
    requested_backend: Short | None = None
    fallbacks: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    remote: dict[str, Any] | None = None
    seed: int | None = None
    formats: dict[str, Short] = Field(default_factory=dict, max_length=50)
    files: dict[str, StoredFileInfo] = Field(default_factory=dict, max_length=200)
    stats: MeshStats
    lod_faces: list[int] = Field(default_factory=list, max_length=20)
    timings: dict[str, float] = Field(default_factory=dict, max_length=50)
    costs: Costs = Field(default_factory=Costs)
    tags: list[Short] = Field(default_factory=list, max_length=200)


class JobResult(BaseModel):
    """A job's or a stored asset's summary, as the CLI's ``--json``, the pages and the gallery
    show it: ids, status, files (format -> absolute local path), stats, timings (seconds per
    step), the backend that made the mesh, the fallbacks taken, costs and the error if any.

    Built by :func:`core.jobs.results.job_result` and :func:`core.jobs.results.asset_result`.
    """

    asset_id: str
    job_id: str | None = None
    status: str
    archetype: str | None = None
    warnings: list[str] = Field(default_factory=list)
    files: dict[str, str] = Field(default_factory=dict)
    stats: MeshStats | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    backend: str | None = None
    fallbacks: list[dict[str, Any]] = Field(default_factory=list)
    costs: Costs = Field(default_factory=Costs)
    error: str | None = None


class BackendInfo(BaseModel):
    """What a 3D generation backend can do and whether it can run here, so the UI asks
    capabilities and never matches names.

    ``sampling``: a seed changes the result (the UI shows a seed). ``seed_redraws_spec``: a new
    seed re-writes an unedited built-in spec as a variant. ``test_mode``: a remote backend talks
    to its service with a test key (results are sample models). ``reason`` says why it cannot
    run and ``hint`` what to do about it.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    text: bool = True
    image: bool = False
    textured: bool = False
    needs_gpu: bool = False
    needs_key: bool = False
    remote: bool = False
    sampling: bool = False
    seed_redraws_spec: bool = False
    test_mode: bool = False
    available: bool = True
    reason: str = ""
    hint: str = ""


__all__ = [
    "METADATA_SCHEMA_VERSION",
    "AssetMetadata",
    "BackendInfo",
    "Costs",
    "JobResult",
    "MeshStats",
    "StoredFileInfo",
]
