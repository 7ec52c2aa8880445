"""Step 1: describe the asset; the chosen spec writer turns it into a spec."""

import streamlit as st

from core.errors import WorkbenchError
from core.mesh.formats import FORMATS
from core.spec.model import Style
from ui.state import init_state

init_state()
EXAMPLES = ["magical healing potion", "elvish sword", "wooden treasure chest with iron bands",
            "castle tower with a conical roof", "low-poly rocket ship", "glowing red mushroom"]  # fmt: skip

st.title("Describe your asset")
st.write("Type a short description; the spec writer drafts an editable asset spec.")
cols = st.columns(len(EXAMPLES))
for i, (col, example) in enumerate(zip(cols, EXAMPLES, strict=True)):
    if col.button(example, key=f"describe.example.{i}", use_container_width=True):
        st.session_state["describe.text"] = example

st.text_area("Description", key="describe.text", max_chars=1000, placeholder="e.g. dwarven battle axe")
c1, c2, c3 = st.columns(3)
c1.selectbox("Style", ["auto", *[s.value for s in Style]], key="describe.style")
c2.multiselect("Export formats", list(FORMATS), key="describe.formats")
c3.selectbox("Spec writer", ["builtin", "litellm"], key="describe.writer")

if st.button("Write spec", type="primary", key="describe.submit"):
    from core.spec.writers import get_writer

    style = None if st.session_state["describe.style"] == "auto" else st.session_state["describe.style"]
    with st.status("Writing spec…", expanded=False) as status:
        try:
            result = get_writer(st.session_state["describe.writer"]).write(
                st.session_state["describe.text"], style=style
            )
        except WorkbenchError as e:
            status.update(label="Could not write the spec", state="error")
            st.error(str(e))
            st.stop()
        formats = st.session_state["describe.formats"] or ["glb"]
        spec = result.spec.model_copy(deep=True)
        spec.technical.export_formats = formats
        st.session_state["spec.json"] = spec.model_dump(mode="json")
        st.session_state["spec.archetype"] = result.archetype
        st.session_state["spec.warnings"] = result.warnings
        status.update(label=f"Spec ready: {spec.name} ({result.archetype})", state="complete")
    st.switch_page("pages/2_review.py")
