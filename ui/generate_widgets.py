"""Generate-page sections: starting a job, whether a result is out of date, concept images and
the list of interrupted jobs."""

from __future__ import annotations

import streamlit as st

from core.errors import WorkbenchError


def concept_picker(spec) -> None:
    """Optional text -> image step; the picked image becomes the job's reference image."""
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
                st.caption(
                    "Reference image set. The procedural backend builds from the spec; the image is kept "
                    "with the asset for image-to-3D backends."
                )


def reseed_if_unedited(spec, seed: int):
    """With a backend whose seed redraws the spec (procedural), a new seed gives the template's
    variant for that seed, as long as the spec is still as the built-in writer wrote it (edits
    are never thrown away). Returns the spec to generate."""
    from core.generators import GENERATORS
    from ui.state import current_spec
    from ui.template_picker import remember, write_spec

    ss = st.session_state
    gen = GENERATORS.get(ss["generate.backend"])
    unedited = ss["spec.written"] is not None and ss["spec.written"] == spec.model_dump(mode="json")
    if not getattr(gen, "seed_redraws_spec", False) or seed == ss["spec.seed"] or not unedited:
        return spec
    result = write_spec(ss["spec.description"] or spec.short_description, template=spec.archetype, seed=seed)
    remember(result, keep=spec)
    return current_spec()


def start_job() -> None:
    """Generate button callback: submit a job for the current spec with the page's settings.
    Runs before the page is drawn, so the page shows the new job's progress at once."""
    from core.config import get_settings
    from core.jobs.pipeline import Job
    from ui.runtime import get_runner
    from ui.state import current_spec

    ss = st.session_state
    spec = current_spec()
    if spec is None:
        return
    try:
        spec = reseed_if_unedited(spec, int(ss["generate.seed"]))
        job = Job.create(
            ss["spec.description"] or spec.short_description,
            asset_dir=get_settings().asset_dir,
            spec=spec,
            backend=ss["generate.backend"],
            seed=int(ss["generate.seed"]),
            fallbacks=[b for b in ss["generate.fallbacks"] or [] if b != ss["generate.backend"]],
            formats=[f.value for f in spec.technical.export_formats],
            reference_image=ss["describe.reference"],
            costs={"concept_images_usd": ss["generate.concept_cost"]}
            if ss.get("generate.concept_cost")
            else None,
        )
        ss["generate.job_id"] = get_runner().submit(job)
        ss["generate.error"] = None
    except WorkbenchError as e:
        ss["generate.error"] = str(e)


def spec_changes_since(job, spec) -> list[str]:
    """The top-level spec fields that differ between the spec ``job`` was made from and
    ``spec`` (the current revision); empty when the result is current (or the job's spec
    cannot be read, so nothing can be claimed)."""
    from core.spec.io import parse_spec

    try:
        made_from = parse_spec((job.folder / "spec.json").read_text(encoding="utf-8")).model_dump(mode="json")
    except (OSError, UnicodeDecodeError, WorkbenchError, ValueError):
        return []
    now = spec.model_dump(mode="json")
    changed = [k.replace("_", " ") for k in now if now.get(k) != made_from.get(k)]
    old, new = made_from.get("dimensions") or {}, now["dimensions"]
    dims = [
        f"{a} {old[a]:.3f} → {new[a]:.3f} m"
        for a in ("width", "height", "depth")
        if isinstance(old.get(a), (int, float)) and old[a] != new[a]
    ]
    if dims:
        changed[changed.index("dimensions")] = "dimensions (" + ", ".join(dims) + ")"
    return changed


def interrupted_jobs(runner, asset_dir) -> None:
    """Jobs that stopped before finishing (server restart, cancel), each with Resume; nothing
    at all when there are none."""
    from core.jobs.pipeline import Job, list_jobs

    def waiting_for_resume(cp) -> bool:
        snap = runner.snapshot(cp.job_id)
        return cp.status in ("interrupted", "cancelled") and not (snap and snap.active)

    waiting = [cp for cp in list_jobs(asset_dir, include_store=False) if waiting_for_resume(cp)]
    if not waiting:
        return
    with st.expander(f"Interrupted jobs ({len(waiting)})"):
        for cp in waiting[:20]:
            c1, c2 = st.columns([4, 1])
            done = sum(s.status == "done" for s in cp.steps.values())
            c1.text(f"{cp.inputs.description[:60]} · {cp.status} · {done}/{len(cp.steps)} steps done")
            if c2.button("Resume", key=f"generate.resume.{cp.job_id}"):
                st.session_state["generate.job_id"] = runner.submit(Job.open(cp.job_id, asset_dir))
                st.rerun()


def backend_notes(backend: str, reason: str, has_reference: bool) -> None:
    """What the chosen backend will do: mode (text or image), where it runs, what it costs."""
    from core.generators import GENERATORS

    cls = GENERATORS.get(backend)
    mode = "image-to-3D from your reference image" if has_reference else "text-to-3D from the spec"
    if backend in ("shap_e", "point_e"):
        st.info(
            f"**{cls.label}**: {mode}, on this machine: seconds to a minute on a GPU, many minutes "
            "on the CPU (the job says which device it uses). The model loads once per server process; "
            "vertex colours are kept (set BAKE_VERTEX_COLORS=true for a texture).",
            icon=":material/memory:",
        )
        return
    if not getattr(cls, "remote", False):
        return
    notes = [
        f"**{cls.service_label}**: {mode}; about a minute; costs credits on your account "
        "(recorded with the job). The model is downloaded into the store as soon as it is ready: "
        "services delete results after a few days."
    ]
    if "test mode" in reason:
        notes.append("Test mode: Meshy returns its sample model whatever the prompt, and charges nothing.")
    st.info("  \n".join(notes), icon=":material/cloud:")


def count_credits(job_id: str, costs: dict) -> None:
    """Add a finished job's credits to the session's total, once per job."""
    if job_id in st.session_state["credits.jobs"]:
        return
    st.session_state["credits.jobs"].append(job_id)
    total = st.session_state["credits.session"]
    spent = {k.removesuffix("_credits"): float(v) for k, v in costs.items() if k.endswith("_credits") and v}
    for name, value in spent.items():
        total[name] = total.get(name, 0.0) + value
    if spent:
        st.rerun()  # the sidebar, drawn before this page, shows the new total
