"""Topology of the shared prompts at every LOD, as a slicer or engine sees it (after welding
coincident vertices), and the Khronos glTF-Validator's verdict on every exported GLB.

For each prompt the pipeline runs on embedded defaults (builtin writer, procedural backend,
GLB); each LOD's GLB (``model.glb``, ``model_lod<i>.glb``) is validated and each LOD mesh is
welded and checked: watertight (every edge has two faces) and no edge shared by more than two
faces. Prints one row per prompt and a summary; targets: 0 Khronos errors, 100 % watertight,
0 edges with more than two faces.

    .venv/bin/python bench/topology.py [--prompts FILE] [--texture-size 1024]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def khronos(paths: list[Path]) -> list[dict]:
    """The validator's summary ({numErrors, numWarnings, ...}) of each GLB."""
    proc = subprocess.run(
        ["node", str(REPO / "tools" / "validate_gltf.cjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def run_prompt(prompt: str, asset_dir: Path, settings) -> list[dict]:
    """One row per LOD: faces, welded topology and the GLB's validator summary."""
    from core.jobs.pipeline import Job, run_to_completion
    from core.jobs.request import JobRequest
    from core.mesh.process import load_model
    from core.mesh.topology import topology_report

    job = Job.create(JobRequest(prompt, formats=["glb"]), asset_dir=asset_dir, settings=settings)
    result = run_to_completion(job)
    if result.status != "done":
        raise SystemExit(f"{prompt}: {result.error}")
    lods = [load_model(job.folder / rel) for rel in job.cp.steps["process"].outputs]
    glb = Path(result.files["glb"])
    glbs = [glb, *sorted(glb.parent.glob("model_lod*.glb"))]
    collision = job.cp.steps["export"].info["collision"]
    extra = [glb.parent / "collision.glb"] if collision["pieces"] else []
    *reports, collision_report = khronos(glbs + extra) + ([] if extra else [None])
    rows = []
    for i, (mesh, report) in enumerate(zip(lods, reports, strict=True)):
        topo = topology_report(mesh.vertices, mesh.faces)
        rows.append(
            {
                "lod": i,
                "faces": len(mesh.faces),
                "watertight": topo.watertight,
                "non_manifold_edges": topo.non_manifold_edges,
                "boundary_edges": topo.boundary_edges,
                "khronos_errors": report["numErrors"],
                "khronos_warnings": report["numWarnings"],
                "glb_mb": glbs[i].stat().st_size / 1e6,
                "collision_pieces": collision["pieces"] if i == 0 else 0,
                "collision_errors": collision_report["numErrors"] if i == 0 and collision_report else 0,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--prompts", type=Path, default=REPO.parent / "shared" / "prompts" / "game_assets.txt"
    )
    parser.add_argument("--texture-size", type=int, default=1024)
    args = parser.parse_args()
    prompts = [ln.strip() for ln in args.prompts.read_text().splitlines() if ln.strip()]

    from core.config import Settings, use_settings

    print(
        f"{'prompt':<36}{'LOD faces':<22}{'watertight':>11}{'>2 faces':>9}{'Khronos E/W':>13}"
        f"{'GLB MB':>8}{'hulls':>6}"
    )
    all_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            asset_dir=Path(tmp) / "assets", cache_dir=Path(tmp) / "cache", texture_size=args.texture_size
        )
        with use_settings(settings):
            for prompt in prompts:
                rows = run_prompt(prompt, settings.asset_dir, settings)
                all_rows += rows
                faces = "/".join(str(r["faces"]) for r in rows)
                tight = f"{sum(r['watertight'] for r in rows)}/{len(rows)}"
                over = sum(r["non_manifold_edges"] for r in rows)
                ew = f"{sum(r['khronos_errors'] for r in rows)}/{sum(r['khronos_warnings'] for r in rows)}"
                hulls = rows[0]["collision_pieces"]
                print(
                    f"{prompt[:35]:<36}{faces:<22}{tight:>11}{over:>9}{ew:>13}{rows[0]['glb_mb']:>8.2f}{hulls:>6}"
                )
    n = len(all_rows)
    tight = sum(r["watertight"] for r in all_rows)
    sizes = sorted(r["glb_mb"] for r in all_rows if r["lod"] == 0)
    print(
        f"\n{len(prompts)} prompts, {n} LODs: watertight after welding {tight}/{n} ({100 * tight / n:.0f} %), "
        f"edges shared by more than two faces {sum(r['non_manifold_edges'] for r in all_rows)}, "
        f"Khronos errors {sum(r['khronos_errors'] for r in all_rows)}, "
        f"warnings {sum(r['khronos_warnings'] for r in all_rows)}; "
        f"LOD0 GLB at {args.texture_size} px: median {sizes[len(sizes) // 2]:.2f} MB, max {sizes[-1]:.2f} MB "
        f"(target <= 3 MB); collision.glb for {sum(r['collision_pieces'] > 0 for r in all_rows)} of "
        f"{len(prompts)} prompts (COLLISION={settings.collision}), Khronos errors "
        f"{sum(r['collision_errors'] for r in all_rows)}"
    )


if __name__ == "__main__":
    main()
