"""3D viewers: the PyVista scene (interactive, trame / vtk.js) and the GLB as a game engine
shows it (Google's <model-viewer>, served by this app from static/, so it works offline). Both
are shown with ``st.iframe``, the supported replacement of ``st.components.v1.html``."""

from __future__ import annotations

import base64
import html
import multiprocessing as mp
import threading
from pathlib import Path

import streamlit as st

STATIC_BUNDLE = Path(__file__).resolve().parent.parent / "static" / "vendor" / "model-viewer.min.js"
BUNDLE_URL = "/app/static/vendor/model-viewer.min.js"
EXPORT_TIMEOUT_S = 60.0
SCENE_SIZE = (700, 440)


_warm_lock = threading.Lock()
_warm_started = False
_warm_done = threading.Event()


def _warm() -> None:
    try:
        import pyvista as pv

        import core.mesh.process
        import core.render  # noqa: F401

        pv.Plotter(off_screen=True, window_size=(64, 64)).close()  # loads VTK's render libraries
    except Exception:  # the export itself reports what is wrong
        pass
    finally:
        _warm_done.set()


def warm_up_pyvista() -> None:
    """Load PyVista / VTK in this server process in the background, once: the scene export
    runs in a forked child, which then starts warm (about 1 s instead of 4-7 s)."""
    global _warm_started
    with _warm_lock:
        if _warm_started:
            return
        _warm_started = True
    threading.Thread(target=_warm, name="pyvista-warm-up", daemon=True).start()


def _export_scene_html(npz_path: str, queue) -> None:  # runs in a child process
    try:
        import pyvista as pv

        from core.mesh.process import load_model
        from core.render import to_pyvista

        plotter = pv.Plotter(off_screen=True, window_size=SCENE_SIZE)
        plotter.add_mesh(to_pyvista(load_model(Path(npz_path))), scalars="rgba", rgb=True)
        plotter.set_background("#2b2f36", top="#4a505a")
        plotter.camera_position = "xy"
        plotter.camera.azimuth, plotter.camera.elevation = 30, 20
        queue.put(("ok", plotter.trame.export_html(None).read()))
    except Exception as e:  # reported to the page, never a hang
        queue.put(("error", f"{type(e).__name__}: {e}"))


@st.cache_data(show_spinner=False, max_entries=16)
def scene_html(npz_path: str, sha256: str) -> str:
    """vtk.js scene HTML of a mesh, exported in a child process with a timeout.

    Raises
    ------
    RuntimeError
        The export failed or did not finish within :data:`EXPORT_TIMEOUT_S`.
    """
    warm_up_pyvista()
    _warm_done.wait(timeout=EXPORT_TIMEOUT_S)  # never fork while the warm-up holds import locks
    ctx = mp.get_context("fork")  # the child only runs VTK
    queue = ctx.Queue(maxsize=1)
    proc = ctx.Process(target=_export_scene_html, args=(npz_path, queue), daemon=True)
    proc.start()
    try:
        status, payload = queue.get(timeout=EXPORT_TIMEOUT_S)
    except Exception as e:  # queue.Empty: the child hung or died
        raise RuntimeError(f"the 3D scene export did not finish in {EXPORT_TIMEOUT_S:.0f} s") from e
    finally:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
    if status != "ok":
        raise RuntimeError(payload)
    return payload


def pyvista_viewer(npz_path: Path) -> None:
    """Interactive PyVista view (trame / vtk.js, the scene stpyvista would show) of a pipeline
    mesh file (``lod0.npz`` or, for textured models, ``lod0.glb`` shown with its texture
    colours per vertex).

    The scene is exported once per mesh file in a guarded child process (timeout, readable
    error; cached) and shown with ``st.iframe``: no plotter is built in the server and nothing
    is forked on later reruns, so the view appears at once after the first time.
    """
    from core.fsutil import sha256_file

    try:
        page = scene_html(str(npz_path), sha256_file(npz_path))
    except RuntimeError as e:
        st.error(f"The interactive 3D view could not be built: {e}. The downloads still work.")
        return
    st.iframe(page, height=SCENE_SIZE[1], alt="Interactive 3D view (PyVista, vtk.js)")


def model_viewer(glb_path: Path, height: int = 440, alt: str = "3D model") -> None:
    """The GLB with its PBR materials in <model-viewer> (orbit, zoom, auto-rotate)."""
    if not STATIC_BUNDLE.is_file():
        st.warning("The <model-viewer> bundle is not installed: run `make run` (npm ci).")
        return
    data = base64.b64encode(Path(glb_path).read_bytes()).decode()
    # st.iframe: the supported replacement of the deprecated st.components.v1.html
    st.iframe(
        f"""<script type="module" src="{BUNDLE_URL}"></script>
<style>html, body {{ margin: 0; overflow: hidden; }}</style>
<model-viewer src="data:model/gltf-binary;base64,{data}" alt="{html.escape(alt)}"
  camera-controls auto-rotate shadow-intensity="1" exposure="1.0" tone-mapping="neutral"
  style="width:100%;height:{height}px;background:linear-gradient(#4a505a,#2b2f36);">
</model-viewer>""",
        height=height,
        alt=f"3D view of {alt}",
    )
