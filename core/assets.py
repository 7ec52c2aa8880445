"""Stored assets as the UI and CLI see them: listing, filtering, sorting, opening, deleting.

A stored asset's summary is :func:`core.jobs.results.asset_result` (re-exported here for the
gallery page).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from core.jobs.results import asset_result

if TYPE_CHECKING:
    from core.spec.model import AssetSpec
    from core.storage.base import Store

SORTS = {
    "newest": (lambda m: m.get("created_at", ""), True),
    "oldest": (lambda m: m.get("created_at", ""), False),
    "name": (lambda m: m.get("name", "").lower(), False),
    "triangles": (lambda m: m.get("stats", {}).get("faces", 0), True),
}


def filter_assets(
    assets: list[dict],
    text: str = "",
    categories: list[str] | None = None,
    tags: list[str] | None = None,
    backends: list[str] | None = None,
    sort: str = "newest",
) -> list[dict]:
    """Assets matching every given filter (text searches name, description, archetype and
    tags, case-insensitive), sorted by ``sort`` (one of :data:`SORTS`)."""
    q = text.strip().lower()
    out = []
    for m in assets:
        hay = " ".join(
            [m.get("name", ""), m.get("description", ""), m.get("archetype", ""), *m.get("tags", [])]
        ).lower()
        if q and q not in hay:
            continue
        if categories and m.get("category") not in categories:
            continue
        if tags and not set(tags) & set(m.get("tags", [])):
            continue
        if backends and m.get("backend") not in backends:
            continue
        out.append(m)
    key, reverse = SORTS.get(sort, SORTS["newest"])
    return sorted(out, key=key, reverse=reverse)


def load_stored_spec(store: Store, asset_id: str) -> AssetSpec:
    """The ``spec.json`` of the stored asset ``asset_id`` (fetched first from a remote store),
    validated, read with a size limit.

    Raises
    ------
    StorageError
        No such asset, or it has no ``spec.json`` (or the store cannot be reached).
    SpecError
        Its ``spec.json`` cannot be read or is not a valid spec (not UTF-8, not JSON, nested
        too deeply, a field out of range); the message names the asset and the file.
    """
    from core.errors import SpecError, clip
    from core.spec.io import read_spec_file

    path = store.local_path(asset_id, "spec.json")
    try:
        return read_spec_file(path)
    except SpecError as e:
        raise SpecError(f"Asset '{clip(asset_id, 80)}': {e.message}", e.hint) from None


def delete_asset(store: Store, asset_dir: Path, meta: dict) -> None:
    """Remove the stored asset and its job folder (checkpoint and intermediates)."""
    from core.jobs.pipeline import jobs_root
    from core.storage.keys import check_id

    store.delete_asset(meta["asset_id"])
    if meta.get("job_id"):
        shutil.rmtree(jobs_root(asset_dir) / check_id(meta["job_id"], "job id"), ignore_errors=True)


__all__ = ["SORTS", "asset_result", "delete_asset", "filter_assets", "load_stored_spec"]
