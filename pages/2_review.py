"""Step 2: review and edit the spec (raw JSON for now; parts shown as a table)."""

import json

import streamlit as st

from core.errors import SpecError
from core.spec.io import parse_spec
from ui.state import init_state

init_state()
st.title("Review spec")
if st.session_state["spec.json"] is None:
    st.info("No spec yet: describe your asset first.")
    st.page_link("pages/1_describe.py", label="Go to Describe", icon="✍️")
    st.stop()

spec = parse_spec(st.session_state["spec.json"])
for warning in st.session_state["spec.warnings"]:
    st.warning(warning)
st.subheader(spec.name)
st.caption(f"{spec.category.value} · {spec.style.value} · archetype `{spec.archetype}` · "
           f"{spec.dimensions.width:.2f} × {spec.dimensions.height:.2f} × {spec.dimensions.depth:.2f} m")  # fmt: skip
st.dataframe(
    [{"name": p.name, "primitive": p.primitive.value, "size (m)": str(p.size),
      "position (m)": str(p.position), "material": p.material} for p in spec.parts],
    use_container_width=True, key="review.parts",
)  # fmt: skip

edited = st.text_area("Spec JSON", json.dumps(st.session_state["spec.json"], indent=2), height=360,
                      key="review.json")  # fmt: skip
c1, c2 = st.columns(2)
if c1.button("Apply JSON edits", key="review.apply"):
    try:
        st.session_state["spec.json"] = parse_spec(edited).model_dump(mode="json")
        st.success("Spec updated.")
    except SpecError as e:
        st.error(str(e))
if c2.button("Continue to Generate", type="primary", key="review.continue"):
    st.switch_page("pages/3_generate.py")
