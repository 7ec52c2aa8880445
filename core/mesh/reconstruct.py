"""Point cloud -> watertight coloured mesh, for point clouds from any source (Point-E without
its SDF model, an uploaded .ply, a service that returns points).

Method (after Hoppe et al., "Surface reconstruction from unorganized points", SIGGRAPH 1992,
with the signed distance of Kolluri's IMLS, "Provably good moving least squares", 2008):

1. normals from PCA of each point's k nearest neighbours;
2. consistent orientation by walking a minimum spanning tree of the neighbour graph (edge
   weight ``1 - |n_i . n_j|``), starting at each component's highest point, whose outward
   normal points up (+Y);
3. a signed distance on a grid: near the points, the Gaussian-weighted mean over the k
   nearest points of the distance to each point's tangent plane; farther away, the distance
   to the nearest point, signed by whether the cell is connected to the grid's border
   (outside) or enclosed by the points (inside);
4. marching cubes (scikit-image, Lewiner et al. 2003) at level 0; components much smaller
   than the largest are dropped, faces are turned outward;
5. each vertex takes the colour of its nearest points.

The result is at the point cloud's scale (metres in, metres out) and watertight, because the
grid is padded so the surface never touches its boundary. Thin clouds get cells fine enough for
four across their thinnest side and a kernel no wider than a third of it; a result reaching
beyond the cloud's bounding box by more than the kernel allows is refused, never returned.

Refused before any meshing (``ConversionError`` with the reason): coordinates beyond 10,000 km,
a size outside 1 mm to 10 km, a cloud far from the origin for its size, separate clusters far
apart (or stray points), flat or linear clouds, and clouds too sparse for their thinnest side
(the 6th-nearest-neighbour distance must be under 80 % of the thickness: 10 points on a cube,
or 4,096 points on a 1,000 x 1 x 1 m needle, cannot define a surface).

Measured on 4,096-point clouds of a sphere, a torus, a box and procedural archetypes
(``bench/reconstruct.py``): Chamfer distance 0.3-0.6 % of the bounding-box diagonal. Known
limit: at sharp corners the surface can bulge outward by up to the kernel width (about twice the
point spacing) on a few vertices, and parts thinner than the point spacing (a blade on a bigger
object) come back thicker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import ConversionError
from core.mesh.reconstruct_io import read_ply_points

__all__ = [
    "PointCloud",
    "chamfer_distance",
    "check_point_cloud",
    "estimate_normals",
    "read_ply_points",
    "reconstruct",
]

MIN_POINTS = 10
MAX_POINTS = 200_000  # larger clouds are subsampled (documented clamp), not refused
HARD_MAX_POINTS = 20_000_000  # beyond this the input is refused before any work
GRID_MIN, GRID_MAX = 32, 160
MIN_EXTENT_M, MAX_EXTENT_M = 1e-3, 1e4  # plausible object sizes: 1 mm to 10 km
MAX_COORD_M = 1e7  # coordinates within 10,000 km of the origin
MAX_OFFSET_RATIO = 1e4  # distance from the origin / size: float32 files keep 0.1 % of the size
MIN_THICKNESS_NEIGHBOURHOODS = 1.25  # thinnest side / distance to the 6th nearest point
MIN_CELLS_ACROSS = 4  # grid cells across the thinnest side (finer cells for thin clouds)
MAX_CELLS = 6_000_000  # signed-distance grid cells (about 40 bytes each while meshing)
MAX_FACES = 4_000_000


@dataclass(frozen=True)
class PointCloud:
    """``points``: (N, 3) float64, metres; ``colors``: (N, 3) uint8 sRGB or None.

    ``spacing`` is the median distance (m) from a point to its nearest neighbour and
    ``thickness`` the cloud's extent (m) along its thinnest principal axis or bounding-box side.
    """

    points: np.ndarray
    colors: np.ndarray | None = None
    spacing: float = 0.0
    thickness: float = 0.0


def _m(value: float) -> str:
    """A length for messages, e.g. ``1,000,000 m``, ``0.25 m``, ``3.1 mm``, ``1e-300 m``."""
    if 1000 <= abs(value) < 1e12:
        return f"{value:,.0f} m"
    if 0.01 <= abs(value) < 1000 or value == 0:
        return f"{value:.3g} m"
    if 1e-6 <= abs(value) < 0.01:
        return f"{value * 1000:.3g} mm"
    return f"{value:.3g} m"


def _check_clusters(pts: np.ndarray, dist: np.ndarray, nbr: np.ndarray) -> None:
    """Refuse clouds whose points form groups far apart compared with their own size.

    Points closer than four times the typical 8th-neighbour distance are linked; when the
    largest linked group spans less than 15 % of the whole cloud's diagonal, the grid cannot
    resolve any of them (and the cloud is usually two objects, or an object and stray points).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    radius = 4.0 * float(np.median(dist[:, -1]))
    keep = dist[:, 1:] <= radius
    rows = np.repeat(np.arange(len(pts)), nbr.shape[1] - 1).reshape(keep.shape)[keep]
    graph = coo_matrix((np.ones(len(rows)), (rows, nbr[:, 1:][keep])), shape=(len(pts), len(pts)))
    n_comp, labels = connected_components(graph, directed=False)
    if n_comp == 1:
        return
    diag = float(np.linalg.norm(np.ptp(pts, axis=0)))
    sizes = [float(np.linalg.norm(np.ptp(pts[labels == c], axis=0))) for c in range(n_comp)]
    if max(sizes) < 0.15 * diag:
        raise ConversionError(
            f"The cloud has {n_comp} separate clusters of points spread over {_m(diag)}, while the "
            f"largest is only {_m(max(sizes))} across: one grid cannot resolve them.",
            "Reconstruct each object on its own, or remove stray points far from the object.",
        )


