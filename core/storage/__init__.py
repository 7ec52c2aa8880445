"""Asset stores by name: ``local`` (a folder) and ``s3`` (an S3-compatible bucket), one
interface (:class:`core.storage.base.Store`). Stores know files, bytes and keys only."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import UnknownStoreError
from core.registry import Entry, LazyRegistry

if TYPE_CHECKING:
    from core.config import Settings
    from core.storage.base import Store

STORES: LazyRegistry[type[Store]] = LazyRegistry(
    "store",
    {
        "local": Entry("core.storage.local:LocalStore"),
        "s3": Entry("core.storage.s3:S3Store", "pip install boto3"),
    },
    unknown_error=UnknownStoreError,
)


def open_store(name: str | None = None, root: Path | None = None, settings: Settings | None = None) -> Store:
    """An instance of store ``name`` (default: ``settings.asset_store``); ``root`` is the local
    asset folder (the local store itself, or the download cache and job folders of a remote
    one; default ``settings.asset_dir``). ``settings``: default the settings in force.

    Raises
    ------
    UnknownStoreError
        No store is called ``name``.
    BackendUnavailable
        The store's package is not installed (boto3 for ``s3``).
    StorageError
        The store cannot be opened with these settings (e.g. ``s3`` without a bucket).
    """
    from core.config import get_settings

    s = settings or get_settings()
    return STORES.get(name or s.asset_store).from_settings(root or s.asset_dir, s)
