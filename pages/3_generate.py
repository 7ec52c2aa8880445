"""Step 3: run the job in the background, watch it, cancel or resume it, view and download."""

import streamlit as st

from core.config import get_settings
from core.errors import WorkbenchError
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

with st.expander("Concept image (optional): text → image, kept as the job's reference image"):
    from core.concept import availability as concept_availability

    avail = concept_availability()
    if not avail.ok:
        st.info(f"{avail.reason} You can skip this step.")
    else:
        n = st.slider("Candidates", 1, 4, 2, key="generate.concept_n")
        if st.button("Generate concept images", key="generate.concepts_run"):
            from core.concept import generate_concepts

            try:
                with st.spinner("Asking the image model…"):
                    result = generate_concepts(spec, count=n)
                st.session_state["generate.concepts"] = result.images
                st.session_state["generate.concept_cost"] = result.cost_usd
                for why in result.rejected:
                    st.warning(f"Dropped a candidate: {why}")
            except WorkbenchError as e:
                st.error(str(e))
        images = st.session_state.get("generate.concepts") or []
        cols = st.columns(max(len(images), 1))
        for i, png in enumerate(images):
            cols[i].image(png, width="stretch")
            if cols[i].button("Use this one", key=f"generate.concept.use.{i}", width="stretch"):
                st.session_state["describe.reference"] = png
        if st.session_state.get("describe.reference"):
            st.caption("Reference image set. The procedural backend builds from the spec; the image is kept "
                       "with the asset for image-to-3D backends.")  # fmt: skip

gens = generator_options()
c1, c2, c3 = st.columns([2, 1, 1])
c1.selectbox("Backend", list(gens), key="generate.backend", format_func=lambda g: gens[g])
c2.number_input("Seed", min_value=0, max_value=2**32 - 1, step=1, key="generate.seed")
ok, reason = available("generator", st.session_state["generate.backend"])
if not ok:
    st.warning(f"This backend cannot run here: {reason}")
if c3.button("Generate", type="primary", key="generate.run", disabled=not ok, width="stretch"):
    from core.jobs.pipeline import Job

    try:
        job = Job.create(
            st.session_state["spec.description"] or spec.short_description, asset_dir=asset_dir, spec=spec,
            backend=st.session_state["generate.backend"], seed=int(st.session_state["generate.seed"]),
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
        show_result(Job.open(job_id, asset_dir).result(), key="generate")
    except WorkbenchError as e:
        st.error(str(e))

with st.expander("Interrupted jobs"):
    from core.jobs.pipeline import Job, list_jobs

    waiting = [cp for cp in list_jobs(asset_dir, include_store=False) if cp.status in ("interrupted", "cancelled")
               and not (runner.snapshot(cp.job_id) and runner.snapshot(cp.job_id).active)]  # fmt: skip
    if not waiting:
        st.caption("None: every job finished.")
    for cp in waiting[:20]:
        c1, c2 = st.columns([4, 1])
        done = sum(s.status == "done" for s in cp.steps.values())
        c1.text(f"{cp.inputs.description[:60]} · {cp.status} · {done}/{len(cp.steps)} steps done")
        if c2.button("Resume", key=f"generate.resume.{cp.job_id}"):
            st.session_state["generate.job_id"] = runner.submit(Job.open(cp.job_id, asset_dir))
            st.rerun()
