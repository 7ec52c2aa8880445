"""Asset stores by name (``local`` now; ``s3`` plugs in through the same interface)."""

from __future__ import annotations

from pathlib import Path

from core.registry import Entry, LazyRegistry

STORES: LazyRegistry = LazyRegistry(
    "store",
    {
        "local": Entry("core.storage.local:LocalStore"),
        "s3": Entry("core.storage.s3:S3Store", "pip install boto3"),
    },
)


def open_store(name: str | None = None, root: Path | None = None):
    """An instance of store ``name`` (default: ``ASSET_STORE``); ``root`` is the local asset
    folder (the local store itself, or the download cache and job folders of a remote one)."""
    from core.config import get_settings

    s = get_settings()
    return STORES.get(name or s.asset_store)(root or s.asset_dir)
