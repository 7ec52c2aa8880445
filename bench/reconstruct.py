"""Reconstruction benchmark: 4,096-point coloured clouds sampled from reference shapes (sphere,
torus, box, procedural archetypes) -> mesh (``core.mesh.reconstruct``). Prints per shape the
time, triangles, watertightness and the Chamfer distance to the true surface as a percentage
of the bounding-box diagonal, and the median time of ``--runs`` runs.

    .venv/bin/python bench/reconstruct.py [--points 4096] [--runs 3]

Targets (issue 6): <= 1 s per cloud on 2 CPU cores, Chamfer <= 1 % of the diagonal.
A second table runs the bad clouds of issue 13 (sparse, needle, far clusters, absurd scales)
and prints what comes back: a mesh of the cloud's size or a refusal with its reason.
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


def bad_clouds() -> dict:
    """Issue 13's clouds, (N, 3) metres each."""
    import numpy as np
    import trimesh

    def box(extents, n):
        return trimesh.sample.sample_surface(trimesh.creation.box(extents), n, seed=0)[0]

    sphere = trimesh.sample.sample_surface(trimesh.creation.icosphere(3, radius=0.5), 4096, seed=0)[0]
    return {
        "10 points on a 1 m cube": box((1, 1, 1), 10),
        "4,096 points on a 1,000 x 1 x 1 m needle": box((1000, 1, 1), 4096),
        "20,000 points on a 50 x 1 x 1 m rod": box((50, 1, 1), 20000),
        "two 1 m spheres 1e6 m apart": np.vstack([sphere, sphere + np.array((1e6, 0, 0))]),
        "1 m sphere x 1e300": sphere * 1e300,
        "1 m sphere x 1e-300": sphere * 1e-300,
    }


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
    from core.errors import ConversionError

    print("\n| bad cloud (issue 13) | cloud size (m) | result |")
    print("|---|---|---|")
    for name, pts in bad_clouds().items():
        size = " x ".join(f"{v:.3g}" for v in np.ptp(pts, axis=0))
        try:
            g = reconstruct(pts).geometries[0]
            got = f"mesh {' x '.join(f'{v:.3g}' for v in g.extents)} m, {len(g.faces)} triangles"
        except ConversionError as e:
            got = f"refused: {e.message}"
        print(f"| {name} | {size} | {got} |")


if __name__ == "__main__":
    main()
