"""Step 1: describe the asset; the chosen spec writer drafts an editable spec."""

import streamlit as st

from core.errors import WorkbenchError
from core.formats import FORMATS
from core.spec.builtin import MAX_DESCRIPTION_CHARS, clean_description
from core.spec.template_model import FAMILIES
from ui.sidebar import writer_options
from ui.state import app_settings, init_state

init_state()
settings = app_settings()
EXAMPLES = [
    "magical healing potion",
    "elvish sword",
    "wooden treasure chest with iron bands",
    "castle tower with a conical roof",
    "low-poly rocket ship",
    "glowing red mushroom",
]
STYLES = [
    "auto",
    "realistic",
    "stylised",
    "low-poly",
    "fantasy",
    "medieval",
    "elvish",
    "dwarven",
    "sci-fi",
    "cartoon",
]

st.title("Describe your asset")
st.caption("Step 1 of 4 · a short description is enough; you can edit everything in the next step.")

st.write("Try an example:")
cols = st.columns(3)
for i, example in enumerate(EXAMPLES):
    if cols[i % 3].button(example, key=f"describe.example.{i}", width="stretch"):
        st.session_state["describe.text"] = example

KINDS = ["auto", *(f for f in FAMILIES if f != "generic")]

# no max_chars: the browser would drop a longer paste whole; the text is cut below instead,
# with the same warning as the CLI
st.text_area(
    "Description", key="describe.text", height=90, placeholder="e.g. dwarven battle axe with a bronze head"
)
if len(st.session_state["describe.text"]) > MAX_DESCRIPTION_CHARS:
    try:
        for warning in clean_description(st.session_state["describe.text"])[1]:
            st.warning(warning, icon=":material/content_cut:")
    except WorkbenchError:
        pass  # only blanks: "Write spec" says the description is empty

st.segmented_control("Style", STYLES, key="describe.style")
st.multiselect(
    "Export formats", list(FORMATS), key="describe.formats", format_func=lambda f: FORMATS[f].label
)
k1, k2 = st.columns([3, 1])
k1.selectbox(
    "Kind of object",
    KINDS,
    key="describe.kind",
    format_func=lambda k: k.replace("_", " "),
    help="Helps the built-in writer with words it does not know; 'auto' reads it from the text.",
)
k2.number_input(
    "Variant seed",
    min_value=0,
    max_value=2**32 - 1,
    step=1,
    key="describe.seed",
    help="0: the usual proportions. Other numbers: repeatable variants (proportions, counts, options).",
)
c3, c4, c5 = st.columns([1, 2, 2])
c3.toggle("Auto polycount", key="describe.polycount_auto")
c4.slider(
    "Target polycount (triangles)",
    200,
    50_000,
    step=100,
    key="describe.polycount",
    disabled=st.session_state["describe.polycount_auto"],
)
writers = writer_options()
c5.selectbox("Spec writer", list(writers), key="describe.writer", format_func=lambda w: writers[w])

upload = st.file_uploader(
    "Reference image (optional; PNG, JPEG or WebP, ≤ 10 MB, ≤ 4096 px)", key="describe.upload"
)
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
    from core.spec.output import with_output_options
    from core.spec.writers import get_writer
    from ui.template_picker import remember

    writer = st.session_state["describe.writer"]
    style = (
        None if st.session_state["describe.style"] in (None, "auto") else st.session_state["describe.style"]
    )
    polycount = (
        None if st.session_state["describe.polycount_auto"] else st.session_state["describe.polycount"]
    )
    try:
        text, cut_warnings = clean_description(st.session_state["describe.text"])
        kind = (
            None if st.session_state["describe.kind"] in (None, "auto") else st.session_state["describe.kind"]
        )
        with st.spinner(f"Writing the spec with {writers[writer]}…"):
            result = get_writer(writer, settings=settings).write(
                text, style=style, seed=int(st.session_state["describe.seed"]), family=kind
            )
        result.spec = with_output_options(result.spec, st.session_state["describe.formats"], polycount)
    except WorkbenchError as e:
        st.error(f"Could not write the spec: {e}", icon=":material/error:")  # visible, not in a closed box
        st.stop()
    remember(result)
    st.session_state["spec.style"], st.session_state["spec.kind"] = style, kind
    st.session_state["spec.warnings"] = cut_warnings + [w for w in result.warnings if w not in cut_warnings]
    st.session_state["spec.description"] = text
    st.switch_page("pages/2_review.py")
