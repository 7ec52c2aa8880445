"""Session-state keys, namespaced per page and initialised in one place."""

from __future__ import annotations

import streamlit as st

DEFAULTS: dict[str, object] = {
    "describe.text": "",
    "describe.style": "auto",
    "describe.formats": ["glb", "obj", "stl"],
    "describe.writer": "builtin",
    "spec.json": None,  # the current spec as a JSON-able dict
    "spec.archetype": None,
    "spec.warnings": [],
    "generate.backend": "procedural",
    "generate.seed": 0,
    "generate.result": None,
}


def init_state() -> None:
    """Set every key that is missing to its default (never overwrites user input)."""
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value.copy() if isinstance(value, list) else value
