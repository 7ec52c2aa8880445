"""Stored assets as the UI and CLI see them: listing, filtering, sorting, opening, deleting."""

from __future__ import annotations

import shutil
from pathlib import Path

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


def asset_result(store, meta: dict) -> dict:
    """The same shape as ``Job.result()`` for a stored asset (files as local paths)."""
    files = {
        fmt: str(store.local_path(meta["asset_id"], name)) for fmt, name in meta.get("formats", {}).items()
    }
    return {
        "asset_id": meta["asset_id"],
        "job_id": meta.get("job_id"),
        "status": "done",
        "archetype": meta.get("archetype"),
        "files": files,
        "stats": meta.get("stats", {}),
        "timings": meta.get("timings", {}),
        "warnings": [],
        "error": None,
        "backend": meta.get("backend"),
        "fallbacks": meta.get("fallbacks", []),
        "costs": meta.get("costs", {}),
    }


def delete_asset(store, asset_dir: Path, meta: dict) -> None:
    """Remove the stored asset and its job folder (checkpoint and intermediates)."""
    from core.jobs.pipeline import jobs_root
    from core.storage.keys import check_id

    store.delete_asset(meta["asset_id"])
    if meta.get("job_id"):
        shutil.rmtree(jobs_root(asset_dir) / check_id(meta["job_id"], "job id"), ignore_errors=True)
