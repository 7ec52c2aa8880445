"""A finished asset: viewers, stats and downloads (Generate page and Gallery)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import streamlit as st

from core.mesh.formats import FORMATS


def zip_folder(folder: Path) -> bytes:
    """Every file of an asset folder (models, spec.json, metadata.json, ...) as a zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                zf.write(path, arcname=f"{folder.name}/{path.name}")
    return buf.getvalue()


@st.cache_data(max_entries=8, show_spinner=False)
def _zip_cached(folder: str, version: str) -> bytes:
    return zip_folder(Path(folder))


def show_result(result: dict, key: str) -> None:
    """Draw a stored asset: 3D viewers, stats, a download per format and a zip of all."""
    from ui.viewers import model_viewer, pyvista_viewer

    files = {fmt: Path(p) for fmt, p in result["files"].items()}
    if not files:
        st.error("This asset has no files.")
        return
    folder = next(iter(files.values())).parent
    stats = result["stats"]
    m = st.columns(4)
    m[0].metric("Triangles", f"{stats['faces']:,}")
    m[1].metric("Vertices", f"{stats['vertices']:,}")
    m[2].metric("Height (m)", f"{stats['size_m'][1]:.3f}")
    m[3].metric("Watertight", "yes" if stats["watertight"] else "no")
    w, h, d = stats["size_m"]
    st.caption(f"Bounding box {w:.3f} × {h:.3f} × {d:.3f} m (W × H × D), +Y up, pivot at base centre · "
               f"materials: {', '.join(stats.get('materials', []))}")  # fmt: skip

    glb = files.get("glb") or (folder / "model.glb" if (folder / "model.glb").exists() else None)
    tab_engine, tab_vtk = st.tabs(["Game-engine view (GLB)", "Interactive (PyVista)"])
    with tab_engine:
        if glb:
            model_viewer(glb, alt=result.get("asset_id", "model"))
        else:
            st.info("Export GLB to see the engine view.")
    with tab_vtk:
        job_folder = _job_folder(result)
        lod0 = job_folder / "lod0.npz" if job_folder else None
        if lod0 and lod0.is_file():
            pyvista_viewer(lod0, key=f"{key}.pyvista.{result['asset_id']}")
        else:
            st.image(str(folder / "thumbnail.png"))

    st.markdown("**Downloads**")
    cols = st.columns(min(len(files) + 1, 5))
    for i, (fmt, path) in enumerate(files.items()):
        cols[i % len(cols)].download_button(
            FORMATS[fmt].label, path.read_bytes(), file_name=f"{result['asset_id']}{path.suffix}",
            mime=FORMATS[fmt].mime_type, key=f"{key}.download.{fmt}", width="stretch",
        )  # fmt: skip
    link_store = _store_with_links()
    if link_store is not None and files:
        name = (files.get("glb") or next(iter(files.values()))).name
        url = link_store.presigned_url(result["asset_id"], name)
        st.text_input(f"Share link to {name} (expires in {link_store.settings.s3_presign_expiry_s // 60} min)",
                      url, key=f"{key}.share", help="Select and copy; anyone with the link can download.")  # fmt: skip
    meta = folder / "metadata.json"
    version = str(meta.stat().st_mtime_ns) if meta.exists() else "0"
    cols[len(files) % len(cols)].download_button(
        "Everything (.zip)", _zip_cached(str(folder), version), file_name=f"{result['asset_id']}.zip",
        mime="application/zip", key=f"{key}.download.zip", width="stretch", type="primary",
    )  # fmt: skip


def _store_with_links():
    from ui.runtime import get_store

    store = get_store()
    return store if store.presigned_url("probe-0000", "model.glb", 60) is not None else None


def _job_folder(result: dict) -> Path | None:
    from core.config import get_settings
    from core.jobs.pipeline import jobs_root

    job_id = result.get("job_id")
    return jobs_root(get_settings().asset_dir) / job_id if job_id else None
