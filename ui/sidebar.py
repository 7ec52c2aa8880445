"""The shared sidebar: active writer/backend, what is available here and why, storage."""

from __future__ import annotations

import streamlit as st


@st.cache_data(ttl=60, show_spinner=False)
def _report() -> list[dict]:
    from core.catalog import backend_report

    return backend_report()


def render_sidebar() -> None:
    from core.config import get_settings

    settings = get_settings()
    with st.sidebar:
        st.caption(f"Spec writer: **{st.session_state['describe.writer']}** · "
                   f"Generator: **{st.session_state['generate.backend']}**")  # fmt: skip
        with st.expander("Backends available here", expanded=False):
            for row in _report():
                icon = "✅" if row["available"] else "⛔"
                st.markdown(f"{icon} `{row['kind']}` **{row['name']}** — {row['reason']}")
        st.caption(f"Assets stored in `{settings.asset_dir.resolve()}`")
