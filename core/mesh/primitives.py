"""Closed, outward-facing triangle meshes with texture coordinates for the spec's primitives
(metres, +Y up).

Every builder returns a :class:`Primitive` that fills the box ``size`` (x, y, z) centred on the
origin, round shapes' axis along +Y; ``segments`` is the number of sides of round shapes. Its
UVs are analytic projections in metres:

- box, pyramid, wedge, and the flat caps of round shapes: planar per face, v along the part's
  longest axis that lies in the face (the next longest on the faces across it);
- cylinder, cone, capsule: cylindrical, u = distance around the widest ring (so a column of
  texture follows a meridian), v = distance along the surface from the bottom (the height on
  a cylinder's side);
- sphere, hemisphere: spherical (u as above, around the equator; v = arc length from the
  south pole);
- torus: toroidal, v around the ring (along its centre line), u around the tube.

So v follows the part's long axis (a plank's length, a leg's height): wood grain, fur and bark
run along it after the part is rotated into place. Seen from outside, u runs right and v up
(u x v points out of the surface) on every face. Vertices are split where UVs differ (seams,
the rim between a cap and a side); ``weld`` says which vertices share a position, so the
welded mesh is a closed manifold.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import SpecError

if TYPE_CHECKING:
    import trimesh

MAX_BEVEL_FRACTION = 0.25  # a bevel is at most this fraction of the box's smallest side


@dataclass(frozen=True)
class Primitive:
    """A closed triangle mesh with UVs, vertices split at UV seams.

    Attributes
    ----------
    vertices : (n, 3) float64
        Positions, metres; positions repeat where UVs differ.
    faces : (m, 3) int64
        Vertex indices, counter-clockwise seen from outside.
    uvs : (n, 2) float64
        Texture coordinates in metres (see the module docstring).
    weld : (n,) int64
        For every vertex, the index of the first vertex at the same position.
    patch : (n,) int64
        The smooth patch of every vertex (a box face, a cap, a round side): vertices of
        different patches stay apart even where their UVs agree.
    """

    vertices: np.ndarray
    faces: np.ndarray
    uvs: np.ndarray
    weld: np.ndarray
    patch: np.ndarray

    def to_trimesh(self) -> trimesh.Trimesh:
        """The welded solid (one vertex per position) as a ``trimesh.Trimesh``."""
        import trimesh

        keep, inverse = np.unique(self.weld, return_inverse=True)
        return trimesh.Trimesh(self.vertices[keep], inverse[self.faces], process=False)

    def transformed(self, matrix: np.ndarray) -> Primitive:
        """Positions moved by the 4x4 rigid ``matrix``; UVs unchanged (they follow the part)."""
        m = np.asarray(matrix, float)
        moved = self.vertices @ m[:3, :3].T + m[:3, 3]
        return Primitive(moved, self.faces, self.uvs, self.weld, self.patch)


# --- UV projections ------------------------------------------------------------------------------
def axis_order(size) -> np.ndarray:
    """Axes (0 = x, 1 = y, 2 = z) from the longest side of ``size`` to the shortest (stable)."""
    return np.argsort(-np.asarray(size, float), kind="stable")


def planar_uvs(points: np.ndarray, faces: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per-corner planar UVs (m, 3, 2), metres: each triangle is projected onto its own plane,
    v along the first axis of ``order`` that is not across the face (|cos| < 0.9), u = v x n."""
    tri = points[faces]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-300)
    axes = np.eye(3)[order]
    along = np.abs(n @ axes.T) < 0.9  # at most one axis of a unit normal reaches 0.9
    a = axes[np.argmax(along, axis=1)]
    vdir = a - (a * n).sum(1, keepdims=True) * n
    vdir /= np.linalg.norm(vdir, axis=1, keepdims=True)
    udir = np.cross(vdir, n)
    return np.stack([(tri * udir[:, None]).sum(2), (tri * vdir[:, None]).sum(2)], axis=2)