def check_point_cloud(points: np.ndarray, colors: np.ndarray | None = None) -> tuple[PointCloud, list[str]]:
    """Validate a point cloud, subsampling above :data:`MAX_POINTS` (with a note).

    Parameters
    ----------
    points : (N, 3) array, metres
    colors : (N, 3) or (N, 4) uint8, or float in [0, 1], optional

    Returns the cleaned cloud (distinct points, with ``spacing`` and ``thickness``) and a list
    of notes for the user.

    Raises
    ------
    ConversionError
        Not (N, 3), NaN or infinite values, coordinates beyond :data:`MAX_COORD_M` or far from
        the origin for the cloud's size, fewer than :data:`MIN_POINTS` distinct points, more than
        :data:`HARD_MAX_POINTS`, colours of the wrong shape, a size outside 1 mm to 10 km,
        separate clusters far apart, a degenerate (collinear or planar) cloud with no volume to
        enclose, or one too sparse for its thinnest side.
    """
    from scipy.spatial import cKDTree

    pts, reach = _check_coordinates(points)
    cols = _check_colors(colors, len(pts)) if colors is not None else None
    pts, idx = np.unique(pts.astype(np.float64), axis=0, return_index=True)
    cols = cols[idx] if cols is not None else None
    size = _check_size(pts, reach)
    notes = []
    if len(pts) > MAX_POINTS:
        keep = np.random.default_rng(0).choice(len(pts), MAX_POINTS, replace=False)
        notes.append(f"{len(pts):,} points subsampled to {MAX_POINTS:,}.")
        pts, cols = pts[keep], (cols[keep] if cols is not None else None)
    dist, nbr = cKDTree(pts).query(pts, k=min(9, len(pts)), workers=-1)
    _check_clusters(pts, dist, nbr)
    if size > MAX_EXTENT_M:
        raise ConversionError(f"The point cloud spans {_m(size)}.", _UNITS)
    thickness = _check_volume(pts, dist, size)
    return PointCloud(pts, cols, float(np.median(dist[:, 1])), thickness), notes


_UNITS = "Coordinates are read as metres; rescale the cloud (objects of 1 mm to 10 km are accepted)."


