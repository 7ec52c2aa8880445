"""The ``procedural`` backend: builds the mesh from ``spec.parts``; no GPU, key or network.

Each part becomes a closed primitive with UVs in metres (:mod:`core.mesh.primitives`), rotated
(Euler XYZ, degrees) and placed; all opaque parts are then unioned with manifold3d
(https://github.com/elalish/manifold) into one watertight, manifold mesh (see-through parts,
such as a bottle's glass, in a second union, so contents stay visible inside). The UVs ride
through the union as vertex properties, so every output face keeps its part's UVs, and
manifold3d keeps, for every output triangle, the id of the part it came from
(``run_original_id``), so it keeps its part's PBR material too. Normals are then split by angle
(:func:`sharp_angle`): round parts shade smooth, box edges and the seams between parts crisp.

The polycount budget is met by tessellation, not decimation: round parts get as many sides as
fit the budget (:func:`segments_for`), and every coarser LOD is the same union built again
with fewer sides (:func:`build_lods`), so each LOD is as watertight and manifold as the first
(decimating a union pinches sheets together). Output is deterministic for a spec and seed.
"""

from __future__ import annotations

import math
from collections import abc
from collections.abc import Iterator

import numpy as np

from core.errors import GenerationError
from core.generators.base import CancelToken, GenerationContext, GenerationResult, Generator, Progress
from core.mesh.asset_mesh import AssetMesh
from core.mesh.process import MIN_LOD_FACES
from core.spec.model import AssetSpec, Part, Style

MIN_SEGMENTS = 6  # fewest sides of a round part
MAX_SEGMENTS = 64  # most sides of a round part
LOW_POLY_SEGMENTS = 8  # most sides in the low-poly style
SHARP_ANGLE = 30.0  # degrees between face normals from which an edge shades crisp
MAX_SHARP_ANGLE = 65.0  # ... raised for coarse round parts, so an 8-sided LOD still reads round
UV_OFFSET_M = 4.0  # each part's UVs move by up to this many metres, so repeats differ
MAX_TRIES = 4  # unions tried per LOD to fit its budget
MAX_LOD_STEP = 0.85  # a coarser LOD has at most this fraction of the previous one's triangles


def predicted_faces(spec: AssetSpec, segments: int, bevel: float = 0.0) -> int:
    """Triangles of the spec's parts before the union, with round parts of ``segments`` sides
    (the union adds some where parts cut each other and drops buried ones)."""
    from core.mesh.primitives import face_count

    return sum(face_count(p.primitive.value, p.size, segments, bevel) for p in spec.parts)


def segments_for(spec: AssetSpec, budget: float | None = None, bevel: float = 0.0) -> int:
    """Sides of round primitives: the most (6-64; at most 8 in the low-poly style) with which
    the parts have at most ``budget`` triangles before the union (default: the spec's
    ``target_polycount``); the fewest when even those are over it."""
    budget = spec.technical.target_polycount if budget is None else budget
    lo, hi = MIN_SEGMENTS, LOW_POLY_SEGMENTS if spec.style == Style.low_poly else MAX_SEGMENTS
    while lo < hi:  # the counts grow with the sides: the most sides within the budget
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if predicted_faces(spec, mid, bevel) <= budget else (lo, mid - 1)
    return lo


def sharp_angle(segments: int, style: Style) -> float:
    """Angle (degrees) between face normals from which an edge is shaded crisp: 30, or just
    above a round part's side-to-side angle (360 / ``segments``, at most 65) so coarse LODs
    still shade round; 30 in the low-poly style, which is meant to look faceted."""
    if style == Style.low_poly:
        return SHARP_ANGLE
    return min(max(SHARP_ANGLE, 360.0 / segments + 5.0), MAX_SHARP_ANGLE)


