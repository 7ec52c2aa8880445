"""Generate-page sections: starting a job, whether a result is out of date, concept images and
the list of interrupted jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from core.errors import WorkbenchError

if TYPE_CHECKING:
    from core.config import Settings
    from core.jobs.request import JobRequest
    from core.schemas import BackendInfo, Costs


def concept_picker(spec, settings: Settings) -> None:
    """Optional text -> image step; the picked image becomes the job's reference image."""
    with st.expander("Concept image (optional): text → image, kept as the job's reference image"):
        from core.concept import availability as concept_availability

        avail = concept_availability(settings)
        if not avail.ok:
            st.info(f"{avail.reason} You can skip this step.")
        else:
            n = st.slider("Candidates", 1, 4, 2, key="generate.concept_n")
            if st.button("Generate concept images", key="generate.concepts_run"):
                from core.concept import generate_concepts

                try:
                    with st.spinner("Asking the image model…"):
                        result = generate_concepts(spec, count=n, settings=settings)
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


def reseed_if_unedited(spec, seed: int, settings: Settings):
    """With a backend whose seed redraws the spec (procedural), a new seed gives the template's
    variant for that seed, as long as the spec is still as the built-in writer wrote it (edits
    are never thrown away). Returns the spec to generate."""
    from core.backends import backend_info
    from ui.state import current_spec
    from ui.template_picker import remember, write_spec

    ss = st.session_state
    unedited = ss["spec.written"] is not None and ss["spec.written"] == spec.model_dump(mode="json")
    if seed == ss["spec.seed"] or not unedited:
        return spec
    if not backend_info(ss["generate.backend"], settings).seed_redraws_spec:
        return spec
    result = write_spec(ss["spec.description"] or spec.short_description, template=spec.archetype, seed=seed)
    remember(result, keep=spec)
    return current_spec()


def job_request(spec, settings: Settings) -> JobRequest:
    """The :class:`~core.jobs.request.JobRequest` for ``spec`` with the page's backend, seed,
    fallbacks, reference image and the concept images already paid for.

    Raises ``SpecError`` or ``UnknownBackendError`` (as ``JobRequest``).
    """
    from core.jobs.request import JobRequest
    from core.schemas import Costs

    ss = st.session_state
    cost = ss.get("generate.concept_cost")
    return JobRequest(
        ss["spec.description"] or spec.short_description,
        spec=spec,
        backend=ss["generate.backend"],
        seed=int(ss["generate.seed"]),
        fallbacks=[b for b in ss["generate.fallbacks"] or [] if b != ss["generate.backend"]],
        formats=[f.value for f in spec.technical.export_formats],
        reference_image=ss["describe.reference"],
        costs=Costs(usd={"concept_images": cost}) if cost else Costs(),
        texture_size=ss["generate.texture_size"],
        collision=ss["generate.collision"],
    )


TEXTURE_LABELS = {0: "Flat colours", 512: "512 px", 1024: "1,024 px", 2048: "2,048 px"}
COLLISION_LABELS = {
    "none": "None",
    "hull": "Convex hull",
    "decomposition": "Convex pieces (CoACD)",
}


def look_options(settings: Settings) -> None:
    """Texture size and collision mesh for the next job (defaults: the TEXTURE_SIZE and
    COLLISION settings)."""
    ss = st.session_state
    if ss["generate.texture_size"] is None:
        ss["generate.texture_size"] = settings.texture_size
    if ss["generate.collision"] is None:
        ss["generate.collision"] = settings.collision
    t1, t2 = st.columns(2)
    t1.selectbox(
        "Textures",
        list(TEXTURE_LABELS),
        key="generate.texture_size",
        format_func=TEXTURE_LABELS.get,
        help="Procedural PBR maps (base colour, normal, occlusion-roughness-metallic) per material, "
        "at this size; a cloud model keeps the textures it came with.",
    )
    t2.selectbox(
        "Collision mesh",
        list(COLLISION_LABELS),
        key="generate.collision",
        format_func=COLLISION_LABELS.get,
        help="Written as collision.glb, and as UCX_ meshes in FBX and .blend (Unreal imports them as "
        "collision). Convex pieces follow concave props such as arches and chairs.",
    )


def start_job() -> None:
    """Generate button callback: submit a job for the current spec with the page's settings.
    Runs before the page is drawn, so the page shows the new job's progress at once."""
    from core.jobs.pipeline import Job
    from ui.runtime import get_runner
    from ui.state import app_settings, current_spec

    ss = st.session_state
    spec = current_spec()
    if spec is None:
        return
    settings = app_settings()
    try:
        spec = reseed_if_unedited(spec, int(ss["generate.seed"]), settings)
        job = Job.create(job_request(spec, settings), asset_dir=settings.asset_dir, settings=settings)
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


def interrupted_jobs(runner, settings: Settings) -> None:
    """Jobs that stopped before finishing (server restart, cancel), each with Resume; nothing
    at all when there are none."""
    from core.jobs.pipeline import Job, list_jobs

    def waiting_for_resume(cp) -> bool:
        snap = runner.snapshot(cp.job_id)
        return cp.status in ("interrupted", "cancelled") and not (snap and snap.active)

    asset_dir = settings.asset_dir
    waiting = [
        cp for cp in list_jobs(asset_dir, include_store=False, settings=settings) if waiting_for_resume(cp)
    ]
    if not waiting:
        return
    with st.expander(f"Interrupted jobs ({len(waiting)})"):
        for cp in waiting[:20]:
            c1, c2 = st.columns([4, 1])
            done = sum(s.status == "done" for s in cp.steps.values())
            c1.text(f"{cp.inputs.description[:60]} · {cp.status} · {done}/{len(cp.steps)} steps done")
            if c2.button("Resume", key=f"generate.resume.{cp.job_id}"):
                job = Job.open(cp.job_id, asset_dir, settings)
                st.session_state["generate.job_id"] = runner.submit(job)
                st.rerun()


def backend_notes(info: BackendInfo, has_reference: bool) -> None:
    """What the chosen backend will do: mode (text or image), where it runs, what it costs."""
    mode = "image-to-3D from your reference image" if has_reference else "text-to-3D from the spec"
    if not info.remote and info.image:  # a local ML model
        st.info(
            f"**{info.label}**: {mode}, on this machine: seconds to a minute on a GPU, many minutes "
            "on the CPU (the job says which device it uses). The model loads once per server process; "
            "vertex colours are kept (set BAKE_VERTEX_COLORS=true for a texture).",
            icon=":material/memory:",
        )
        return
    if not info.remote:
        return
    notes = [
        f"**{info.label}**: {mode}; about a minute; costs credits on your account "
        "(recorded with the job). The model is downloaded into the store as soon as it is ready: "
        "services delete results after a few days."
    ]
    if info.test_mode:
        notes.append(
            "Test mode: the service returns its sample model whatever the prompt, and charges nothing."
        )
    st.info("  \n".join(notes), icon=":material/cloud:")


def record_finished(job_id: str, costs: Costs) -> None:
    """Once per finished job: add its credits (``costs.credits``, per backend) to the
    session's total, and drop the cached gallery listing so the new asset shows there."""
    from ui.runtime import forget_listing

    if job_id in st.session_state["credits.jobs"]:
        return
    st.session_state["credits.jobs"].append(job_id)
    forget_listing()
    total = st.session_state["credits.session"]
    spent = {name: float(v) for name, v in costs.credits.items() if v}
    for name, value in spent.items():
        total[name] = total.get(name, 0.0) + value
    if spent:
        st.rerun()  # the sidebar, drawn before this page, shows the new total
