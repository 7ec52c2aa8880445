"""The ``Store`` interface: where finished assets live (a local folder, an S3 bucket).

A store knows files, bytes and keys only: what an asset or a job *means* (its spec, its mesh,
its checkpoint) belongs to the layers above, which pass in what the store needs (e.g. which
files a job checkpoint names, see :meth:`Store.fetch_job`). ``metadata.json`` is checked
against :class:`core.schemas.AssetMetadata`, the neutral record every layer shares.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import StorageError

if TYPE_CHECKING:
    from core.config import Settings


@dataclass(frozen=True)
class StoredFile:
    """One stored file: ``name`` in the asset, ``size`` in bytes, ``sha256`` (hex) and ``uri``
    (local path or ``s3://bucket/key``)."""

    name: str
    size: int
    sha256: str
    uri: str


@dataclass(frozen=True)
class JobFile:
    """A file of a job folder that a store may hold a copy of: ``rel`` inside the job folder
    (``spec.json``, ``exports/model.glb``), the local ``path`` to fetch it to, and its
    ``sha256`` when known (a local copy with that hash is kept; without one, any local copy is).
    """

    rel: str
    path: Path
    sha256: str | None = None


class Store(ABC):
    """An asset store. Asset folders hold spec.json, model files, thumbnail.png,
    metadata.json and checkpoint.json; every write is all-or-nothing per asset."""

    name: str

    @classmethod
    def from_settings(cls, root: Path, settings: Settings) -> Store:
        """The store for asset folder ``root`` under ``settings`` (a store that needs none of
        them, like the local one, ignores them)."""
        return cls(root)

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

    def forget_listing(self) -> None:  # noqa: B027
        """Drop any listing this store caches, so the next :meth:`list_assets` sees assets
        another process stored (the gallery's Refresh). The local store caches nothing."""

    # --- job checkpoints (a store that is not the local disk overrides these) ---------------
    def sync_job_file(self, job_id: str, rel: str, path: Path) -> None:  # noqa: B027
        """Copy a job file (checkpoint or step output) to the store; the local store holds
        the job folders already, so by default there is nothing to do."""

    def fetch_job(
        self,
        job_id: str,
        folder: Path,
        files_of: Callable[[Path], Iterable[JobFile]],
        max_checkpoint_bytes: int,
    ) -> bool:
        """Bring a job's ``checkpoint.json`` (at most ``max_checkpoint_bytes``) into ``folder``,
        then the files ``files_of(folder)`` names; True if the store has the job.

        ``files_of`` reads and validates the fetched checkpoint (the job layer knows its shape)
        and raises a ``WorkbenchError`` if it is unusable; the checkpoint is then removed and
        the error passed on. A named file missing in the store is skipped (its step reruns).
        The local store holds the job folders already: True if the checkpoint is there.
        """
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


def parse_metadata(data: bytes, where: str, asset_id: str | None = None) -> dict:
    """Validate raw ``metadata.json`` bytes: bounded, UTF-8, JSON, an object of the shape of
    :class:`core.schemas.AssetMetadata` (asset id, name, category, backend, created_at, stats
    with faces, vertices, watertight and size, ...), and, when ``asset_id`` is given, naming
    that asset. Returns the parsed object as it is (unknown fields kept).

    Raises
    ------
    StorageError
        Too large, not JSON (or nested too deep), not a JSON object, a missing or mistyped
        field (named in the message), or another asset's id; ``where`` names the file.
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

    from core.schemas import AssetMetadata

    if not isinstance(meta, dict):
        raise StorageError(f"metadata.json of {where} is not a JSON object.", _HINT)
    try:
        AssetMetadata.model_validate(meta)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise StorageError(f"metadata.json of {where} is invalid: {field}: {first['msg']}.", _HINT) from None
    if asset_id is not None and meta["asset_id"] != asset_id:
        raise StorageError(f"metadata.json of {where} names another asset.", _HINT)
    return meta
