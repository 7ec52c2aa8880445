"""Process-wide resources shared by every session: the job runner and the store."""

from __future__ import annotations

import streamlit as st


@st.cache_resource(show_spinner=False)
def get_runner():
    """The embedded background job runner (one per server process)."""
    from core.jobs.runner import EmbeddedRunner

    return EmbeddedRunner(max_workers=2)


def get_store():
    from core.storage import open_store

    return open_store()


@st.cache_data(ttl=10, show_spinner=False)
def list_assets_cached(location: str, version: int) -> list[dict]:
    """Store listing; ``version`` changes when this server stores or deletes an asset."""
    return get_store().list_assets()


def bump_store_version() -> None:
    st.session_state["store.version"] = st.session_state.get("store.version", 0) + 1
