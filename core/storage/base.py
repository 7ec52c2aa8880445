"""The ``Store`` interface: where finished assets live (local folder now, S3 later)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path


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
        """metadata.json of ``asset_id``; raises ``StorageError`` if absent."""

    @abstractmethod
    def local_path(self, asset_id: str, name: str) -> Path:
        """A local path to read ``name`` of ``asset_id`` from (downloaded if remote)."""

    @abstractmethod
    def delete_asset(self, asset_id: str) -> None:
        """Remove ``asset_id`` and all its files."""

    @abstractmethod
    def location(self) -> str:
        """Human-readable location (folder or bucket URL), no secrets."""
