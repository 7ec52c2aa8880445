"""The shared sidebar: active writer/backend, what is available here and why, storage."""

from __future__ import annotations

import streamlit as st

from core.errors import WorkbenchError


@st.cache_data(ttl=60, show_spinner=False)
def backend_rows() -> list[dict]:
    from core.catalog import backend_report

    return backend_report()


def _options(kind: str) -> dict[str, str]:
    """name -> label for the rows of ``kind``; unavailable ones say why."""
    return {
        r["name"]: r["label"] if r["available"] else f"{r['label']} — unavailable: {r['reason']}"
        for r in backend_rows()
        if r["kind"] == kind
    }


def writer_options() -> dict[str, str]:
    return _options("writer")


def generator_options() -> dict[str, str]:
    return _options("generator")


def available(kind: str, name: str) -> tuple[bool, str]:
    for r in backend_rows():
        if r["kind"] == kind and r["name"] == name:
            return r["available"], r["reason"]
    return False, "unknown"


def render_sidebar() -> None:
    with st.sidebar:
        st.markdown(f"**Spec writer:** `{st.session_state['describe.writer']}`  \n"
                    f"**Generator:** `{st.session_state['generate.backend']}`")  # fmt: skip
        with st.expander("What can run here", expanded=False):
            for row in backend_rows():
                icon = ":green[:material/check_circle:]" if row["available"] else ":red[:material/block:]"
                st.markdown(f"{icon} {row['kind']} **{row['name']}**  \n:gray[{row['reason']}]")
        from ui.runtime import get_store

        try:
            where = get_store().location()
        except WorkbenchError as e:
            where = f"unavailable: {e}"
        st.caption(f"Assets are stored in `{where}`")
