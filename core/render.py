"""Off-screen rendering with PyVista/VTK: thumbnails and preview images (no X server).

VTK picks EGL (or OSMesa) when there is no display, so this works on headless servers with
``libegl1`` + ``libgl1-mesa-dri`` installed. PyVista is imported lazily (about 1 s).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import RenderError
from core.fsutil import atomic_write_bytes
from core.mesh.asset_mesh import AssetMesh, hex_to_rgba

if TYPE_CHECKING:
    from core.mesh.process import Model

# VTK's OpenGL contexts are not thread-safe, and a first `import pyvista` racing in two
# threads hands one of them a half-initialised module: render one image at a time.
_RENDER_LOCK = threading.Lock()


def to_pyvista(mesh: Model):
    """``pyvista.PolyData`` with an ``rgba`` array (uint8 RGB): per face from the materials of
    an :class:`AssetMesh`, per vertex from the base-colour texture of a :class:`TexturedMesh`."""
    import pyvista as pv

    if isinstance(mesh, AssetMesh):
        faces = np.hstack([np.full((len(mesh.faces), 1), 3), mesh.faces]).astype(np.int64).ravel()
        poly = pv.PolyData(mesh.vertices, faces)
        colors = np.array([np.array(hex_to_rgba(m.base_color)) * 255 for m in mesh.materials], dtype=np.uint8)
        poly.cell_data["rgba"] = colors[mesh.face_material][:, :3]
        return poly
    tm = mesh.to_trimesh()
    faces = np.hstack([np.full((len(tm.faces), 1), 3), tm.faces]).astype(np.int64).ravel()
    poly = pv.PolyData(np.asarray(tm.vertices), faces)
    poly.point_data["rgba"] = np.asarray(tm.visual.vertex_colors, dtype=np.uint8)[:, :3]
    return poly


def _textured_layers(mesh: AssetMesh, textures: dict) -> list[tuple[object, float, object]]:
    """``(polydata, opacity, texture)`` per material of a UV-mapped AssetMesh: texture
    coordinates ``uvs / tile_m`` (v flipped: VTK's images start at the bottom row), vertex
    normals for smooth shading, the material's base-colour map repeated."""
    import io

    import pyvista as pv
    from PIL import Image

    layers = []
    for k, mat in enumerate(mesh.materials):
        tex = textures.get(k)
        mask = mesh.face_material == k
        if tex is None or not mask.any():
            continue
        used, faces = np.unique(mesh.faces[mask], return_inverse=True)
        cells = np.hstack([np.full((mask.sum(), 1), 3), faces.reshape(-1, 3)]).astype(np.int64).ravel()
        poly = pv.PolyData(mesh.vertices[used], cells)
        uv = mesh.uvs[used] / tex.tile_m
        poly.active_texture_coordinates = np.c_[uv[:, 0], -uv[:, 1]].astype(np.float32)
        if mesh.normals is not None:
            poly.point_data["Normals"] = mesh.normals[used]
        image = np.asarray(Image.open(io.BytesIO(tex.textures.base_color)).convert("RGB"))
        texture = pv.Texture(np.flipud(image))
        texture.repeat = True
        texture.mipmap = True
        texture.interpolate = True
        layers.append((poly, max(float(mat.opacity), 0.15) if mat.opacity < 0.99 else 1.0, texture))
    return layers


def _layers(mesh: Model) -> list[tuple[object, float]]:
    """``(polydata, opacity)`` to draw: the opaque faces, then each see-through material's faces
    (a glass bottle shows the ship inside it)."""
    poly = to_pyvista(mesh)
    if not isinstance(mesh, AssetMesh) or all(m.opacity >= 0.99 for m in mesh.materials):
        return [(poly, 1.0)]
    clear = np.array([m.opacity < 0.99 for m in mesh.materials])[mesh.face_material]
    layers = []
    if (~clear).any():
        layers.append(
            (poly.extract_cells(np.flatnonzero(~clear)).extract_surface(algorithm="dataset_surface"), 1.0)
        )
    for k, m in enumerate(mesh.materials):
        ids = np.flatnonzero(mesh.face_material == k)
        if m.opacity < 0.99 and len(ids):
            layers.append(
                (
                    poly.extract_cells(ids).extract_surface(algorithm="dataset_surface"),
                    max(float(m.opacity), 0.15),
                )
            )
    return layers


def render_png(
    mesh: Model,
    size: int = 512,
    background: str = "#2b2f36",
    *,
    texture_size: int = 1024,
    cache_dir: Path | None = None,
) -> bytes:
    """Render ``mesh`` (AssetMesh or TexturedMesh) from a front three-quarter view to PNG
    bytes (``size`` x ``size`` pixels). A procedural mesh with UVs is drawn with its
    procedural textures at ``texture_size`` pixels (the ``TEXTURE_SIZE`` setting; 0: flat
    colours), cached under ``cache_dir`` (the ``CACHE_DIR`` setting; None: in memory only);
    otherwise per-face base colours, or texture colours per vertex. Thread-safe: one render
    at a time per process.

    Raises
    ------
    RenderError
        VTK could not create an off-screen context (install libegl1 and libgl1-mesa-dri).
    """
    with _RENDER_LOCK:
        return _render_png(mesh, size, background, texture_size, cache_dir)


def _render_png(mesh: Model, size: int, background: str, texture_size: int, cache_dir: Path | None) -> bytes:
    os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
    if not os.environ.get("DISPLAY"):
        # no X server: go straight to EGL instead of VTK trying X first
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    try:
        import pyvista as pv
        from PIL import Image
    except ImportError as e:
        raise RenderError(f"Rendering needs {e.name}.", "pip install -r requirements.txt") from e
    try:
        plotter = pv.Plotter(off_screen=True, window_size=(size, size))
        try:
            plotter.set_background(background, top="#4a505a")
            _add_layers(plotter, mesh, texture_size, cache_dir)
            plotter.enable_anti_aliasing("ssaa")
            lo, hi = mesh.vertices.min(0), mesh.vertices.max(0)
            centre = (lo + hi) / 2
            view = np.array([0.55, 0.45, 1.0]) / np.linalg.norm([0.55, 0.45, 1.0])
            plotter.camera_position = [
                tuple(centre + view * float(np.linalg.norm(hi - lo)) * 2),
                tuple(centre),
                (0.0, 1.0, 0.0),
            ]
            plotter.reset_camera()
            image = plotter.screenshot(return_img=True)
        finally:
            plotter.close()
    except Exception as e:  # VTK raises plain RuntimeErrors for context failures
        raise RenderError(
            f"Off-screen rendering failed: {e}", "Install libegl1 and libgl1-mesa-dri (EGL)."
        ) from e
    import io

    buf = io.BytesIO()
    Image.fromarray(np.asarray(image)).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _add_layers(plotter, mesh: Model, texture_size: int, cache_dir: Path | None) -> None:
    """Draw ``mesh`` into ``plotter``: textured per material when it has UVs and
    ``texture_size`` asks for textures, else flat per-face or per-vertex colours."""
    textures = {}
    if isinstance(mesh, AssetMesh) and mesh.uvs is not None:
        from core.mesh.texturing import mesh_textures

        textures = mesh_textures(mesh, texture_size, cache_dir)
    if textures and len(textures) == len(np.unique(mesh.face_material)):
        for poly, opacity, texture in _textured_layers(mesh, textures):
            plotter.add_mesh(
                poly,
                texture=texture,
                smooth_shading=mesh.normals is not None,
                opacity=opacity,
                specular=0.3,
                ambient=0.15,
            )
        return
    for poly, opacity in _layers(mesh):
        plotter.add_mesh(
            poly,
            scalars="rgba",
            rgb=True,
            smooth_shading=False,
            opacity=opacity,
            show_scalar_bar=False,
            specular=0.3,
            ambient=0.15,
        )


def render_thumbnail(
    mesh: Model, path: Path, size: int = 512, *, texture_size: int = 1024, cache_dir: Path | None = None
) -> Path:
    """Render ``mesh`` to ``path`` as PNG (atomic); see :func:`render_png`."""
    png = render_png(mesh, size, texture_size=texture_size, cache_dir=cache_dir)
    atomic_write_bytes(Path(path), png)
    return Path(path)


def render_spec_preview(
    spec, size: int = 420, *, texture_size: int = 1024, cache_dir: Path | None = None
) -> bytes:
    """Build the procedural mesh of ``spec`` (fitted to its dimensions) and render it to PNG.

    About 0.1-0.5 s for the archetype library; used by the Review page's "Update preview".

    Raises
    ------
    GenerationError, ConversionError, RenderError
        The parts do not make a mesh, or rendering failed.
    """
    from core.generators.procedural import build_parts_mesh
    from core.mesh.process import fit_to_dimensions

    mesh = None
    for item in build_parts_mesh(spec):
        if isinstance(item, AssetMesh):
            mesh = item
    fitted = fit_to_dimensions(mesh, spec.dimensions.as_tuple())
    return render_png(fitted, size, texture_size=texture_size, cache_dir=cache_dir)