def split_seams(
    points: np.ndarray, faces: np.ndarray, corner_uvs: np.ndarray, patch: np.ndarray
) -> Primitive:
    """A :class:`Primitive` from welded ``points`` (k, 3), ``faces`` (m, 3) indexing them,
    per-corner UVs (m, 3, 2) and each face's smooth patch id (m,): one vertex per distinct
    (position, patch, UV), so no vertex straddles a crease (a cap's rim) even where the UVs of
    both sides happen to agree."""
    pos = faces.reshape(-1)
    uv = corner_uvs.reshape(-1, 2)
    corner_patch = np.repeat(np.asarray(patch, np.int64), 3)
    key = np.column_stack([pos, corner_patch, np.round(uv * 1e6).astype(np.int64)])
    first, inverse = _unique_rows(key)
    vert_pos = pos[first]
    _, group_first, group = np.unique(vert_pos, return_index=True, return_inverse=True)
    return Primitive(
        vertices=np.asarray(points, float)[vert_pos],
        faces=inverse.reshape(-1, 3).astype(np.int64),
        uvs=uv[first].astype(np.float64),
        weld=group_first[group].astype(np.int64),
        patch=corner_patch[first],
    )


def _unique_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The index of the first row of every distinct row of the int array ``key`` (groups in
    sorted order) and every row's group: ``np.unique(axis=0, return_index=True,
    return_inverse=True)`` without its slow structured-array path."""
    order = np.lexsort(key.T[::-1])
    ordered = key[order]
    starts = np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)]
    group_sorted = np.cumsum(starts) - 1
    inverse = np.empty(len(key), np.int64)
    inverse[order] = group_sorted
    return order[starts], inverse


def _plane_ids(points: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """One id per distinct face plane direction (the patches of a polyhedron)."""
    tri = points[faces]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-300)
    return np.unique(np.round(n * 1e4).astype(np.int64), axis=0, return_inverse=True)[1].reshape(-1)


def _flat(points, faces, size) -> Primitive:
    """A polyhedron with planar UVs on every face."""
    points, faces = np.asarray(points, float), np.asarray(faces, np.int64)
    return split_seams(points, faces, planar_uvs(points, faces, axis_order(size)), _plane_ids(points, faces))


# --- surfaces of revolution ------------------------------------------------------------------
def _unit_loop(segments: int, size) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The unit circle's ``segments`` points (s, 2), and the centre and per-axis scale that
    make it fill ``size`` in x and z (a polygon with an odd number of sides is narrower than
    its circle, so it is stretched and centred, as the box it fills)."""
    theta = 2 * math.pi * np.arange(segments) / segments
    unit = np.column_stack([np.cos(theta), np.sin(theta)])
    lo, hi = unit.min(0), unit.max(0)
    return unit, (lo + hi) / 2, np.array([size[0], size[2]]) / np.maximum(hi - lo, 1e-12)


def _loop_length(loop: np.ndarray) -> np.ndarray:
    """Distance (metres) along the closed polygon ``loop`` (s, 2) to each of its points and
    back to the first: (s + 1,), starting at 0."""
    steps = np.linalg.norm(np.diff(np.vstack([loop, loop[:1]]), axis=0), axis=1)
    return np.concatenate([[0.0], np.cumsum(steps)])


def _ring_index(rho: np.ndarray, s: int) -> tuple[np.ndarray, int]:
    """First vertex of every profile ring (one vertex on the axis, else ``s``) and the total."""
    counts = np.where(rho > 0, s, 1)
    return np.concatenate([[0], np.cumsum(counts)[:-1]]), int(counts.sum())


