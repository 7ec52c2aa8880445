"""Point-cloud file in, mesh file out: the whole reconstruction behind ``python -m core
reconstruct``, as one function callable from anywhere.

Stages: check the options and the output path (before any work, so a bad ``out`` costs no
reconstruction), read the .ply (:func:`core.mesh.reconstruct_io.read_ply_points`), check the
cloud (:func:`core.mesh.reconstruct.check_point_cloud`), reconstruct, optionally simplify and
bake the vertex colours into a texture, export, and measure. Metres in, metres out, +Y up as in
the file.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from core.errors import ConversionError
from core.formats import FORMATS
from core.schemas import MeshStats

if TYPE_CHECKING:
    from core.config import Settings

FACES_MIN, FACES_MAX = 100, 5_000_000  # accepted --faces targets (triangles)


class ReconstructResult(BaseModel):
    """What :func:`reconstruct_file` made.

    ``input_points``: points in the file (before de-duplication and subsampling); ``colored``:
    the file had RGB; ``notes``: what was changed on the way (e.g. subsampling); ``files``: the
    written paths, main file first, then companions (.mtl, textures), as written under the
    output's folder; ``stats``: the mesh written; ``seconds``: wall time from reading the file
    to the stats; ``timings``: seconds per stage (``read``, ``reconstruct``, ``process``,
    ``export``).
    """

    model_config = ConfigDict(frozen=True)

    input_points: int
    colored: bool
    notes: list[str]
    files: list[Path]
    stats: MeshStats
    seconds: float
    timings: dict[str, float]


def check_reconstruct_options(out: Path, faces: int | None = None, grid: int | None = None) -> str:
    """The export format of ``out`` (its extension, case-insensitive), after checking the
    options of :func:`reconstruct_file`.

    Raises
    ------
    ConversionError
        The message starts with the option at fault: ``out`` with an extension that is no
        export format, ``faces`` outside 100 to 5,000,000, or ``grid`` outside
        :data:`core.mesh.reconstruct.GRID_MIN` to ``GRID_MAX``.
    """
    from core.mesh.reconstruct import GRID_MAX, GRID_MIN

    fmt = Path(out).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ConversionError(f"out must end in one of {', '.join('.' + f for f in FORMATS)}")
    if faces is not None and not FACES_MIN <= faces <= FACES_MAX:
        raise ConversionError(f"faces must be {FACES_MIN} to {FACES_MAX:,} triangles, got {faces}")
    if grid is not None and not GRID_MIN <= grid <= GRID_MAX:
        raise ConversionError(f"grid must be {GRID_MIN} to {GRID_MAX} cells, got {grid}")
    return fmt


def reconstruct_file(
    points: Path,
    out: Path,
    *,
    grid: int | None = None,
    faces: int | None = None,
    bake: bool = False,
    settings: Settings | None = None,
) -> ReconstructResult:
    """Reconstruct a watertight, coloured mesh from the point cloud in ``points`` (.ply,
    binary or ASCII, optional RGB; metres; at most 1 GiB) and write it as ``out``, whose
    extension picks the format (any of :data:`core.formats.FORMATS`; missing folders are
    created).

    ``grid``: marching-cubes cells along the longest side (32-160; default from the point
    count). ``faces``: simplify to about this many triangles (100 to 5,000,000). ``bake``: bake
    the vertex colours into a UV texture (xatlas). ``settings``: Blender's path and time limit
    for .fbx and .blend (default: the settings in force).

    Raises
    ------
    ConversionError
        A bad option (see :func:`check_reconstruct_options`), an output path that cannot be
        written (checked first), an unreadable or invalid .ply, a cloud that cannot be
        reconstructed (see :func:`core.mesh.reconstruct.check_point_cloud`), or a failed
        export (``cannot write <out>: <reason>`` when the folder changed meanwhile).
    BackendUnavailable
        .fbx or .blend without Blender.
    """
    from core.mesh.process import mesh_stats
    from core.mesh.reconstruct import check_point_cloud, reconstruct
    from core.mesh.reconstruct_io import check_output_path, read_ply_points

    fmt = check_reconstruct_options(out, faces, grid)
    check_output_path(out)  # before any work: a bad out must not cost a reconstruction
    clock = _Clock()
    pts, colors = read_ply_points(points)
    cloud, notes = check_point_cloud(pts, colors)
    clock.lap("read")
    mesh = reconstruct(cloud.points, cloud.colors, grid=grid)
    clock.lap("reconstruct")
    mesh = _process(mesh, faces, bake)
    clock.lap("process")
    written = _export(mesh, fmt, Path(out), settings)
    clock.lap("export")
    stats = mesh_stats(mesh)
    return ReconstructResult(
        input_points=len(pts),
        colored=colors is not None,
        notes=notes,
        files=written,
        stats=stats,
        seconds=clock.total(),
        timings=clock.laps,
    )


class _Clock:
    """Seconds per stage (rounded to 1 ms) and in all, from its creation."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 3)
        self.last = now

    def total(self) -> float:
        return round(time.perf_counter() - self.start, 3)


def _process(mesh, faces: int | None, bake: bool):
    """Simplify to about ``faces`` triangles, then bake the vertex colours, as asked."""
    if faces:
        from core.mesh.process import simplify_textured

        mesh = simplify_textured(mesh, faces)
    if bake:
        from core.mesh.bake import bake_vertex_colors

        mesh = bake_vertex_colors(mesh)
    return mesh


def _export(mesh, fmt: str, out: Path, settings: Settings | None) -> list[Path]:
    """Write ``mesh`` as ``out`` (format ``fmt``); returns the paths written."""
    from core.mesh.formats import export_all

    try:
        return export_all(mesh, [fmt], out.parent, stem=out.stem, settings=settings)[fmt]
    except OSError as e:  # the folder changed between the check and the export
        raise ConversionError(f"cannot write {out}: {e.strerror or e}") from None


__all__ = ["FACES_MAX", "FACES_MIN", "ReconstructResult", "check_reconstruct_options", "reconstruct_file"]
