"""Mesh processing: fit to the spec's real-world size, pivot, LODs and statistics.

Works on both models the pipeline carries: :class:`AssetMesh` (procedural parts, one
material per face) and :class:`TexturedMesh` (textured GLBs from remote services).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.errors import ConversionError
from core.mesh.asset_mesh import AssetMesh
from core.mesh.textured import TexturedMesh
from core.schemas import MeshStats

Model = AssetMesh | TexturedMesh


def load_model(path: Path) -> Model:
    """Read a pipeline intermediate: ``.npz`` -> AssetMesh, ``.glb`` -> TexturedMesh."""
    path = Path(path)
    return TexturedMesh.load_glb(path) if path.suffix == ".glb" else AssetMesh.load_npz(path)


def save_model(model: Model, folder: Path, stem: str) -> str:
    """Write ``model`` as ``folder/stem.npz`` or ``.glb`` (atomic); returns the file name."""
    if isinstance(model, TexturedMesh):
        name = f"{stem}.glb"
        model.save_glb(Path(folder) / name)
    else:
        name = f"{stem}.npz"
        model.save_npz(Path(folder) / name)
    return name


def fit_model(model: Model, dimensions: tuple[float, float, float]) -> tuple[Model, dict]:
    """Fit ``model`` to the spec's size (metres) with the pivot at the base centre, +Y up.

    Procedural meshes are scaled per axis to exactly ``dimensions``; textured models from a
    service are scaled uniformly to fit inside that box, so their proportions and textures
    are not stretched. Returns the model and ``{"fit": "per_axis"|"uniform", "scale": ...}``.
    """
    if isinstance(model, AssetMesh):
        return fit_to_dimensions(model, dimensions), {"fit": "per_axis"}
    lo, hi = model.vertices.min(0), model.vertices.max(0)
    extents = hi - lo
    if (extents <= 1e-9).all():
        raise ConversionError("The model has zero size.")
    with np.errstate(divide="ignore"):
        ratios = np.where(extents > 1e-9, np.asarray(dimensions, float) / extents, np.inf)
    scale = float(ratios.min())
    centre = np.array([(lo[0] + hi[0]) / 2, lo[1], (lo[2] + hi[2]) / 2])
    matrix = np.eye(4)
    matrix[:3, :3] *= scale
    matrix[:3, 3] = -centre * scale
    return model.transformed(matrix), {"fit": "uniform", "scale": round(scale, 6)}


MIN_LOD_FACES = 48


def fit_to_dimensions(mesh: AssetMesh, dimensions: tuple[float, float, float]) -> AssetMesh:
    """Scale per axis so the bounding box is ``dimensions`` (width, height, depth) metres,
    and move the pivot to the base centre (min Y = 0, X and Z centred), +Y up.

    Normals are transformed as normals (inverse scale, renormalised); UVs (metres) are scaled
    by the cube root of the volume scale, exact when the scale is uniform.

    Raises
    ------
    ConversionError
        The mesh is flat along an axis (cannot be scaled to a non-zero size).
    """
    return fit_lods([mesh], dimensions)[0]


def fit_lods(lods: list[AssetMesh], dimensions: tuple[float, float, float]) -> list[AssetMesh]:
    """:func:`fit_to_dimensions` for a list of LODs of one model, all moved and scaled as the
    first is (a coarser LOD is a little smaller than the first: it keeps its place inside
    it rather than being stretched to the same box).

    Raises
    ------
    ConversionError
        The first mesh is flat along an axis (cannot be scaled to a non-zero size).
    """
    lo, hi = lods[0].vertices.min(0), lods[0].vertices.max(0)
    extents = hi - lo
    if (extents <= 1e-9).any():
        raise ConversionError("The mesh is flat along an axis and cannot be scaled to size.")
    scale = np.asarray(dimensions, float) / extents
    centre = np.array([(lo[0] + hi[0]) / 2, lo[1], (lo[2] + hi[2]) / 2])
    return [_scaled(m, centre, scale) for m in lods]


def _scaled(mesh: AssetMesh, centre: np.ndarray, scale: np.ndarray) -> AssetMesh:
    """``mesh`` moved by ``-centre`` and scaled per axis, with its UVs and normals kept."""
    normals = None
    if mesh.normals is not None:
        normals = mesh.normals / scale
        normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    uvs = None if mesh.uvs is None else mesh.uvs * float(np.prod(scale) ** (1 / 3))
    verts = (mesh.vertices - centre) * scale
    return AssetMesh(verts, mesh.faces, mesh.face_material, mesh.materials, uvs=uvs, normals=normals)


def simplify(mesh: AssetMesh, target_faces: int) -> AssetMesh:
    """Quadric-error decimation to about ``target_faces`` triangles (fast-simplification,
    after Garland & Heckbert 1997), keeping each face's material.

    Materials are carried over by nearest original face centroid, because the decimator does
    not report which input face an output face came from; UVs and normals, when the mesh has
    them, from the nearest original vertex (good away from UV seams, smeared across them:
    fine for a LOD). Procedural meshes bring their own LODs (built with fewer sides, never
    decimated); this serves the others and jobs resumed from older checkpoints.
    """
    import fast_simplification
    from scipy.spatial import cKDTree

    n = len(mesh.faces)
    if target_faces >= n:
        return mesh
    reduction = 1.0 - target_faces / n
    pts, faces = fast_simplification.simplify(
        mesh.vertices.astype(np.float32), mesh.faces.astype(np.int32), target_reduction=reduction
    )
    if len(faces) == 0:
        raise ConversionError(f"Simplifying to {target_faces} faces removed every face.")
    old_centroids = mesh.vertices[mesh.faces].mean(axis=1)
    new_centroids = np.asarray(pts, float)[faces].mean(axis=1)
    _, idx = cKDTree(old_centroids).query(new_centroids)
    attributes = {}
    if mesh.uvs is not None or mesh.normals is not None:
        _, nearest = cKDTree(mesh.vertices).query(np.asarray(pts, float))
        attributes = {
            name: values[nearest]
            for name, values in (("uvs", mesh.uvs), ("normals", mesh.normals))
            if values is not None
        }
    return AssetMesh(pts, faces, mesh.face_material[idx], mesh.materials, **attributes)


def simplify_textured(model: TexturedMesh, target_faces: int) -> TexturedMesh:
    """Quadric decimation of a textured model to about ``target_faces`` triangles in all,
    shared among its geometries by their triangle counts.

    fast-simplification returns positions only, so each new vertex takes the UV (or vertex
    colour) of the nearest original vertex: good away from UV seams, smeared across them
    (fine for LODs).
    """
    import fast_simplification
    import trimesh
    from scipy.spatial import cKDTree

    total = len(model.faces)
    if target_faces >= total:
        return model
    out, materials = [], []
    for g, material in zip(model.geometries, model.materials or [None] * len(model.geometries), strict=True):
        share = max(4, int(target_faces * len(g.faces) / total))
        if share >= len(g.faces):
            out.append(g)
            materials.append(material)
            continue
        pts, faces = fast_simplification.simplify(
            g.vertices.astype(np.float32),
            g.faces.astype(np.int32),
            target_reduction=1.0 - share / len(g.faces),
        )
        if len(faces) == 0:
            continue
        new = trimesh.Trimesh(np.asarray(pts, float), faces, process=False)
        _, idx = cKDTree(g.vertices).query(new.vertices)  # attributes of the nearest old vertex
        uv = getattr(g.visual, "uv", None)
        colors = getattr(g.visual, "vertex_colors", None) if g.visual.kind == "vertex" else None
        if uv is not None and len(uv) == len(g.vertices):
            new.visual = trimesh.visual.TextureVisuals(uv=np.asarray(uv)[idx], material=g.visual.material)
        elif colors is not None and len(colors) == len(g.vertices):
            new.visual = trimesh.visual.ColorVisuals(new, vertex_colors=np.asarray(colors)[idx])
        out.append(new)
        materials.append(material)
    if not out:
        raise ConversionError(f"Simplifying to {target_faces} faces removed every face.")
    return TexturedMesh(out, materials=materials if model.materials is not None else None)


def make_lods(mesh: Model, target_polycount: int, lod_count: int) -> list[Model]:
    """LOD0 within ``target_polycount`` triangles, then each LOD about half the previous.

    Returns at most ``lod_count`` meshes; stops early when a LOD would drop below
    :data:`MIN_LOD_FACES` triangles.
    """
    if isinstance(mesh, TexturedMesh):
        lods = [simplify_textured(mesh, target_polycount)]
        while len(lods) < lod_count and len(lods[-1].faces) // 2 >= MIN_LOD_FACES:
            lods.append(simplify_textured(lods[-1], len(lods[-1].faces) // 2))
        return lods
    lods = [simplify(mesh, target_polycount)]
    while len(lods) < lod_count:
        target = len(lods[-1].faces) // 2
        if target < MIN_LOD_FACES:
            break
        lods.append(simplify(lods[-1], target))
    return lods


def mesh_stats(mesh: Model, texture_size: int | None = None) -> MeshStats:
    """Vertices, faces, watertight, bounding box and size (metres, 5 decimals), volume (m^3, 8
    decimals; None unless watertight), area (m^2, 6 decimals), material names and whether the
    model has a texture. Store it as a dict with ``mesh_stats(m).model_dump(mode="json")``.

    ``watertight`` is counted as a slicer or engine sees the mesh: after welding coincident
    positions (:func:`core.mesh.topology.topology_report`), so UV seams and split normals do
    not open it and touching sheets do not pass as closed; ``boundary_edges`` and
    ``non_manifold_edges`` (shared by more than two faces) say what is wrong when it is not.
    Also ``uv_sets`` (0 or 1) and ``normals`` (whether vertex normals are stored).
    ``textured``: a service's model with an image texture, or a procedural mesh with UVs
    (its textures are made at export) unless ``texture_size`` (the ``TEXTURE_SIZE`` setting)
    is 0.
    """
    import trimesh

    from core.mesh.topology import topology_report

    tm = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    lo, hi = mesh.vertices.min(0), mesh.vertices.max(0)
    report = topology_report(mesh.vertices, mesh.faces)
    if isinstance(mesh, TexturedMesh):
        uvs = textured = mesh.has_texture
    else:
        uvs = mesh.uvs is not None
        textured = uvs and texture_size != 0
    return MeshStats(
        vertices=len(mesh.vertices),
        faces=len(mesh.faces),
        watertight=report.watertight,
        bbox_min_m=_metres(lo),
        bbox_max_m=_metres(hi),
        size_m=_metres(hi - lo),
        volume_m3=round(float(tm.volume), 8) if report.watertight else None,
        area_m2=round(float(tm.area), 6),
        materials=mesh.material_names,
        textured=textured,
        boundary_edges=report.boundary_edges,
        non_manifold_edges=report.non_manifold_edges,
        uv_sets=int(uvs),
        normals=getattr(mesh, "normals", None) is not None,
    )


def _metres(v: np.ndarray) -> tuple[float, ...]:
    """An (x, y, z) in metres, rounded to 0.01 mm."""
    return tuple(round(float(c), 5) for c in v)
