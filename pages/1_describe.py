"""Step 1: describe the asset; the chosen spec writer drafts an editable spec."""

import streamlit as st

from core.errors import WorkbenchError
from core.mesh.formats import FORMATS
from core.spec.archetypes import ARCHETYPES
from ui.sidebar import writer_options
from ui.state import init_state, push_spec

init_state()
EXAMPLES = ["magical healing potion", "elvish sword", "wooden treasure chest with iron bands",
            "castle tower with a conical roof", "low-poly rocket ship", "glowing red mushroom"]  # fmt: skip
STYLES = ["auto", "realistic", "stylised", "low-poly", "fantasy", "medieval", "elvish", "dwarven",
          "sci-fi", "cartoon"]  # fmt: skip

st.title("Describe your asset")
st.caption("Step 1 of 4 · a short description is enough; you can edit everything in the next step.")

st.write("Try an example:")
cols = st.columns(3)
for i, example in enumerate(EXAMPLES):
    if cols[i % 3].button(example, key=f"describe.example.{i}", width="stretch"):
        st.session_state["describe.text"] = example

kinds = sorted(a.name.replace("_", " ") for a in ARCHETYPES)
picked = st.selectbox("…or start from an asset type", ["—", *kinds], key="describe.kind")
if picked != "—" and not st.session_state["describe.text"].strip():
    st.session_state["describe.text"] = picked

st.text_area("Description", key="describe.text", max_chars=1000, height=90,
             placeholder="e.g. dwarven battle axe with a bronze head")  # fmt: skip

st.segmented_control("Style", STYLES, key="describe.style")
st.multiselect("Export formats", list(FORMATS), key="describe.formats",
               format_func=lambda f: FORMATS[f].label)  # fmt: skip
c3, c4, c5 = st.columns([1, 2, 2])
c3.toggle("Auto polycount", key="describe.polycount_auto")
c4.slider("Target polycount (triangles)", 200, 50_000, step=100, key="describe.polycount",
          disabled=st.session_state["describe.polycount_auto"])  # fmt: skip
writers = writer_options()
c5.selectbox("Spec writer", list(writers), key="describe.writer",
             format_func=lambda w: writers[w])  # fmt: skip

upload = st.file_uploader("Reference image (optional; PNG, JPEG or WebP, ≤ 10 MB, ≤ 4096 px)",
                          key="describe.upload")  # fmt: skip
if upload is not None:
    from core.images import validate_reference_image

    try:
        ref = validate_reference_image(upload.getvalue())
        st.session_state["describe.reference"] = ref.png
        st.image(ref.png, caption=f"{ref.width} × {ref.height} {ref.source_format}", width=160)
    except WorkbenchError as e:
        st.session_state["describe.reference"] = None
        st.error(f"{upload.name}: {e}")
else:
    st.session_state["describe.reference"] = None

if st.button("Write spec", type="primary", key="describe.submit"):
    from core.spec.writers import get_writer

    writer = st.session_state["describe.writer"]
    style = (
        None if st.session_state["describe.style"] in (None, "auto") else st.session_state["describe.style"]
    )
    with st.status(f"Writing the spec with {writers[writer]}…", expanded=True) as status:
        try:
            result = get_writer(writer).write(st.session_state["describe.text"], style=style)
        except WorkbenchError as e:
            status.update(label="Could not write the spec", state="error")
            st.error(str(e))
            st.stop()
        spec = result.spec.model_copy(deep=True)
        spec.technical.export_formats = st.session_state["describe.formats"] or ["glb"]
        if not st.session_state["describe.polycount_auto"]:
            spec.technical.target_polycount = st.session_state["describe.polycount"]
        push_spec(spec)
        st.session_state["spec.archetype"] = result.archetype
        st.session_state["spec.warnings"] = result.warnings
        st.session_state["spec.description"] = st.session_state["describe.text"]
        status.update(label=f"Spec ready: {spec.name} ({result.archetype})", state="complete")
    st.switch_page("pages/2_review.py")