def build_parts_mesh(
    spec: AssetSpec,
    cancel: CancelToken | None = None,
    *,
    seed: int = 0,
    bevel: float = 0.0,
    segments: int | None = None,
) -> Iterator[Progress | AssetMesh]:
    """Yield progress per part, then the unioned :class:`AssetMesh` (spec frame, metres) with
    UVs (metres, each part's moved by a seeded offset) and split normals.

    With ``segments`` None, round parts get the most sides with which the union fits the
    spec's ``target_polycount`` (a few unions are tried, :func:`fit_budget`; when even 6
    sides are over it, the 6-sided union); else exactly ``segments`` sides. ``bevel``
    (metres) chamfers box edges.

    Raises
    ------
    GenerationError
        A part is not a closed solid, or the union is empty.
    JobCancelled
        ``cancel`` was set (checked before each part and before the union).
    """
    seg = segments_for(spec, bevel=bevel) if segments is None else int(segments)
    mesh = yield from _union_of_parts(spec, seg, seed, bevel, cancel)
    if segments is None:
        mesh, seg = fit_budget(
            spec, spec.technical.target_polycount, mesh, seg, seed=seed, bevel=bevel, cancel=cancel
        )
    yield Progress(0.95, f"Unioned {len(spec.parts)} parts into {len(mesh.faces)} triangles ({seg} sides)")
    yield mesh


def fit_budget(
    spec: AssetSpec,
    budget: int,
    mesh: AssetMesh,
    seg: int,
    *,
    seed: int = 0,
    bevel: float = 0.0,
    cancel: CancelToken | None = None,
) -> tuple[AssetMesh, int]:
    """``mesh`` (the union with ``seg`` sides) when it has at most ``budget`` triangles and is
    sound (:func:`is_sound`), else the union built again with fewer sides (the guess corrected
    by how far the last one was off; at most :data:`MAX_TRIES` unions) until one is. When
    none is: the lightest sound one tried, else ``mesh``. Returns the mesh and its sides."""
    first, best = (mesh, seg), None
    for tried in range(1, MAX_TRIES + 1):
        sound = is_sound(mesh)
        if sound and len(mesh.faces) <= budget:
            return mesh, seg
        if sound and (best is None or len(mesh.faces) < len(best[0].faces)):
            best = (mesh, seg)
        # aim 5 % under: the union keeps more triangles than predicted where parts cut each other
        scaled = 0.95 * budget * predicted_faces(spec, seg, bevel) / len(mesh.faces)
        seg = min(segments_for(spec, scaled, bevel), seg - 1)
        if seg < MIN_SEGMENTS or tried == MAX_TRIES:
            break
        mesh = _drain(_union_of_parts(spec, seg, seed, bevel, cancel))
    return best or first


def is_sound(mesh: AssetMesh) -> bool:
    """Closed after welding coincident positions, with no edge shared by more than two faces
    and no face collapsed by the welding (:func:`core.mesh.topology.topology_report`): a union
    can leave two parts touching along an edge, which welding turns into a pinch."""
    from core.mesh.topology import topology_report

    report = topology_report(mesh.vertices, mesh.faces)
    return report.watertight and report.degenerate_faces == 0


def build_lods(
    spec: AssetSpec,
    first: AssetMesh,
    segments: int,
    count: int,
    *,
    seed: int = 0,
    bevel: float = 0.0,
    cancel: CancelToken | None = None,
) -> list[AssetMesh]:
    """The coarser LODs after ``first`` (LOD0: the union with round parts of ``segments``
    sides, same ``seed`` and ``bevel``), up to ``count`` LODs in all: each the union built
    again with fewer sides, to about half the previous LOD's triangles (:func:`fit_budget`).

    Stops early when no fewer sides make a sound LOD at least 15 % lighter
    (:data:`MAX_LOD_STEP`: boxes have nothing to leave out, and where parts cut each other the
    union's seams keep their triangles) or one would have under :data:`MIN_LOD_FACES`
    triangles.
    """
    lods, seg = [first], int(segments)
    while len(lods) < count:
        prev = len(lods[-1].faces)
        target = prev // 2
        start = min(segments_for(spec, target * predicted_faces(spec, seg, bevel) / prev, bevel), seg - 1)
        if target < MIN_LOD_FACES or start < MIN_SEGMENTS:
            break
        mesh = _drain(_union_of_parts(spec, start, seed, bevel, cancel))
        mesh, seg = fit_budget(spec, target, mesh, start, seed=seed, bevel=bevel, cancel=cancel)
        if len(mesh.faces) > MAX_LOD_STEP * prev or not is_sound(mesh):
            break
        lods.append(mesh)
    return lods[1:]


