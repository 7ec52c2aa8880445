"""The shared sidebar: active writer/backend, what is available here and why, storage."""

from __future__ import annotations

import streamlit as st

from core.errors import WorkbenchError


@st.cache_data(ttl=60, show_spinner=False)
def backend_rows() -> list[dict]:
    """Every spec writer, generator and export format, whether it can run here and why
    (:func:`core.backends.capability_report`), as dicts; kept for a minute."""
    from core.backends import capability_report

    return [r.model_dump() for r in capability_report()]


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


@st.cache_data(ttl=300, show_spinner=False)
def doctor_rows() -> list[dict]:
    from core.doctor import run_checks

    return run_checks(render=False)


def render_sidebar() -> None:
    with st.sidebar:
        st.markdown(
            f"**Spec writer:** `{st.session_state['describe.writer']}`  \n"
            f"**Generator:** `{st.session_state['generate.backend']}`"
        )
        spent = st.session_state.get("credits.session") or {}
        if spent:
            st.markdown("**Credits this session:** " + ", ".join(f"{k} {v:g}" for k, v in spent.items()))
        with st.expander("What can run here", expanded=False):
            for row in backend_rows():
                icon = ":green[:material/check_circle:]" if row["available"] else ":red[:material/block:]"
                st.markdown(f"{icon} {row['kind']} **{row['name']}**  \n:gray[{row['reason']}]")
        with st.expander("Installation checks", expanded=False):
            marks = {
                True: ":green[:material/check_circle:]",
                False: ":red[:material/error:]",
                None: ":gray[:material/remove:]",
            }
            for row in doctor_rows():
                if not row["check"].startswith("package ") or row["ok"] is False:
                    st.markdown(f"{marks[row['ok']]} **{row['check']}**  \n:gray[{row['detail']}]")
        from ui.runtime import get_store

        try:
            where = get_store().location()
        except WorkbenchError as e:
            where = f"unavailable: {e}"
        st.caption(f"Assets are stored in `{where}`")
