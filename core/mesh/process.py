"""Mesh processing: fit to the spec's real-world size, pivot, LODs and statistics."""

from __future__ import annotations

import numpy as np

from core.errors import ConversionError
from core.mesh.asset_mesh import AssetMesh

MIN_LOD_FACES = 48


def fit_to_dimensions(mesh: AssetMesh, dimensions: tuple[float, float, float]) -> AssetMesh:
    """Scale per axis so the bounding box is ``dimensions`` (width, height, depth) metres,
    and move the pivot to the base centre (min Y = 0, X and Z centred), +Y up.

    Raises
    ------
    ConversionError
        The mesh is flat along an axis (cannot be scaled to a non-zero size).
    """
    lo, hi = mesh.vertices.min(0), mesh.vertices.max(0)
    extents = hi - lo
    if (extents <= 1e-9).any():
        raise ConversionError("The mesh is flat along an axis and cannot be scaled to size.")
    scale = np.asarray(dimensions, float) / extents
    centre = np.array([(lo[0] + hi[0]) / 2, lo[1], (lo[2] + hi[2]) / 2])
    verts = (mesh.vertices - centre) * scale
    return AssetMesh(verts, mesh.faces, mesh.face_material, mesh.materials)


def simplify(mesh: AssetMesh, target_faces: int) -> AssetMesh:
    """Quadric-error decimation to about ``target_faces`` triangles (fast-simplification,
    after Garland & Heckbert 1997), keeping each face's material.

    Materials are carried over by nearest original face centroid, because the decimator does
    not report which input face an output face came from.
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
    return AssetMesh(pts, faces, mesh.face_material[idx], mesh.materials)


def make_lods(mesh: AssetMesh, target_polycount: int, lod_count: int) -> list[AssetMesh]:
    """LOD0 within ``target_polycount`` triangles, then each LOD about half the previous.

    Returns at most ``lod_count`` meshes; stops early when a LOD would drop below
    :data:`MIN_LOD_FACES` triangles.
    """
    lods = [simplify(mesh, target_polycount)]
    while len(lods) < lod_count:
        target = len(lods[-1].faces) // 2
        if target < MIN_LOD_FACES:
            break
        lods.append(simplify(lods[-1], target))
    return lods


def mesh_stats(mesh: AssetMesh) -> dict:
    """Vertices, faces, watertight, bounding box (metres), volume (m^3), area (m^2), materials."""
    import trimesh

    tm = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    lo, hi = mesh.vertices.min(0), mesh.vertices.max(0)
    watertight = bool(tm.is_watertight)
    return {
        "vertices": len(mesh.vertices),
        "faces": len(mesh.faces),
        "watertight": watertight,
        "bbox_min_m": [round(float(v), 5) for v in lo],
        "bbox_max_m": [round(float(v), 5) for v in hi],
        "size_m": [round(float(v), 5) for v in hi - lo],
        "volume_m3": round(float(tm.volume), 8) if watertight else None,
        "area_m2": round(float(tm.area), 6),
        "materials": [m.name for m in mesh.materials],
    }