def _drain(steps: abc.Generator[Progress, None, AssetMesh]) -> AssetMesh:
    """Run a generator of progress events to its end, silently; its return value."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def _union_of_parts(
    spec: AssetSpec, seg: int, seed: int, bevel: float, cancel: CancelToken | None
) -> abc.Generator[Progress, None, AssetMesh]:
    """Build every part (progress per part), then union them; returns the mesh."""
    mat_index = {m.name: i for i, m in enumerate(spec.materials)}
    solids, owner = [], {}
    n = len(spec.parts)
    for i, part in enumerate(spec.parts):
        if cancel:
            cancel.raise_if_cancelled()
        m = _part_solid(part, i, seg, bevel, _uv_offset(seed, i))
        owner[m.original_id()] = mat_index[part.material]
        solids.append(m)
        yield Progress(0.8 * (i + 1) / n, f"Built part {i + 1}/{n}: {part.name}")
    if cancel:
        cancel.raise_if_cancelled()
    # see-through parts (a glass bottle) are unioned apart from the opaque ones, so what is
    # inside them (the ship in the bottle) is kept as its own closed body instead of swallowed
    clear = {i for i, m in enumerate(spec.materials) if m.opacity < 0.99}
    groups = [
        [m for m in solids if owner[m.original_id()] not in clear],
        [m for m in solids if owner[m.original_id()] in clear],
    ]
    return _union(groups, owner, list(spec.materials), sharp_angle(seg, spec.style))


def _uv_offset(seed: int, index: int) -> np.ndarray:
    """The UV offset (metres) of part ``index``: random per part and seed, the same at every LOD."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, index]).uniform(0.0, UV_OFFSET_M, 2)


def _part_solid(part: Part, i: int, seg: int, bevel: float, uv_offset: np.ndarray):
    """Part ``i`` as a manifold3d solid, rotated (Euler XYZ, degrees) and placed, marked as an
    original so the union keeps track of its faces. Its vertex properties are
    ``[x, y, z, patch, 0, 0, u, v]``: the three middle channels are where the normals go (the
    patch id keeps creases apart until then). Raises ``GenerationError`` when the primitive
    is not a closed solid (too small)."""
    import manifold3d
    import trimesh

    from core.mesh.primitives import build_primitive

    rx, ry, rz = (math.radians(a) for a in part.rotation)
    tf = trimesh.transformations.euler_matrix(rx, ry, rz, "sxyz")
    tf[:3, 3] = part.position
    prim = build_primitive(part.primitive.value, part.size, seg, bevel).transformed(tf)
    props = np.zeros((len(prim.vertices), 8), dtype=np.float32)
    props[:, :3] = prim.vertices
    props[:, 3] = prim.patch
    props[:, 6:] = prim.uvs + uv_offset
    merged = np.nonzero(prim.weld != np.arange(len(prim.weld)))[0]
    m = manifold3d.Manifold(
        manifold3d.Mesh(
            vert_properties=props,
            tri_verts=np.ascontiguousarray(prim.faces, dtype=np.uint32),
            merge_from_vert=merged.astype(np.uint32),
            merge_to_vert=prim.weld[merged].astype(np.uint32),
        )
    )
    if m.status() != manifold3d.Error.NoError:
        raise GenerationError(
            f"Part {i} '{part.name}' ({part.primitive.value}) is not a closed solid ({m.status().name}).",
            "Make its size larger or change its primitive.",
        )
    return m.as_original()