def _check_coordinates(points) -> tuple[np.ndarray, float]:
    """``points`` as an (N, 3) numeric array and its largest coordinate (m) from the origin;
    refuses a wrong shape, more than :data:`HARD_MAX_POINTS`, non-numbers, NaN or infinity,
    and coordinates beyond :data:`MAX_COORD_M`."""
    pts = np.asarray(points)
    if pts.ndim != 2 or pts.shape[1] != 3:
        raise ConversionError(f"Points must be an (N, 3) array, got shape {pts.shape}.")
    if len(pts) > HARD_MAX_POINTS:
        raise ConversionError(f"{len(pts):,} points is more than the {HARD_MAX_POINTS:,} accepted.")
    if pts.dtype.kind not in "iuf":
        raise ConversionError(f"Points must be numbers, got {pts.dtype}.")
    if not np.isfinite(pts).all():
        raise ConversionError("The point cloud has NaN or infinite coordinates.", "Remove those points.")
    reach = float(np.abs(pts).max(initial=0.0))
    if reach > MAX_COORD_M:
        raise ConversionError(
            f"The point cloud has coordinates up to {reach:.3g} m from the origin; at most "
            f"{MAX_COORD_M:,.0f} m is accepted.",
            _UNITS,
        )
    return pts, reach


def _check_colors(colors, n: int) -> np.ndarray:
    """``colors`` for ``n`` points as (n, 3) uint8 sRGB: (n, 3) or (n, 4) numbers, 0-255, or
    floats in 0-1 (scaled); refuses other shapes and non-finite values."""
    cols = np.asarray(colors)
    if cols.ndim != 2 or cols.shape[0] != n or cols.shape[1] not in (3, 4):
        raise ConversionError(f"Colours must be (N, 3) or (N, 4) for {n} points, got {cols.shape}.")
    if cols.dtype.kind not in "iuf" or not np.isfinite(cols).all():
        raise ConversionError("Colours must be finite numbers (0-255, or 0-1 as floats).")
    if cols.dtype.kind == "f":
        cols = np.clip(cols * (255 if cols.max(initial=0) <= 1.0 else 1), 0, 255)
    return np.clip(cols[:, :3], 0, 255).astype(np.uint8)


def _check_size(pts: np.ndarray, reach: float) -> float:
    """The cloud's longest bounding-box side (m), after refusing fewer than
    :data:`MIN_POINTS` distinct points, a size under :data:`MIN_EXTENT_M`, and a cloud
    farther from the origin than :data:`MAX_OFFSET_RATIO` times its size."""
    if len(pts) < MIN_POINTS:
        raise ConversionError(f"Only {len(pts)} distinct points; at least {MIN_POINTS} are needed.")
    size = float(np.ptp(pts, axis=0).max())
    if size < MIN_EXTENT_M:
        raise ConversionError(f"The point cloud is only {_m(size)} across.", _UNITS)
    if reach > MAX_OFFSET_RATIO * size:
        raise ConversionError(
            f"The point cloud is {_m(size)} across but {_m(reach)} from the origin: mesh files "
            "(32-bit floats) would lose its shape.",
            "Move the points near the origin before reconstructing.",
        )
    return size


