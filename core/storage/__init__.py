"""Asset stores by name (``local`` now; ``s3`` plugs in through the same interface)."""

from __future__ import annotations

from pathlib import Path

from core.registry import Entry, LazyRegistry

STORES: LazyRegistry = LazyRegistry("store", {"local": Entry("core.storage.local:LocalStore")})


def open_store(name: str = "local", root: Path | None = None):
    """An instance of store ``name``; ``root`` is the local folder (default: settings)."""
    from core.config import get_settings

    return STORES.get(name)(root or get_settings().asset_dir)
