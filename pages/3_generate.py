"""Step 3: run the job (spec -> mesh -> exports -> thumbnail -> store) and download files."""

import streamlit as st

from core.config import get_settings
from core.errors import WorkbenchError
from core.spec.io import parse_spec
from ui.state import init_state

init_state()
st.title("Generate")
if st.session_state["spec.json"] is None:
    st.info("No spec yet: describe your asset first.")
    st.page_link("pages/1_describe.py", label="Go to Describe", icon="✍️")
    st.stop()

spec = parse_spec(st.session_state["spec.json"])
c1, c2 = st.columns(2)
c1.selectbox("Backend", ["procedural"], key="generate.backend")
c2.number_input("Seed", min_value=0, max_value=2**32 - 1, step=1, key="generate.seed")

if st.button(f"Generate {spec.name}", type="primary", key="generate.run"):
    from core.jobs.checkpoint import STEPS
    from core.jobs.pipeline import Job

    bar = st.progress(0.0, text="Starting…")
    with st.status("Running job…", expanded=True) as status:
        try:
            job = Job.create(
                spec.short_description, asset_dir=get_settings().asset_dir, spec=spec,
                backend=st.session_state["generate.backend"], seed=int(st.session_state["generate.seed"]),
                formats=[f.value for f in spec.technical.export_formats],
            )  # fmt: skip
            for ev in job.run():
                done = STEPS.index(ev.step) + (1.0 if ev.kind in ("done", "skip") else ev.fraction)
                bar.progress(min(done / len(STEPS), 1.0), text=f"{ev.step}: {ev.message}")
                if ev.kind == "done":
                    st.write(f"✓ {ev.step} ({ev.elapsed_s:.2f} s)")
            st.session_state["generate.result"] = job.result()
            status.update(label="Done", state="complete")
        except WorkbenchError as e:
            status.update(label="Generation failed", state="error")
            st.error(str(e))

result = st.session_state["generate.result"]
if result and result["status"] == "done":
    from pathlib import Path

    from core.mesh.formats import FORMATS

    folder = Path(next(iter(result["files"].values()))).parent
    left, right = st.columns([1, 1])
    left.image(str(folder / "thumbnail.png"), caption=result["asset_id"])
    stats = result["stats"]
    right.metric("Triangles", f"{stats['faces']:,}")
    right.metric("Size (m)", " × ".join(f"{v:.2f}" for v in stats["size_m"]))
    right.write(f"Watertight: {stats['watertight']} · materials: {', '.join(stats['materials'])}")
    for fmt, path in result["files"].items():
        right.download_button(f"Download {FORMATS[fmt].label}", Path(path).read_bytes(),
                              file_name=Path(path).name, mime=FORMATS[fmt].mime_type,
                              key=f"generate.download.{fmt}")  # fmt: skip