def _check_volume(pts: np.ndarray, dist: np.ndarray, size: float) -> float:
    """The cloud's thickness (m, along its thinnest principal axis or bounding-box side),
    after refusing a line, a plane, and a cloud too sparse for its thickness (``dist``: the
    distances to each point's nearest neighbours, itself first)."""
    centred = pts - pts.mean(0)
    _, sv, axes = np.linalg.svd(centred[:: max(1, len(pts) // 20000)], full_matrices=False)
    if sv[1] < 1e-3 * sv[0]:
        raise ConversionError(
            f"The point cloud is a line ({_m(size)} long): there is no volume to enclose.",
            "Reconstruction needs points around a solid object.",
        )
    if sv[2] < 1e-3 * sv[0]:
        raise ConversionError(
            "The point cloud is flat (all points in one plane): there is no volume to enclose.",
            "Reconstruction needs points around a solid object.",
        )
    thickness = float(min(np.ptp(centred @ axes[2]), np.ptp(pts, axis=0).min()))
    reach6 = float(np.median(dist[:, min(6, dist.shape[1] - 1)]))
    if thickness < MIN_THICKNESS_NEIGHBOURHOODS * reach6:
        wanted = int(len(pts) * (MIN_THICKNESS_NEIGHBOURHOODS * reach6 / thickness) ** 2) + 1
        raise ConversionError(
            f"The {len(pts):,} points are too sparse for a surface: each point's 6 nearest "
            f"neighbours reach {_m(reach6)}, but the cloud is only {_m(thickness)} thick.",
            f"Sample the object more densely (about {wanted:,} points or more).",
        )
    return thickness


def estimate_normals(points: np.ndarray, k: int = 12) -> np.ndarray:
    """(N, 3) unit normals, consistently oriented outward (see the module docstring)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import breadth_first_order, connected_components, minimum_spanning_tree
    from scipy.spatial import cKDTree

    pts = np.asarray(points, np.float64)
    k = min(k, len(pts) - 1)
    _, nbr = cKDTree(pts).query(pts, k=k + 1)
    local = pts[nbr] - pts[nbr].mean(axis=1, keepdims=True)
    cov = np.einsum("nki,nkj->nij", local, local)
    _, vecs = np.linalg.eigh(cov)
    normals = vecs[:, :, 0]  # eigenvector of the smallest eigenvalue

    rows = np.repeat(np.arange(len(pts)), k)
    cols = nbr[:, 1:].ravel()
    weight = 1.0 - np.abs(np.einsum("ij,ij->i", normals[rows], normals[cols])) + 1e-6
    graph = coo_matrix((weight, (rows, cols)), shape=(len(pts), len(pts))).tocsr()
    graph = graph.maximum(graph.T)
    tree = minimum_spanning_tree(graph)
    tree = tree + tree.T
    n_comp, labels = connected_components(tree, directed=False)
    for c in range(n_comp):
        members = np.flatnonzero(labels == c)
        seed = members[np.argmax(pts[members, 1])]
        if normals[seed, 1] < 0:
            normals[seed] *= -1
        order, parent = breadth_first_order(tree, seed, directed=False, return_predecessors=True)
        for node in order[1:]:
            if normals[node] @ normals[parent[node]] < 0:
                normals[node] *= -1
    return normals


def reconstruct(
    points: np.ndarray, colors: np.ndarray | None = None, *, grid: int | None = None, k: int = 12
):
    """Reconstruct a watertight mesh from a point cloud.

    Parameters
    ----------
    points : (N, 3) array, metres
        The cloud; N in [10, 20 million] (more than 200,000 are subsampled).
    colors : (N, 3) uint8 or float in [0, 1], optional
        Per-point sRGB colours, carried to the mesh's vertex colours.
    grid : int, optional
        Marching-cubes cells along the longest side, clamped to [32, 160]; by default it
        grows with the point count (64 for 4,096 points). Thin clouds get finer cells, so
        that at least four fit across the thinnest side.
    k : int
        Neighbours for normals and the signed distance.

    Returns
    -------
    TexturedMesh
        One geometry with per-vertex colours (grey without ``colors``), at the cloud's scale.

    Raises
    ------
    ConversionError
        Invalid cloud (see :func:`check_point_cloud`), a cloud too long for its thickness to
        fit :data:`MAX_CELLS` grid cells, no surface found, or a surface that reaches beyond
        the cloud's bounding box by more than twice the kernel width plus two cells (or a
        tenth of its longest side, whichever is smaller).
    """
    from scipy.spatial import cKDTree

    from core.mesh.textured import TexturedMesh

    cloud, _ = check_point_cloud(points, colors)
    pts = cloud.points
    normals = estimate_normals(pts, k)
    tree = cKDTree(pts)
    g = _grid(cloud, grid)
    near, outside, d_far = _far_field(pts, g)
    _fix_normals(pts, normals, g, near, outside)
    sdf = _signed_distance(pts, normals, tree, g, near, outside, d_far)
    mesh = _surface(sdf, g)
    # corners bulge by up to the kernel width; more than that (or a tenth of the size) is a
    # signed distance gone wrong
    cloud_lo, cloud_hi = pts.min(0), pts.max(0)
    extent = float((cloud_hi - cloud_lo).max())
    _check_result(mesh, cloud_lo, cloud_hi, min(2.0 * g.h + 2.0 * g.cell, 0.1 * extent))
    _color_vertices(mesh, cloud, tree)
    return TexturedMesh([mesh])


@dataclass(frozen=True)
class _Grid:
    """The signed-distance grid: ``lo`` (3,) its first corner (m), ``cell`` its cell size (m),
    ``shape`` (3,) its cells per axis, ``h`` the kernel width (m)."""

    lo: np.ndarray
    cell: float
    shape: np.ndarray
    h: float


def _grid(cloud: PointCloud, grid: int | None) -> _Grid:
    """Size the grid for ``cloud`` (``grid`` cells along the longest side, see
    :func:`reconstruct`), padded so the surface never touches the boundary.

    Thin clouds get finer cells (at least :data:`MIN_CELLS_ACROSS` across the thinnest side, but
    not much finer than the point spacing, below which the kernel cannot resolve anything) and
    a kernel no wider than a third of the thickness, so they keep their size. Raises
    ``ConversionError`` when a cloud too long for its thickness would need more than
    :data:`MAX_CELLS` cells.
    """
    pts, spacing = cloud.points, cloud.spacing
    if grid is None:
        grid = int(np.clip(round(4 * len(pts) ** (1 / 3)), GRID_MIN, 96))
    grid = int(np.clip(grid, GRID_MIN, GRID_MAX))
    cloud_lo, cloud_hi = pts.min(0), pts.max(0)
    extent = float((cloud_hi - cloud_lo).max())
    cell = min(extent / grid, max(cloud.thickness / MIN_CELLS_ACROSS, 0.5 * spacing))
    h = max(min(2.0 * spacing, max(cloud.thickness / 3, spacing)), cell)  # kernel width
    pad = 2.5 * h + 2 * cell
    cells = np.prod(np.ceil((cloud_hi - cloud_lo + 2 * pad) / cell) + 1)
    if cells > MAX_CELLS:
        cell *= 1.02 * (cells / MAX_CELLS) ** (1 / 3)
        if cell > cloud.thickness / 2:
            size = " x ".join(f"{v:,.3g}" for v in cloud_hi - cloud_lo)
            raise ConversionError(
                f"The point cloud ({size} m) is too long for how thin it is: a grid fine enough "
                f"for its {_m(cloud.thickness)} thickness would need {cells:,.0f} cells, more than "
                f"{MAX_CELLS:,}.",
                "Reconstruct it in shorter pieces.",
            )
        h = max(h, cell)
        pad = 2.5 * h + 2 * cell
    lo, hi = cloud_lo - pad, cloud_hi + pad
    shape = np.maximum(np.ceil((hi - lo) / cell).astype(int) + 1, 2)
    return _Grid(lo, cell, shape, h)


def _far_field(pts: np.ndarray, g: _Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``near`` (cells within twice the kernel width of a point), ``outside`` (far cells
    connected to the grid's border) and ``d_far`` (distance in metres to the nearest point)
    per grid cell.

    The distance comes from a Euclidean distance transform (exact to about a cell: enough to
    tell the band near the points from the far field). Far from the points the sign comes
    from connectivity, not from normals (which flip at sharp edges): far cells connected to
    the border are outside, the rest inside.
    """
    from scipy import ndimage

    occupied = np.zeros(g.shape, bool)
    occupied[tuple(np.floor((pts - g.lo) / g.cell + 0.5).astype(int).T)] = True
    d_far = ndimage.distance_transform_edt(~occupied) * g.cell
    near = d_far < 2.0 * g.h
    labels, _ = ndimage.label(~near)
    border = np.unique(
        np.concatenate([labels[[0, -1]].ravel(), labels[:, [0, -1]].ravel(), labels[:, :, [0, -1]].ravel()])
    )
    outside = np.isin(labels, border[border > 0])
    return near, outside, d_far


def _fix_normals(
    pts: np.ndarray, normals: np.ndarray, g: _Grid, near: np.ndarray, outside: np.ndarray
) -> None:
    """Flip, in place, the ``normals`` the spanning-tree walk got wrong: a normal must point
    from its point towards outside cells of the far field, not towards inside ones."""
    inside = ~near & ~outside
    step = 2.0 * g.h + 1.5 * g.cell
    for sign in (1.0, -1.0):
        probe = np.floor((pts + sign * step * normals - g.lo) / g.cell + 0.5).astype(int)
        probe = np.clip(probe, 0, g.shape - 1)
        wrong = inside[tuple(probe.T)] if sign > 0 else outside[tuple(probe.T)]
        normals[wrong] *= -1


def _signed_distance(
    pts: np.ndarray, normals: np.ndarray, tree, g: _Grid, near: np.ndarray, outside: np.ndarray, d_far
) -> np.ndarray:
    """The signed distance (m, negative inside) per grid cell: near the points, the
    Gaussian-weighted mean distance to the 8 nearest tangent planes; farther, ``d_far`` signed
    by ``outside``. Raises ``ConversionError`` when it never changes sign (no surface)."""
    idx = np.argwhere(near)
    query = g.lo + idx * g.cell
    dist, nbr = tree.query(query, k=min(8, len(pts)), workers=-1)
    w = np.exp(-((dist / g.h) ** 2)) + 1e-12
    plane = np.einsum("qkj,qkj->qk", query[:, None, :] - pts[nbr], normals[nbr])
    sdf = np.empty(g.shape)
    sdf[near] = (w * plane).sum(1) / w.sum(1)
    sdf[~near] = np.where(outside[~near], d_far[~near], -d_far[~near])
    if not (sdf.min() < 0 < sdf.max()):
        raise ConversionError("No surface was found in the point cloud.")
    return sdf


def _surface(sdf: np.ndarray, g: _Grid):
    """The zero level of ``sdf`` as a ``trimesh.Trimesh`` in metres (marching cubes), without
    components under 5 % of the largest's faces, its faces turned outward."""
    import trimesh
    from skimage.measure import marching_cubes

    verts, faces, _, _ = marching_cubes(sdf, level=0.0, spacing=(g.cell,) * 3, allow_degenerate=False)
    mesh = trimesh.Trimesh(verts + g.lo, faces, process=False)
    parts = mesh.split(only_watertight=False)
    if len(parts) > 1:
        biggest = max(len(p.faces) for p in parts)
        mesh = trimesh.util.concatenate([p for p in parts if len(p.faces) >= 0.05 * biggest])
    if mesh.volume < 0:
        mesh.invert()
    return mesh


def _color_vertices(mesh, cloud: PointCloud, tree) -> None:
    """Give ``mesh`` (in place) per-vertex RGBA: the mean colour of each vertex's 4 nearest
    points, or grey (200) for a cloud without colours."""
    import trimesh

    if cloud.colors is not None:
        _, idx = tree.query(mesh.vertices, k=min(4, len(cloud.points)))
        rgb = cloud.colors[idx].astype(np.float64).mean(axis=1)
    else:
        rgb = np.full((len(mesh.vertices), 3), 200.0)
    rgba = np.column_stack([np.clip(rgb, 0, 255), np.full(len(rgb), 255)]).astype(np.uint8)
    mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=rgba)


def _check_result(mesh, lo: np.ndarray, hi: np.ndarray, margin: float) -> None:
    """Refuse a reconstruction larger than the cloud's bounding box ``lo``-``hi`` (metres) by
    more than ``margin`` (m) on any side, or with more than :data:`MAX_FACES` triangles: the
    signed distance went wrong and the mesh would be garbage."""
    if len(mesh.faces) > MAX_FACES:
        raise ConversionError(
            f"Reconstruction produced {len(mesh.faces):,} triangles, more than {MAX_FACES:,}.",
            "Use a smaller --grid.",
        )
    over = float(np.max(np.maximum(lo - mesh.bounds[0], mesh.bounds[1] - hi)))
    if over > margin:
        size = " x ".join(f"{v:,.3g}" for v in hi - lo)
        got = " x ".join(f"{v:,.3g}" for v in mesh.extents)
        raise ConversionError(
            f"Reconstruction failed: the surface found is {got} m for a {size} m point cloud "
            f"({_m(over)} beyond it, more than the {_m(margin)} allowed).",
            "Sample the object more densely and evenly, or remove stray points.",
        )


def chamfer_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Symmetric mean nearest-neighbour distance between point sets ``a`` (N, 3) and ``b``
    (M, 3), in their units (Fan et al. 2017's Chamfer distance, L2, not squared)."""
    from scipy.spatial import cKDTree

    return float((cKDTree(b).query(a)[0].mean() + cKDTree(a).query(b)[0].mean()) / 2)