def revolve(rho, y, size, segments: int) -> Primitive:
    """Revolve a profile around +Y: ``rho`` (k,) radii as fractions of the half-size (0 on the
    axis), ``y`` (k,) heights in metres, from bottom to top; x and z fill ``size``.

    Flat rings of the profile (caps) get planar UVs; the rest cylindrical ones: u = minus the
    distance around the widest ring (so grain follows the meridians), v = arc length along
    the profile from its start.
    """
    rho, y = np.asarray(rho, float), np.asarray(y, float)
    keep = np.r_[True, (np.diff(rho) != 0) | (np.diff(y) != 0)]  # drop repeated points
    rho, y = rho[keep] / rho.max(), y[keep]
    s = int(segments)
    unit, centre, scale = _unit_loop(s, size)
    around = -_loop_length((unit - centre) * scale)
    r_ref = -around[-1] / (2 * math.pi)
    start, total = _ring_index(rho, s)
    points = np.zeros((total, 3))
    for k in range(len(rho)):
        ring = (rho[k] * unit[: s if rho[k] > 0 else 1] - centre) * scale
        points[start[k] : start[k] + len(ring)] = np.column_stack(
            [ring[:, 0], np.full(len(ring), y[k]), ring[:, 1]]
        )
    arc = np.concatenate([[0], np.cumsum(np.hypot(np.diff(rho) * r_ref, np.diff(y)))])
    faces, uvs, patch = [], [], []
    for k in range(len(rho) - 1):
        f, uv = _band(k, rho, arc, start, around)
        flat = y[k] == y[k + 1]
        if flat:  # a cap: planar, and a patch of its own
            uv = planar_uvs(points, f, axis_order(size))
        faces.append(f)
        uvs.append(uv)
        patch.append(np.full(len(f), k + 1 if flat else 0))
    return split_seams(points, np.concatenate(faces), np.concatenate(uvs), np.concatenate(patch))


def _band(k: int, rho, arc, start, around) -> tuple[np.ndarray, np.ndarray]:
    """Triangles between profile rings ``k`` and ``k + 1`` and their corner UVs (u from
    ``around``, (s + 1,), v from ``arc``); a corner on the axis takes its triangle's middle u."""
    s = len(around) - 1
    j = np.arange(s)

    def index(ring: int, step: int) -> np.ndarray:
        return start[ring] + ((j + step) % s if rho[ring] > 0 else np.zeros_like(j))

    u0, u1 = around[:-1], around[1:]
    mid = (u0 + u1) / 2
    tri, us, lev = [], [], []
    if rho[k] > 0:  # (a, d, b): counter-clockwise seen from outside
        tri.append(np.column_stack([index(k, 0), index(k + 1, 0), index(k, 1)]))
        us.append(np.column_stack([u0, u0 if rho[k + 1] > 0 else mid, u1]))
        lev.append([k, k + 1, k])
    if rho[k + 1] > 0:  # (b, d, c)
        tri.append(np.column_stack([index(k, 1), index(k + 1, 0), index(k + 1, 1)]))
        us.append(np.column_stack([u1 if rho[k] > 0 else mid, u0, u1]))
        lev.append([k, k + 1, k + 1])
    v = np.concatenate([np.broadcast_to(arc[lv], (s, 3)) for lv in lev])
    return np.concatenate(tri), np.stack([np.concatenate(us), v], axis=2)


# --- builders ------------------------------------------------------------------------------------
def box(size, segments: int, bevel: float = 0.0) -> Primitive:
    """Box; with ``bevel`` > 0 metres its edges are chamfered (the hull of three boxes, each
    shrunk by twice the bevel across one axis), the bevel clamped to a quarter of the
    smallest side."""
    half = np.asarray(size, float) / 2
    b = min(float(bevel), MAX_BEVEL_FRACTION * float(min(size)))
    if b <= 1e-5:
        corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float) * half
        # trimesh.creation.box's diagonals: where boxes share a plane, the union's seams
        # depend on them, and the template library is checked watertight with these
        faces = [(1, 3, 0), (4, 1, 0), (0, 3, 2), (2, 4, 0), (1, 7, 3), (5, 1, 4)]
        faces += [(5, 7, 1), (3, 7, 2), (6, 4, 2), (2, 7, 6), (6, 5, 4), (7, 5, 6)]
        return _flat(corners, faces, size)
    import manifold3d

    boxes = []
    for axis in range(3):
        ext = np.asarray(size, float) - 2 * b
        ext[axis] = size[axis]
        boxes.append(manifold3d.Manifold.cube(tuple(ext), True))
    out = manifold3d.Manifold.batch_hull(boxes).to_mesh()
    return _flat(np.asarray(out.vert_properties, float)[:, :3], np.asarray(out.tri_verts), size)


