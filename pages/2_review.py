"""Step 2: review and edit the spec before spending time on 3D generation."""

import streamlit as st

from core.errors import WorkbenchError
from core.spec.io import field_errors
from ui.review_widgets import gameplay_form, json_editor, materials_form, overview_form, parts_editor
from ui.state import can_redo, can_undo, init_state, push_spec, redo, require_spec, undo


@st.cache_data(max_entries=64, show_spinner="Building preview…")
def preview_png(spec_json: str) -> bytes:
    from core.render import render_spec_preview
    from core.spec.io import parse_spec

    return render_spec_preview(parse_spec(spec_json))


init_state()
st.title("Review spec")
spec = require_spec()
st.caption("Step 2 of 4 · edit anything; every applied edit can be undone.")

for warning in st.session_state["spec.warnings"]:
    st.warning(warning)

bar = st.columns([1, 1, 2, 2])
bar[0].button("↶ Undo", key="review.undo", on_click=undo, disabled=not can_undo(), use_container_width=True)
bar[1].button("↷ Redo", key="review.redo", on_click=redo, disabled=not can_redo(), use_container_width=True)
regen = bar[2].button("Regenerate spec", key="review.regenerate", use_container_width=True)
if bar[3].button("Continue to Generate →", type="primary", key="review.continue", use_container_width=True):
    st.switch_page("pages/3_generate.py")

if regen:
    from core.spec.writers import get_writer

    with st.spinner("Writing a new spec…"):
        try:
            result = get_writer(st.session_state["describe.writer"]).write(
                st.session_state["spec.description"] or spec.short_description
            )
            push_spec(result.spec)
            st.session_state["spec.warnings"] = result.warnings
            st.rerun()
        except WorkbenchError as e:
            st.error(str(e))

left, right = st.columns([3, 2])
with left:
    st.subheader(spec.name)  # st.subheader renders text, never HTML
    tabs = st.tabs(["Overview", "Parts", "Materials", "Gameplay", "JSON"])
    candidates = []
    with tabs[0]:
        candidates.append(overview_form(spec))
    with tabs[1]:
        candidates.append(parts_editor(spec))
    with tabs[2]:
        candidates.append(materials_form(spec))
    with tabs[3]:
        candidates.append(gameplay_form(spec))
    with tabs[4]:
        candidates.append(json_editor(spec))
        if "json" in st.session_state["review.errors"]:
            st.error(f"Not valid JSON: {st.session_state['review.errors']['json']}")

edited = next((c for c in candidates if c is not None), None)
if isinstance(edited, dict):
    new, errors = field_errors(edited)
    st.session_state["review.errors"] = errors
    if new is None:
        st.error("Not applied: " + "; ".join(f"{k}: {v}" for k, v in list(errors.items())[:6]))
    else:
        push_spec(new)
        st.rerun()

with right:
    st.markdown("**Preview** (procedural)")
    try:
        st.image(preview_png(spec.model_dump_json()), use_container_width=True)
    except WorkbenchError as e:
        st.error(f"Preview failed: {e}")
    d = spec.dimensions
    st.caption(f"{spec.category.value} · {spec.style.value} · archetype `{spec.archetype}` · "
               f"{d.width:.3f} × {d.height:.3f} × {d.depth:.3f} m · {len(spec.parts)} parts · "
               f"edit {st.session_state['spec.index'] + 1}/{len(st.session_state['spec.history'])}")  # fmt: skip
