"""Step 3: run the job in the background, watch it, cancel or resume it, view and download."""

import streamlit as st

from core.config import get_settings
from core.errors import WorkbenchError
from core.generators import GENERATORS
from ui.generate_widgets import backend_notes, concept_picker, count_credits, interrupted_jobs
from ui.results import show_result
from ui.runtime import get_runner
from ui.sidebar import available, generator_options
from ui.state import init_state, require_spec

init_state()
st.title("Generate")
spec = require_spec()
st.caption(
    f"Step 3 of 4 · **{spec.name}** · formats: {', '.join(f.value for f in spec.technical.export_formats)}"
)
runner, asset_dir = get_runner(), get_settings().asset_dir

concept_picker(spec)

gens = generator_options()
c1, c2, c3 = st.columns([2, 1, 1])
c1.selectbox("Backend", list(gens), key="generate.backend", format_func=lambda g: gens[g])
if getattr(GENERATORS.get(st.session_state["generate.backend"]), "uses_seed", False):
    c2.number_input("Seed", min_value=0, max_value=2**32 - 1, step=1, key="generate.seed")
else:
    c2.caption("Same spec, same model: this backend needs no seed.")
ok, reason = available("generator", st.session_state["generate.backend"])
if not ok:
    st.warning(f"This backend cannot run here: {reason}")
backend_notes(st.session_state["generate.backend"], reason, bool(st.session_state["describe.reference"]))
if st.session_state["generate.fallbacks"] is None:
    st.session_state["generate.fallbacks"] = [b for b in get_settings().generator_fallbacks if b in gens]
st.multiselect(
    "If it cannot deliver, fall back to", [g for g in gens if g != st.session_state["generate.backend"]],
    key="generate.fallbacks", format_func=lambda g: gens[g].split(" — ")[0],
    help="Tried in order when the backend has no key, no credits, or its task fails. Falling back is "
         "always shown with the result. A task still running on a service is resumed, never abandoned.",
)  # fmt: skip
if c3.button("Generate", type="primary", key="generate.run", disabled=not ok, width="stretch"):
    from core.jobs.pipeline import Job

    try:
        job = Job.create(
            st.session_state["spec.description"] or spec.short_description, asset_dir=asset_dir, spec=spec,
            backend=st.session_state["generate.backend"], seed=int(st.session_state["generate.seed"]),
            fallbacks=[b for b in st.session_state["generate.fallbacks"] if b != st.session_state["generate.backend"]],
            formats=[f.value for f in spec.technical.export_formats],
            reference_image=st.session_state["describe.reference"],
            costs={"concept_images_usd": st.session_state["generate.concept_cost"]}
            if st.session_state.get("generate.concept_cost") else None,
        )  # fmt: skip
        st.session_state["generate.job_id"] = runner.submit(job)
    except WorkbenchError as e:
        st.error(str(e))


def snapshot(job_id: str):
    from core.jobs.runner import snapshot_from_checkpoint

    return runner.snapshot(job_id) or snapshot_from_checkpoint(job_id, asset_dir)


@st.fragment(run_every=0.5)
def live_progress(job_id: str) -> None:
    snap = snapshot(job_id)
    if snap is None or not snap.active:
        st.rerun()  # finished: redraw the whole page with the result
    est = f" of ~{snap.estimate_s:.1f} s" if snap.estimate_s else ""
    st.progress(snap.fraction, text=f"{snap.step or 'queued'}: {snap.message} · {snap.elapsed_s:.1f} s{est}")
    with st.expander("Steps", expanded=False):
        st.text("\n".join(snap.log) or "starting…")
    if st.button("Cancel", key="generate.cancel"):
        runner.cancel(job_id)


job_id = st.session_state["generate.job_id"]
snap = snapshot(job_id) if job_id else None
if job_id and snap is None:
    st.error(f"Job {job_id} is gone (its folder was deleted).")
elif snap is not None and snap.active:
    live_progress(job_id)
elif snap is not None and snap.status in ("interrupted", "cancelled", "failed"):
    label = {"interrupted": "was interrupted", "cancelled": "was cancelled", "failed": "failed"}[snap.status]
    st.warning(f"Job {job_id} {label}" + (f": {snap.error}" if snap.error else ".")
               + " Its checkpoint is kept: Resume continues where it stopped.")  # fmt: skip
    if st.button("Resume", key="generate.resume", type="primary"):
        from core.jobs.pipeline import Job

        try:
            runner.submit(Job.open(job_id, asset_dir))
            st.rerun()
        except WorkbenchError as e:
            st.error(str(e))
elif snap is not None and snap.status == "done":
    from core.jobs.pipeline import Job

    st.success(f"Done in {snap.elapsed_s:.1f} s" if snap.elapsed_s else "Done")
    try:
        result = Job.open(job_id, asset_dir).result()
        count_credits(job_id, result.get("costs", {}))
        show_result(result, key="generate")
    except WorkbenchError as e:
        st.error(str(e))

interrupted_jobs(runner, asset_dir)
