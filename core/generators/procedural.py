"""The ``procedural`` backend: builds the mesh from ``spec.parts``; no GPU, key or network.

Each part becomes a closed primitive (:mod:`core.mesh.primitives`), rotated (Euler XYZ,
degrees) and placed; all opaque parts are then unioned with manifold3d (see-through parts, such
as a bottle's glass, in a second union, so contents stay visible inside)
(https://github.com/elalish/manifold) into one watertight, manifold mesh. manifold3d keeps,
for every output triangle, the id of the input it came from (``run_original_id``), so each
face keeps its part's PBR material through the union. Output is deterministic for a spec.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from core.errors import GenerationError
from core.generators.base import CancelToken, GenerationContext, GenerationResult, Generator, Progress
from core.mesh.asset_mesh import AssetMesh
from core.spec.model import AssetSpec, Part, Style


def segments_for(spec: AssetSpec) -> int:
    """Sides of round primitives so the whole model lands near the polycount budget."""
    from core.mesh.primitives import ROUND

    n_round = sum(p.primitive.value in ROUND for p in spec.parts) or 1
    per_part = spec.technical.target_polycount / n_round
    seg = int(math.sqrt(max(per_part, 1.0)) * 1.1)
    seg = max(6, min(seg, 64))
    if spec.style == Style.low_poly:
        seg = min(seg, 8)
    return seg


def build_parts_mesh(spec: AssetSpec, cancel: CancelToken | None = None) -> Iterator[Progress | AssetMesh]:
    """Yield progress per part, then the unioned :class:`AssetMesh` (spec frame, metres).

    Raises
    ------
    GenerationError
        A part is not a closed solid, or the union is empty.
    JobCancelled
        ``cancel`` was set (checked before each part and before the union).
    """
    seg = segments_for(spec)
    mat_index = {m.name: i for i, m in enumerate(spec.materials)}
    solids, owner = [], {}
    n = len(spec.parts)
    for i, part in enumerate(spec.parts):
        if cancel:
            cancel.raise_if_cancelled()
        m = _part_solid(part, i, seg)
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
    verts, faces, face_mat = _union(groups, owner)
    if len(faces) == 0:
        raise GenerationError("The union of the parts is empty.", "Check the parts' sizes.")
    yield Progress(0.95, f"Unioned {n} parts into {len(faces)} triangles")
    yield AssetMesh(verts, faces, face_mat, list(spec.materials))


def _part_solid(part: Part, i: int, seg: int):
    """Part ``i`` as a manifold3d solid, rotated (Euler XYZ, degrees) and placed, marked as an
    original so the union keeps track of its faces. Raises ``GenerationError`` when the
    primitive is not a closed solid (too small)."""
    import manifold3d
    import trimesh

    from core.mesh.primitives import build_primitive

    mesh = build_primitive(part.primitive.value, part.size, seg)
    rx, ry, rz = (math.radians(a) for a in part.rotation)
    tf = trimesh.transformations.euler_matrix(rx, ry, rz, "sxyz")
    tf[:3, 3] = part.position
    mesh.apply_transform(tf)
    m = manifold3d.Manifold(
        manifold3d.Mesh(
            vert_properties=np.ascontiguousarray(mesh.vertices, dtype=np.float32),
            tri_verts=np.ascontiguousarray(mesh.faces, dtype=np.uint32),
        )
    )
    if m.status() != manifold3d.Error.NoError:
        raise GenerationError(
            f"Part {i} '{part.name}' ({part.primitive.value}) is not a closed solid ({m.status().name}).",
            "Make its size larger or change its primitive.",
        )
    return m.as_original()


def _union(groups: list[list], owner: dict[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Union each non-empty group of solids on its own and stack the results: vertices (N, 3)
    float64, faces (M, 3) int64, and each face's material index (M,) int32 from ``owner``
    (original id -> material index)."""
    import manifold3d

    all_verts, all_faces, all_mats, offset = [], [], [], 0
    for group in groups:
        if not group:
            continue
        out = manifold3d.Manifold.batch_boolean(group, manifold3d.OpType.Add).to_mesh()
        verts = np.asarray(out.vert_properties, dtype=np.float64)[:, :3]
        faces = np.asarray(out.tri_verts, dtype=np.int64)
        run_index = np.asarray(out.run_index, dtype=np.int64)
        run_ids = np.asarray(out.run_original_id, dtype=np.int64)
        face_mat = np.empty(len(faces), dtype=np.int32)
        for k, oid in enumerate(run_ids):
            face_mat[run_index[k] // 3 : run_index[k + 1] // 3] = owner[int(oid)]
        all_verts.append(verts)
        all_faces.append(faces + offset)
        all_mats.append(face_mat)
        offset += len(verts)
    verts = np.concatenate(all_verts) if all_verts else np.zeros((0, 3))
    faces = np.concatenate(all_faces) if all_faces else np.zeros((0, 3), dtype=np.int64)
    face_mat = np.concatenate(all_mats) if all_mats else np.zeros(0, dtype=np.int32)
    return verts, faces, face_mat


class ProceduralGenerator(Generator):
    """Primitive-based generator; about 50 ms for a typical 10-part spec on one core."""

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
        mesh = None
        for item in build_parts_mesh(spec, cancel):
            if isinstance(item, AssetMesh):
                mesh = item
            else:
                yield item
        yield GenerationResult(mesh=mesh, info={"backend": self.name, "seed": seed})
