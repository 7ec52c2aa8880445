"""3D Asset Workbench: Describe -> Review spec -> Generate -> Gallery (st.navigation)."""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import streamlit as st

from ui.sidebar import render_sidebar
from ui.state import app_settings, init_state

st.set_page_config(page_title="3D Asset Workbench", page_icon=":material/deployed_code:", layout="wide")
try:
    app_settings()
except ValueError as e:  # pydantic's ValidationError: a setting in env / secrets.toml is invalid
    from core.spec.io import format_validation_error

    st.error(f"Invalid settings: {format_validation_error(e) if hasattr(e, 'errors') else e}")
    st.stop()
st.session_state["nav.entry"] = True  # pages know they run inside this navigation
init_state()

pages = [
    st.Page("pages/1_describe.py", title="Describe", icon=":material/edit_note:", default=True),
    st.Page("pages/2_review.py", title="Review spec", icon=":material/fact_check:"),
    st.Page("pages/3_generate.py", title="Generate", icon=":material/deployed_code:"),
    st.Page("pages/4_gallery.py", title="Gallery", icon=":material/photo_library:"),
]
nav = st.navigation(pages)
render_sidebar()
nav.run()
