"""Session-state keys, namespaced per page and initialised in one place, plus the spec's
edit history (undo / redo)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from core.config import Settings

HISTORY_LIMIT = 50

DEFAULTS: dict[str, object] = {
    "describe.text": "",
    "describe.style": "auto",
    "describe.formats": ["glb", "obj", "stl"],
    "describe.writer": "builtin",
    "describe.polycount_auto": True,
    "describe.polycount": 3000,
    "describe.reference": None,  # validated PNG bytes of the reference image
    "spec.history": [],  # list of spec dicts (JSON-able); the current one is at spec.index
    "spec.index": -1,
    "spec.archetype": None,
    "spec.candidates": [],  # the writer's top three templates: [{"name", "family", "score", "why"}]
    "spec.seed": 0,  # the variant seed the spec was written with
    "spec.style": None,  # the style and kind chosen on Describe when it was written (None: auto)
    "spec.kind": None,
    "spec.written": None,  # the spec dict as the writer returned it (unedited check)
    "describe.kind": "auto",
    "describe.seed": 0,
    "review.template_query": "",
    "spec.warnings": [],
    "spec.description": "",
    "review.errors": {},
    "review.proposal": None,
    "review.chat": "",  # the "ask for a change" box; emptied when its proposal is applied
    "review.editor": "builtin",
    "review.form_rev": None,  # the spec revision the forms were last filled from
    "review.form_shown": {},  # widget key -> the value the form showed (what Apply compares with)
    "generate.backend": "procedural",
    "generate.seed": 0,
    "generate.job_id": None,
    "generate.error": None,  # why the last Generate click could not start a job
    "generate.fallbacks": None,  # None: the GENERATOR_FALLBACKS setting
    "generate.texture_size": None,  # None: the TEXTURE_SIZE setting
    "generate.collision": None,  # None: the COLLISION setting
    "credits.session": {},  # backend -> credits spent by jobs finished in this session
    "credits.jobs": [],  # job ids already counted
    "generate.viewer": "engine",  # "engine" (<model-viewer>) or "pyvista", built only when chosen
    "gallery.open": None,
    "gallery.viewer": "engine",
    "gallery.page": 1,
}


# the DEFAULTS keys that value widgets (text, select, toggle, slider, number) are bound to
WIDGET_KEYS = (
    "describe.text",
    "describe.style",
    "describe.formats",
    "describe.writer",
    "describe.polycount_auto",
    "describe.polycount",
    "describe.kind",
    "describe.seed",
    "review.template_query",
    "review.chat",
    "review.editor",
    "generate.backend",
    "generate.seed",
    "generate.fallbacks",
    "generate.texture_size",
    "generate.collision",
    "gallery.page",
)


def init_state() -> None:
    """Set every key that is missing to its default (never overwrites user input).

    Also makes sure the page runs inside Home.py's ``st.navigation``: Streamlit starts in
    its legacy "pages/ directory" mode until the entry script has called ``st.navigation``
    once, so the very first request of a fresh server for a deep link (``/gallery``) would
    otherwise run the page alone, without the shared layout and sidebar.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not st.session_state.get("nav.entry"):
        PagesManager.uses_pages_directory = False  # Home.py's st.navigation owns the pages
        st.rerun()
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value.copy() if isinstance(value, (list, dict)) else value
    for key in WIDGET_KEYS:
        # Assigned again every run, before any widget: Streamlit then sends the value with
        # the widget, so the browser shows what the session holds. Without it, a widget
        # first drawn in a later run than the one that set its value (the user typed while
        # the page was still loading: streamlit#4247) shows its own default -- the toggle
        # off, the slider at its minimum -- and sends that back on the next click; and a
        # page left and revisited would drop the keys of its widgets.
        st.session_state[key] = st.session_state[key]


def app_settings() -> Settings:
    """The settings the pages run under: what :func:`core.config.get_settings` gives this
    server process (read once from the environment and ``.streamlit/secrets.toml``). A page
    reads them once at the top of its run and passes them to the core calls it makes.

    Raises ``pydantic.ValidationError`` or ``SecretsFileError`` for invalid settings; Home.py
    reports them on the page before any page runs.
    """
    from core.config import get_settings

    return get_settings()


def current_spec_dict() -> dict | None:
    hist, idx = st.session_state["spec.history"], st.session_state["spec.index"]
    return hist[idx] if 0 <= idx < len(hist) else None


def revision_token(index: int, data: dict | None) -> str:
    """A short token for a spec revision: its place in the history plus a hash of its content,
    so an undo followed by a different edit (same place, other spec) is a new revision too."""
    import hashlib
    import json

    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]
    return f"{index}-{digest}"


def spec_revision() -> str:
    """The current revision's token. Widgets that cannot be refilled from session state (the
    parts and stats tables, the JSON text) are keyed by it, so they always show this revision."""
    return revision_token(st.session_state["spec.index"], current_spec_dict())


def current_spec():
    """The current :class:`AssetSpec`, or None before the first spec is written."""
    from core.spec.io import parse_spec

    data = current_spec_dict()
    return parse_spec(data) if data is not None else None


def push_spec(spec) -> None:
    """Make ``spec`` the current one; drops the redo branch; keeps the last 50 edits."""
    data = spec.model_dump(mode="json")
    hist = st.session_state["spec.history"][: st.session_state["spec.index"] + 1]
    if hist and hist[-1] == data:
        return
    hist.append(data)
    hist = hist[-HISTORY_LIMIT:]
    st.session_state["spec.history"] = hist
    st.session_state["spec.index"] = len(hist) - 1
    st.session_state["review.errors"] = {}


def can_undo() -> bool:
    return st.session_state["spec.index"] > 0


def can_redo() -> bool:
    return st.session_state["spec.index"] < len(st.session_state["spec.history"]) - 1


def undo() -> None:
    if can_undo():
        st.session_state["spec.index"] -= 1


def redo() -> None:
    if can_redo():
        st.session_state["spec.index"] += 1


def require_spec():
    """The current spec, or a message with a link back to Describe and ``st.stop()``."""
    spec = current_spec()
    if spec is None:
        st.info("No spec yet: describe your asset first.")
        st.page_link("pages/1_describe.py", label="Go to Describe", icon=":material/edit_note:")
        st.stop()
    return spec
