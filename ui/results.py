"""A finished asset: viewers, stats and downloads (Generate page and Gallery)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import streamlit as st

from core.formats import FORMATS
from core.schemas import JobResult, MeshStats


def zip_asset(store, asset_id: str) -> bytes:
    """Every file the store holds for ``asset_id`` (models, spec.json, metadata.json,
    thumbnail, ...) as one zip, read through the store (local folder or S3 cache)."""
    meta = store.get_metadata(asset_id)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, info in sorted(meta.get("files", {}).items()):
            zf.write(store.local_path(asset_id, name, info.get("sha256")), arcname=f"{asset_id}/{name}")
        zf.writestr(f"{asset_id}/metadata.json", json.dumps(meta, indent=2))
    return buf.getvalue()


@st.cache_data(max_entries=8, show_spinner=False)
def _zip_cached(asset_id: str, job_id: str | None) -> bytes:
    from ui.runtime import get_store

    return zip_asset(get_store(), asset_id)


def show_result(result: JobResult, key: str) -> None:
    """Draw a finished job's or a stored asset's result: 3D viewers, stats, a download per
    format and a zip of all."""
    files = {fmt: Path(p) for fmt, p in result.files.items()}
    if not files:
        st.error("This asset has no files.")
        return
    from ui.runtime import get_store

    store = get_store()
    viewer(result, files, key)  # first, so the model is on screen without scrolling
    if result.stats is not None:
        mesh_stats(result.stats)
    for warning in result.warnings:
        st.warning(warning)
    provenance(result)

    st.markdown("**Downloads**")
    cols = st.columns(min(len(files) + 1, 5))
    for i, (fmt, path) in enumerate(files.items()):
        cols[i % len(cols)].download_button(
            FORMATS[fmt].label,
            path.read_bytes(),
            file_name=f"{result.asset_id}{path.suffix}",
            mime=FORMATS[fmt].mime_type,
            key=f"{key}.download.{fmt}",
            width="stretch",
        )
    name = (files.get("glb") or next(iter(files.values()))).name
    url = store.presigned_url(result.asset_id, name)  # None where the store cannot share links
    if url:
        st.text_input(
            f"Share link to {name} (expires in {store.settings.s3_presign_expiry_s // 60} min)",
            url,
            key=f"{key}.share",
            help="Select and copy; anyone with the link can download.",
        )
    cols[len(files) % len(cols)].download_button(
        "Everything (.zip)",
        _zip_cached(result.asset_id, result.job_id),
        file_name=f"{result.asset_id}.zip",
        mime="application/zip",
        key=f"{key}.download.zip",
        width="stretch",
        type="primary",
    )


def mesh_stats(stats: MeshStats) -> None:
    """Triangles, vertices, height (m), watertightness, bounding box (m) and materials."""
    m = st.columns(4)
    m[0].metric("Triangles", f"{stats.faces:,}")
    m[1].metric("Vertices", f"{stats.vertices:,}")
    m[2].metric("Height (m)", f"{stats.size_m[1]:.3f}")
    m[3].metric("Watertight", "yes" if stats.watertight else "no")
    w, h, d = stats.size_m
    st.caption(
        f"Bounding box {w:.3f} × {h:.3f} × {d:.3f} m (W × H × D), +Y up, pivot at base centre · "
        f"materials: {', '.join(stats.materials)}" + (" · PBR textures" if stats.textured else "")
    )


VIEWS = {"engine": "Game-engine view (GLB)", "pyvista": "Interactive (PyVista)"}


def viewer(result: JobResult, files: dict[str, Path], key: str) -> None:
    """One 3D view at a time, chosen with a segmented control (``{key}.viewer``). Only the
    chosen one is built: the PyVista scene export takes seconds and is made only when asked
    for (then cached per mesh file)."""
    from ui.viewers import model_viewer, pyvista_viewer, warm_up_pyvista

    view = st.segmented_control(
        "3D view",
        list(VIEWS),
        format_func=VIEWS.get,
        key=f"{key}.viewer",
        required=True,
        label_visibility="collapsed",
    )
    if view == "pyvista":
        job_folder = _job_folder(result)
        lod0 = (
            next((p for p in (job_folder / "lod0.npz", job_folder / "lod0.glb") if p.is_file()), None)
            if job_folder
            else None
        )
        if lod0 is not None:
            with st.spinner("Building the interactive view…"):
                pyvista_viewer(lod0)
        else:
            from ui.runtime import get_store

            st.caption("The job folder with the mesh is gone; this is the thumbnail.")
            st.image(str(get_store().local_path(result.asset_id, "thumbnail.png")))
    elif files.get("glb"):
        model_viewer(files["glb"], alt=result.asset_id)
        warm_up_pyvista()  # so the interactive view, if asked for, is ready in about a second
    else:
        st.info("Export GLB to see the engine view.")


def provenance(result: JobResult) -> None:
    """Which backend made the asset, every fallback taken on the way, and what it cost."""
    for fb in result.fallbacks:
        st.warning(
            f"**{fb['backend']}** could not deliver, so the next backend in the fallback chain "
            f"was used: {fb['error']}",
            icon=":material/alt_route:",
        )
    cost = result.costs.summary()
    if result.backend or cost:
        st.caption(f"Made with **{result.backend or '?'}**" + (f" · cost: {cost}" if cost else ""))


def _job_folder(result: JobResult) -> Path | None:
    from core.jobs.pipeline import jobs_root
    from ui.state import app_settings

    return jobs_root(app_settings().asset_dir) / result.job_id if result.job_id else None