def cylinder(size, segments: int) -> Primitive:
    """Cylinder around +Y with flat caps."""
    h = size[1] / 2
    return revolve([0, 1, 1, 0], [-h, -h, h, h], size, segments)


def cone(size, segments: int) -> Primitive:
    """Cone around +Y: flat base at the bottom, apex at the top."""
    h = size[1] / 2
    return revolve([0, 1, 0], [-h, -h, h], size, segments)


def _arc_rings(segments: int, divisor: int, least: int) -> int:
    """Rings along a curved profile: ``segments // divisor``, at least ``least``."""
    return max(segments // divisor, least)


def sphere(size, segments: int) -> Primitive:
    """Sphere (an ellipsoid filling the box): ``segments`` around, half as many rings."""
    phi = np.linspace(-math.pi / 2, math.pi / 2, _arc_rings(segments, 2, 3) + 1)
    rho = np.cos(phi)
    rho[[0, -1]] = 0.0
    return revolve(rho, np.sin(phi) * size[1] / 2, size, segments)


def hemisphere(size, segments: int) -> Primitive:
    """Dome: flat face at the bottom of the box, apex at the top."""
    phi = np.linspace(0, math.pi / 2, _arc_rings(segments, 4, 2) + 1)
    rho = np.concatenate([[0.0], np.cos(phi)])
    rho[-1] = 0.0
    y = np.concatenate([[0.0], np.sin(phi)]) * size[1] - size[1] / 2
    return revolve(rho, y, size, segments)


def capsule(size, segments: int) -> Primitive:
    """Cylinder with rounded ends: the ends' radius is half the smaller of x and z (their height
    at most half of y); x and z are the box's."""
    radius = min(size[0], size[2]) / 2
    cap = min(radius, size[1] / 2)
    half = max(size[1] / 2 - cap, 0.0)
    phi = np.linspace(0, math.pi / 2, _arc_rings(segments, 4, 2) + 1)
    rho = np.concatenate([np.cos(phi)[::-1], np.cos(phi)])
    y = np.concatenate([-half - cap * np.sin(phi)[::-1], half + cap * np.sin(phi)])
    rho[[0, -1]] = 0.0
    return revolve(rho, y, size, segments)


def torus(size, segments: int) -> Primitive:
    """Ring around +Y: outer diameter ``size[0]`` (x) and ``size[2]`` (z), tube ``size[1]`` thick.

    The tube radius is clamped to a quarter of the outer diameter so the ring never
    self-intersects; v runs around the ring (distance along its centre line), u around the
    tube.
    """
    outer = size[0] / 2
    minor = min(size[1] / 2, outer / 2 * 0.98)
    major = outer - minor
    s, t = int(segments), _arc_rings(segments, 2, 4)
    unit, centre, scale = _unit_loop(s, size)
    centre, scale = centre * outer, scale / outer  # the outer rim fills the box
    phi = 2 * math.pi * np.arange(t + 1) / t
    ring = major + minor * np.cos(phi[:t])  # (t,) distance from the axis
    xz = (unit[:, None, :] * ring[None, :, None] - centre) * scale  # (s, t, 2)
    height = np.broadcast_to(minor * np.sin(phi[:t]), (s, t))
    points = np.stack([xz[..., 0], height, xz[..., 1]], axis=2).reshape(-1, 3)
    i, j = np.meshgrid(np.arange(s), np.arange(t), indexing="ij")
    a, b = i * t + j, (i + 1) % s * t + j  # (i, j) and (i + 1, j); d, c: the next j
    d, c = i * t + (j + 1) % t, (i + 1) % s * t + (j + 1) % t
    faces = np.concatenate([np.stack([a, d, b], -1).reshape(-1, 3), np.stack([b, d, c], -1).reshape(-1, 3)])
    along = _loop_length((unit * major - centre) * scale)  # (s + 1,)
    grid = np.stack(np.meshgrid(phi * minor, along, indexing="xy"), axis=2)  # (s + 1, t + 1, 2): u, v
    ua, ub, ud, uc = grid[i, j], grid[i + 1, j], grid[i, j + 1], grid[i + 1, j + 1]
    corner = np.concatenate([np.stack([ua, ud, ub], 2), np.stack([ub, ud, uc], 2)]).reshape(-1, 3, 2)
    return split_seams(points, faces, corner, np.zeros(len(faces), np.int64))


def pyramid(size, segments: int) -> Primitive:
    """Square pyramid, apex up."""
    v = np.array([(-0.5, -0.5, -0.5), (0.5, -0.5, -0.5), (0.5, -0.5, 0.5), (-0.5, -0.5, 0.5), (0, 0.5, 0)])
    f = [(0, 1, 2), (0, 2, 3), (0, 4, 1), (1, 4, 2), (2, 4, 3), (3, 4, 0)]
    return _flat(v * np.asarray(size, float), f, size)


def wedge(size, segments: int) -> Primitive:
    """Triangular prism (gable roof): rectangular base, ridge along X at the top."""
    v = np.array(
        [
            (-0.5, -0.5, -0.5),
            (0.5, -0.5, -0.5),
            (0.5, -0.5, 0.5),
            (-0.5, -0.5, 0.5),
            (-0.5, 0.5, 0.0),
            (0.5, 0.5, 0.0),
        ]
    )
    f = [(0, 1, 2), (0, 2, 3), (0, 4, 5), (0, 5, 1), (3, 2, 5), (3, 5, 4), (0, 3, 4), (1, 5, 2)]
    return _flat(v * np.asarray(size, float), f, size)


BUILDERS = {
    "box": box,
    "cylinder": cylinder,
    "cone": cone,
    "sphere": sphere,
    "hemisphere": hemisphere,
    "capsule": capsule,
    "torus": torus,
    "pyramid": pyramid,
    "wedge": wedge,
}
ROUND = {"cylinder", "cone", "sphere", "hemisphere", "capsule", "torus"}


def face_count(primitive: str, size, segments: int, bevel: float = 0.0) -> int:
    """Triangles :func:`build_primitive` makes for these arguments, without building it."""
    s = int(segments)
    if primitive == "box":
        return 44 if min(float(bevel), MAX_BEVEL_FRACTION * float(min(size))) > 1e-5 else 12
    if primitive == "capsule":
        straight = size[1] / 2 > min(size[0], size[2]) / 2
        return 2 * s * (2 * _arc_rings(s, 4, 2) + straight - 1)
    fixed = {"cylinder": 4 * s, "cone": 2 * s, "pyramid": 6, "wedge": 8}
    if primitive in fixed:
        return fixed[primitive]
    return {
        "sphere": lambda: 2 * s * (_arc_rings(s, 2, 3) - 1),
        "hemisphere": lambda: 2 * s * _arc_rings(s, 4, 2),
        "torus": lambda: 2 * s * _arc_rings(s, 2, 4),
    }[primitive]()


def build_primitive(primitive: str, size, segments: int, bevel: float = 0.0) -> Primitive:
    """Build one primitive of ``size`` (x, y, z) metres centred on the origin, round ones with
    ``segments`` sides; ``bevel`` (metres) chamfers a box's edges. Results are cached (their
    arrays are read-only): a spec's repeated parts and its LODs share them.

    Raises
    ------
    SpecError
        Unknown primitive name (lists the known ones).
    """
    if primitive not in BUILDERS:
        raise SpecError(f"Unknown primitive '{primitive}'.", f"Use one of {', '.join(sorted(BUILDERS))}.")
    bevel = float(bevel) if primitive == "box" else 0.0
    return _build(primitive, tuple(float(s) for s in size), int(segments), bevel)


@functools.lru_cache(maxsize=4096)
def _build(primitive: str, size: tuple[float, float, float], segments: int, bevel: float) -> Primitive:
    prim = box(size, segments, bevel) if primitive == "box" else BUILDERS[primitive](size, segments)
    for array in (prim.vertices, prim.faces, prim.uvs, prim.weld, prim.patch):
        array.setflags(write=False)
    return prim
