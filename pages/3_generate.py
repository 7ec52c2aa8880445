"""Step 3: run the job in the background, watch it, cancel or resume it, view and download."""

import streamlit as st

from core.backends import backend_info
from core.errors import WorkbenchError
from ui.generate_widgets import (
    backend_notes,
    concept_picker,
    interrupted_jobs,
    look_options,
    record_finished,
    spec_changes_since,
    start_job,
)
from ui.results import show_result
from ui.runtime import get_runner
from ui.sidebar import generator_options
from ui.state import app_settings, init_state, require_spec

init_state()
settings = app_settings()
st.title("Generate")
spec = require_spec()
st.caption(
    f"Step 3 of 4 · **{spec.name}** · formats: {', '.join(f.value for f in spec.technical.export_formats)}"
)
runner, asset_dir = get_runner(), settings.asset_dir


def job_settings() -> None:
    """Concept image, backend, seed, fallbacks and the Generate button."""
    concept_picker(spec, settings)
    gens = generator_options()
    c1, c2, c3 = st.columns([2, 1, 1])
    c1.selectbox("Backend", list(gens), key="generate.backend", format_func=lambda g: gens[g])
    info = backend_info(st.session_state["generate.backend"], settings)
    if info.sampling:
        c2.number_input(
            "Seed",
            min_value=0,
            max_value=2**32 - 1,
            step=1,
            key="generate.seed",
            help="Another variant of the template (proportions, counts, options) while the spec is unedited."
            if info.seed_redraws_spec
            else "Same seed, same result.",
        )
    else:
        c2.caption("Same spec, same model: this backend needs no seed.")
    if not info.available:
        hint = f"  \n{info.hint}" if info.hint and info.hint not in info.reason else ""
        st.warning(f"This backend cannot run here: {info.reason or 'unavailable'}{hint}")
    backend_notes(info, bool(st.session_state["describe.reference"]))
    if st.session_state["generate.fallbacks"] is None:
        st.session_state["generate.fallbacks"] = [b for b in settings.generator_fallbacks if b in gens]
    st.multiselect(
        "If it cannot deliver, fall back to",
        [g for g in gens if g != st.session_state["generate.backend"]],
        key="generate.fallbacks",
        format_func=lambda g: gens[g].split(" — ")[0],
        help="Tried in order when the backend has no key, no credits, or its task fails. Falling back is "
        "always shown with the result. A task still running on a service is resumed, never abandoned.",
    )
    look_options(settings)
    c3.button(
        "Generate",
        type="primary",
        key="generate.run",
        disabled=not info.available,
        width="stretch",
        on_click=start_job,
    )


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


if st.session_state["generate.error"]:
    st.error(st.session_state["generate.error"])

job_id = st.session_state["generate.job_id"]
snap = snapshot(job_id) if job_id else None
if snap is not None and snap.status == "done":
    # a finished result first, so its 3D view is on screen; the settings fold away below it
    from core.jobs.pipeline import Job

    try:
        job = Job.open(job_id, asset_dir, settings)
        result = job.result()
    except WorkbenchError as e:
        st.error(str(e))
    else:
        changed = spec_changes_since(job, spec)
        if changed:
            with st.container(border=True):
                st.warning(
                    "**Out of date:** this result was made from an earlier revision of the spec "
                    f"(changed since: {', '.join(changed)}). Generate again to see the current one.",
                    icon=":material/history:",
                )
                st.button(
                    "Generate the current spec",
                    type="primary",
                    key="generate.rerun",
                    on_click=start_job,
                    disabled=not backend_info(st.session_state["generate.backend"], settings).available,
                )
        else:
            st.success(f"Done in {snap.elapsed_s:.1f} s" if snap.elapsed_s else "Done")
        record_finished(job_id, result.costs)
        show_result(result, key="generate")
    with st.expander("Generate again: backend, seed, fallbacks, concept image"):
        job_settings()
else:
    job_settings()
    if job_id and snap is None:
        st.error(f"Job {job_id} is gone (its folder was deleted).")
    elif snap is not None and snap.active:
        live_progress(job_id)
    elif snap is not None and snap.status in ("interrupted", "cancelled", "failed"):
        label = {"interrupted": "was interrupted", "cancelled": "was cancelled", "failed": "failed"}[
            snap.status
        ]
        st.warning(
            f"Job {job_id} {label}"
            + (f": {snap.error}" if snap.error else ".")
            + " Its checkpoint is kept: Resume continues where it stopped."
        )
        if st.button("Resume", key="generate.resume", type="primary"):
            from core.jobs.pipeline import Job

            try:
                runner.submit(Job.open(job_id, asset_dir, settings))
                st.rerun()
            except WorkbenchError as e:
                st.error(str(e))

interrupted_jobs(runner, settings)
