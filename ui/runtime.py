"""Process-wide resources shared by every session: the job runner and the store."""

from __future__ import annotations

from pathlib import Path

import streamlit as st


@st.cache_resource(show_spinner=False)
def get_runner():
    """The background job runner (one per server process): embedded threads, or Celery workers
    with JOB_RUNNER=celery. At server start, jobs left running by a dead process are marked
    interrupted; with RESUME_INTERRUPTED=auto they are resumed at once, otherwise the Generate
    page offers them for resume. (Celery workers resume their own jobs by redelivery.)"""
    from core.config import get_settings
    from core.jobs.pipeline import Job
    from core.jobs.runner import make_runner, recover_interrupted

    settings = get_settings()
    runner = make_runner(settings.asset_dir)
    if settings.job_runner == "celery":
        return runner
    interrupted = recover_interrupted(settings.asset_dir)
    if settings.resume_interrupted == "auto":
        for job_id in interrupted:
            runner.submit(Job.open(job_id, settings.asset_dir))
    return runner


@st.cache_resource(show_spinner=False)
def _store_for(name: str, root: str, bucket: str | None, endpoint: str | None):
    from core.storage import open_store

    return open_store(name, Path(root))


def get_store():
    """The configured asset store (local folder or S3), shared by every session."""
    from core.config import get_settings

    s = get_settings()
    return _store_for(s.asset_store, str(s.asset_dir), s.s3_bucket, s.s3_endpoint_url)


@st.cache_data(ttl=10, show_spinner=False)
def list_assets_cached(location: str, version: int) -> list[dict]:
    """Store listing; ``version`` changes when this server stores or deletes an asset."""
    return get_store().list_assets()
