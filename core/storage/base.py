"""The ``Store`` interface: where finished assets live (local folder now, S3 later)."""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from core.errors import StorageError


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str
    uri: str


class Store(ABC):
    """An asset store. Asset folders hold spec.json, model files, thumbnail.png,
    metadata.json and checkpoint.json; every write is all-or-nothing per asset."""

    name: str

    @abstractmethod
    def put_asset(self, asset_id: str, files: dict[str, Path]) -> dict[str, StoredFile]:
        """Publish ``files`` (name in the asset -> local path) as asset ``asset_id``,
        replacing any previous version; returns what was stored."""

    @abstractmethod
    def put_file(self, asset_id: str, name: str, path: Path) -> StoredFile:
        """Add or replace one file of an existing asset (atomic per file)."""

    @abstractmethod
    def list_assets(self) -> list[dict]:
        """Metadata of every stored asset, newest first."""

    @abstractmethod
    def get_metadata(self, asset_id: str) -> dict:
        """metadata.json of ``asset_id``; raises ``StorageError`` if absent, unreadable or
        not a JSON object."""

    def has_asset(self, asset_id: str) -> bool:
        """Whether ``asset_id`` is published (its metadata.json is there).

        Raises
        ------
        StorageError
            The store cannot be reached (a missing asset is ``False``, not an error).
        """
        try:
            self.get_metadata(asset_id)
        except StorageError:
            return False
        return True

    @abstractmethod
    def local_path(self, asset_id: str, name: str, sha256: str | None = None) -> Path:
        """A local path to read ``name`` of ``asset_id`` from (downloaded if remote; a known
        ``sha256`` lets a remote store reuse its cached copy without a request)."""

    @abstractmethod
    def delete_asset(self, asset_id: str) -> None:
        """Remove ``asset_id`` and all its files."""

    @abstractmethod
    def location(self) -> str:
        """Human-readable location (folder or bucket URL), no secrets."""

    # --- job checkpoints (a store that is not the local disk overrides these) ---------------
    def sync_job_file(self, job_id: str, rel: str, path: Path) -> None:  # noqa: B027
        """Copy a job file (checkpoint or step output) to the store; the local store holds
        the job folders already, so by default there is nothing to do."""

    def fetch_job(self, job_id: str, folder: Path) -> bool:
        """Bring a job's checkpoint and outputs into ``folder``; True if the job exists."""
        return (Path(folder) / "checkpoint.json").is_file()

    def list_job_checkpoints(self, max_bytes: int) -> list[tuple[str, bytes]]:
        """``(job id, raw checkpoint.json bytes)`` of every job the store holds, at most
        ``max_bytes + 1`` bytes each (so an oversized one shows as too long, never read
        whole); the caller validates them. The local store: none beyond the local job
        folders, which the pipeline lists itself."""
        return []

    def presigned_url(self, asset_id: str, name: str, expires_s: int | None = None) -> str | None:
        """A shareable, time-limited link to one file, where the store can make one."""
        return None


MAX_METADATA_BYTES = 1024 * 1024  # a real metadata.json is a few KiB


@functools.cache
def _metadata_shape():
    """The fields of ``metadata.json`` that the gallery, the CLI and the result pages read,
    with their types (other fields pass through): a file missing one, or with a string
    where the stats should be, is refused when read instead of breaking a page later."""
    from typing import Annotated

    from pydantic import BaseModel, ConfigDict, Field

    Short = Annotated[str, Field(max_length=4000)]

    class Stats(BaseModel):
        model_config = ConfigDict(extra="allow")
        faces: int = Field(ge=0)
        vertices: int = Field(ge=0)
        watertight: bool
        size_m: tuple[float, float, float]

    class Metadata(BaseModel):
        model_config = ConfigDict(extra="allow")
        asset_id: str = Field(min_length=1, max_length=200)
        name: Short
        category: Short
        backend: Short
        created_at: Short
        stats: Stats
        description: Short = ""
        archetype: Short | None = None
        tags: list[Short] = Field(default_factory=list, max_length=200)
        files: dict[str, dict] = Field(default_factory=dict, max_length=200)
        formats: dict[str, Short] = Field(default_factory=dict, max_length=50)

    return Metadata


def parse_metadata(data: bytes, where: str, asset_id: str | None = None) -> dict:
    """Validate raw ``metadata.json`` bytes: bounded, UTF-8, JSON, an object with the
    fields readers rely on (asset id, name, category, backend, created_at, stats with faces,
    vertices, watertight and size), and, when ``asset_id`` is given, naming that asset.

    Raises
    ------
    StorageError
        Too large, not JSON (or nested too deep), not a JSON object, a missing or mistyped
        field, or another asset's id; ``where`` names the file.
    """
    from core.fsutil import parse_json

    try:
        meta = parse_json(data, MAX_METADATA_BYTES)
    except ValueError as e:
        raise StorageError(f"metadata.json of {where} is unreadable: {e}.", _HINT) from None
    return check_metadata(meta, where, asset_id)


_HINT = "Delete the asset and generate it again."


def check_metadata(meta: object, where: str, asset_id: str | None = None) -> dict:
    """``meta`` (parsed ``metadata.json``, e.g. from a shared listing cache) if it has the
    shape :func:`parse_metadata` requires; raises ``StorageError`` otherwise."""
    from pydantic import ValidationError

    hint = _HINT
    if not isinstance(meta, dict):
        raise StorageError(f"metadata.json of {where} is not a JSON object.", hint)
    try:
        _metadata_shape().model_validate(meta)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise StorageError(f"metadata.json of {where} is invalid: {field}: {first['msg']}.", hint) from None
    if asset_id is not None and meta["asset_id"] != asset_id:
        raise StorageError(f"metadata.json of {where} names another asset.", hint)
    return meta
