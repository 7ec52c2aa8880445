"""Process-wide resources shared by every session: the job runner, the store and the cached
gallery listing."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

LISTING_TTL_S = 10  # how stale the gallery may be about assets stored by other sessions


@st.cache_resource(show_spinner=False)
def get_runner():
    """The background job runner (one per server process): embedded threads, or Celery workers
    with JOB_RUNNER=celery. Built once, then start-up recovery runs
    (:func:`core.jobs.recovery.recover_on_startup`: jobs a dead process left are marked
    interrupted, and resumed at once with RESUME_INTERRUPTED=auto)."""
    from core.jobs.recovery import recover_on_startup
    from core.jobs.runner import runner_for
    from ui.state import app_settings

    settings = app_settings()
    runner = runner_for(settings)
    recover_on_startup(settings, runner)
    return runner


@st.cache_resource(show_spinner=False)
def _store_for(name: str, root: str, bucket: str | None, endpoint: str | None, _settings=None):
    from core.storage import open_store

    return open_store(name, Path(root), settings=_settings)


def get_store():
    """The configured asset store (local folder or S3), shared by every session."""
    from ui.state import app_settings

    s = app_settings()
    return _store_for(s.asset_store, str(s.asset_dir), s.s3_bucket, s.s3_endpoint_url, _settings=s)


@st.cache_data(ttl=LISTING_TTL_S, show_spinner=False)
def list_assets_cached(location: str) -> list[dict]:
    """The store's listing (metadata dicts, newest first), kept ``LISTING_TTL_S`` seconds per
    store location. What this server stores or deletes is seen at once
    (:func:`forget_listing`); assets stored by another process show within the TTL, or at
    once with the gallery's Refresh button."""
    return get_store().list_assets()


def forget_listing(*, store_too: bool = False) -> None:
    """Drop the cached gallery listing: after a delete, a finished job or a Refresh click;
    ``store_too`` (Refresh) also drops the store's own listing cache (S3's 30 s)."""
    list_assets_cached.clear()
    if store_too:
        get_store().forget_listing()