def _union(groups: list[list], owner: dict[int, int], materials: list, angle: float) -> AssetMesh:
    """Union each non-empty group of solids on its own, split normals at ``angle`` degrees, and
    stack the results into one :class:`AssetMesh`; each face's material comes from ``owner``
    (original id -> material index).

    Raises ``GenerationError`` when the union is empty."""
    import manifold3d

    verts, faces, mats, offset = [], [], [], 0
    for group in groups:
        if not group:
            continue
        solid = manifold3d.Manifold.batch_boolean(group, manifold3d.OpType.Add)
        if solid.num_tri() == 0:
            continue
        out = solid.calculate_normals(0, angle).to_mesh()
        props = np.asarray(out.vert_properties, dtype=np.float64)
        tri = np.asarray(out.tri_verts, dtype=np.int64)
        run_index = np.asarray(out.run_index, dtype=np.int64)
        face_mat = np.empty(len(tri), dtype=np.int32)
        for k, oid in enumerate(np.asarray(out.run_original_id, dtype=np.int64)):
            face_mat[run_index[k] // 3 : run_index[k + 1] // 3] = owner[int(oid)]
        verts.append(props)
        faces.append(tri + offset)
        mats.append(face_mat)
        offset += len(props)
    if not faces:
        raise GenerationError("The union of the parts is empty.", "Check the parts' sizes.")
    props, faces, mats = np.concatenate(verts), np.concatenate(faces), np.concatenate(mats)
    points, keep = _weld_slivers(props[:, :3], faces)
    normals = props[:, 3:6] / np.maximum(np.linalg.norm(props[:, 3:6], axis=1, keepdims=True), 1e-12)
    return AssetMesh(points, faces[keep], mats[keep], materials, uvs=props[:, 6:8], normals=normals)


def _weld_slivers(points: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where parts touch, the union may keep vertices nanometres apart (float32 rounding) and
    zero-area triangles between them, which welding turns into edges of three faces. Snap
    vertices closer than 1 micrometre (:func:`core.mesh.topology.weld`) to one position and
    drop the faces that collapse: returns the points and a mask of the faces kept; the
    welded mesh stays closed."""
    from core.mesh.topology import weld

    unique, index = weld(points, np.arange(len(points)))
    f = index[faces]
    keep = (f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 2] != f[:, 0])
    return unique[index], keep


class ProceduralGenerator(Generator):
    """Primitive-based generator; about 50 ms for a typical 10-part spec and its LODs on one core.

    Reads ``bevel_m`` from its settings (box edges chamfered by that many metres; 0: sharp).
    """

    name = "procedural"
    label = "Procedural (built-in, no GPU)"
    uses_seed = True  # the seed picks the template's variant when the spec is written from text
    seed_redraws_spec = True  # ... and, on the Generate page, for a spec nobody has edited

    def generate(
        self,
        spec: AssetSpec,
        *,
        seed: int = 0,
        cancel: CancelToken | None = None,
        context: GenerationContext | None = None,
    ) -> Iterator[Progress | GenerationResult]:
        """Yield progress, then one :class:`GenerationResult` with LOD0 as ``mesh`` and the
        coarser LODs (up to the spec's ``lod_count``) as ``lods``."""
        bevel, budget = float(self.settings.bevel_m), spec.technical.target_polycount
        seg = segments_for(spec, bevel=bevel)
        mesh = yield from _union_of_parts(spec, seg, seed, bevel, cancel)
        mesh, seg = fit_budget(spec, budget, mesh, seg, seed=seed, bevel=bevel, cancel=cancel)
        lods = build_lods(spec, mesh, seg, spec.technical.lod_count, seed=seed, bevel=bevel, cancel=cancel)
        faces = [len(m.faces) for m in (mesh, *lods)]
        yield Progress(0.99, f"{len(faces)} LODs of {faces} triangles; round parts with {seg} sides")
        info = {"backend": self.name, "seed": seed, "segments": seg}
        if faces[0] > budget:
            info["over_budget"] = (
                f"{faces[0]} triangles: the parts need more, even with {seg}-sided round parts"
            )
        yield GenerationResult(mesh=mesh, lods=lods, info=info)
