"""Step 2: review and edit the spec before spending time on 3D generation."""

import streamlit as st

from core.errors import WorkbenchError
from core.spec.edits import apply_edit
from ui.review_widgets import (
    edit_chat,
    gameplay_form,
    json_editor,
    materials_form,
    overview_form,
    parts_editor,
    sync_forms,
)
from ui.state import app_settings, can_redo, can_undo, init_state, push_spec, redo, require_spec, undo


@st.cache_data(max_entries=64, show_spinner="Building preview…")
def preview_png(spec_json: str, texture_size: int, cache_dir: str) -> bytes:
    from pathlib import Path

    from core.render import render_spec_preview
    from core.spec.io import parse_spec

    spec = parse_spec(spec_json)
    return render_spec_preview(spec, texture_size=texture_size, cache_dir=Path(cache_dir))


init_state()
settings = app_settings()
st.title("Review spec")
spec = require_spec()
sync_forms(spec)  # every form shows this revision of the spec (after undo, chat edits, ...)
st.caption("Step 2 of 4 · edit anything; every applied edit can be undone.")

for warning in st.session_state["spec.warnings"]:
    st.warning(warning)
if st.session_state["spec.candidates"]:
    from ui.template_picker import not_what_you_meant

    not_what_you_meant(spec)

bar = st.columns([1, 1, 2, 2])
bar[0].button("↶ Undo", key="review.undo", on_click=undo, disabled=not can_undo(), width="stretch")
bar[1].button("↷ Redo", key="review.redo", on_click=redo, disabled=not can_redo(), width="stretch")
regen = bar[2].button("Regenerate spec", key="review.regenerate", width="stretch")
if bar[3].button("Continue to Generate →", type="primary", key="review.continue", width="stretch"):
    st.switch_page("pages/3_generate.py")

if regen:
    from core.spec.writers import get_writer

    with st.spinner("Writing a new spec…"):
        try:
            result = get_writer(st.session_state["describe.writer"], settings=settings).write(
                st.session_state["spec.description"] or spec.short_description
            )
            from ui.template_picker import remember

            remember(result, keep=spec)
            st.rerun()
        except WorkbenchError as e:
            st.error(str(e))

errors = st.session_state["review.errors"]
if errors and "json" not in errors:
    st.error("Not applied: " + "; ".join(f"{k}: {v}" for k, v in list(errors.items())[:6]))

left, right = st.columns([3, 2])
candidates = []
with left:
    st.subheader(spec.name)  # st.subheader renders text, never HTML
    edit_chat(spec)
    tabs = st.tabs(["Overview", "Materials", "Gameplay", "JSON"])
    with tabs[0]:
        candidates.append(overview_form(spec))
    with tabs[1]:
        candidates.append(materials_form(spec))
    with tabs[2]:
        candidates.append(gameplay_form(spec))
    with tabs[3]:
        candidates.append(json_editor(spec))
        if "json" in st.session_state["review.errors"]:
            st.error(f"Not valid JSON: {st.session_state['review.errors']['json']}")
with right:
    st.markdown("**Preview** (procedural)")
    try:
        png = preview_png(spec.model_dump_json(), settings.texture_size, str(settings.cache_dir))
        st.image(png, width="stretch")
    except WorkbenchError as e:
        st.error(f"Preview failed: {e}")
    d = spec.dimensions
    st.caption(
        f"{spec.category.value} · {spec.style.value} · archetype `{spec.archetype}` · "
        f"{d.width:.3f} × {d.height:.3f} × {d.depth:.3f} m · {len(spec.parts)} parts · "
        f"edit {st.session_state['spec.index'] + 1}/{len(st.session_state['spec.history'])}"
    )

# the parts table at full width: size, position, rotation and material without scrolling sideways
st.markdown("**Parts**")
candidates.append(parts_editor(spec))

edited = next((c for c in candidates if c is not None), None)
if isinstance(edited, str):  # the JSON tab's text did not parse; its message is in review.errors
    st.rerun()
if isinstance(edited, dict):
    result = apply_edit(spec, edited)  # part edits refit the dimensions; errors per field
    st.session_state["review.errors"] = result.errors
    if result.spec is not None:
        push_spec(result.spec)
    st.rerun()  # redraw: the new spec, or each message next to its field
