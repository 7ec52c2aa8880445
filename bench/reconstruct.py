"""Reconstruction benchmark: 4,096-point coloured clouds sampled from reference shapes (sphere,
torus, box, procedural archetypes) -> mesh (``core.mesh.reconstruct``). Prints per shape the
time, triangles, watertightness and the Chamfer distance to the true surface as a percentage
of the bounding-box diagonal, and the median time of ``--runs`` runs.

    .venv/bin/python bench/reconstruct.py [--points 4096] [--runs 3]

Targets (issue 6): <= 1 s per cloud on 2 CPU cores, Chamfer <= 1 % of the diagonal.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def shapes() -> dict:
    import trimesh

    from core.generators import get_generator
    from core.spec.builtin import BuiltinSpecWriter

    out = {
        "sphere": trimesh.creation.icosphere(4, radius=0.5),
        "torus": trimesh.creation.torus(0.5, 0.15),
        "box": trimesh.creation.box((1.0, 0.4, 0.6)),
    }
    for text in (
        "wooden crate",
        "magical healing potion",
        "elvish sword",
        "round wooden shield",
        "oak barrel",
    ):
        result = list(get_generator("procedural").generate(BuiltinSpecWriter().write(text).spec))[-1]
        out[text] = result.mesh.to_trimesh()
    return out


def main() -> None:
    import numpy as np
    import trimesh

    from core.mesh.reconstruct import chamfer_distance, reconstruct

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=4096)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    reconstruct(trimesh.creation.icosphere(2).vertices * 1.0)  # warm up imports (scipy, skimage)
    print(f"{args.points} points per cloud, median of {args.runs} runs, 2-core machine\n")
    print("| shape | seconds | triangles | watertight | Chamfer % of diagonal |")
    print("|---|---|---|---|---|")
    for name, mesh in shapes().items():
        pts, fi = trimesh.sample.sample_surface(mesh, args.points, seed=1)
        colors = (np.abs(mesh.face_normals[fi]) * 255).astype(np.uint8)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            out = reconstruct(pts, colors)
            times.append(time.perf_counter() - t0)
        g = out.geometries[0]
        ref = trimesh.sample.sample_surface(mesh, 20000, seed=2)[0]
        got = trimesh.sample.sample_surface(g, 20000, seed=3)[0]
        pct = 100 * chamfer_distance(ref, got) / float(np.linalg.norm(mesh.extents))
        print(f"| {name} | {statistics.median(times):.2f} | {len(g.faces)} | {g.is_watertight} | {pct:.2f} |")


if __name__ == "__main__":
    main()
