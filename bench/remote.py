"""Remote-backend benchmark: what the workbench itself adds around a Meshy / Tripo task.

The services' own time (about a minute) cannot be measured here, so the backends run against
the loopback servers of the tests (``tests/fake3d.py``) serving a service-sized textured GLB
(``--faces`` triangles, a ``--texture`` px base-colour texture, like Meshy's default 30k
model) and finishing each task at its first running poll. The table gives, per step, p50 and
p95 over ``--runs`` jobs of the overhead a user waits for on top of the service, and the
ratio against the procedural backend's pipeline on the same asset.

    .venv/bin/python bench/remote.py [--runs 5] [--faces 30000] [--texture 2048] [--formats glb,obj,stl]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

STEPS = ("spec", "generate", "process", "export", "thumbnail", "store")


def service_glb(faces: int, texture: int) -> bytes:
    """A textured sphere of about ``faces`` triangles with a ``texture`` px noise texture."""
    import numpy as np
    import trimesh
    from PIL import Image
    from trimesh.visual.material import PBRMaterial

    sub = max(1, round(float(np.log(faces / 20) / np.log(4))))
    m = trimesh.creation.icosphere(subdivisions=sub, radius=0.5)
    uv = np.c_[np.arctan2(m.vertices[:, 2], m.vertices[:, 0]) / (2 * np.pi) + 0.5, m.vertices[:, 1] + 0.5]
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 255, (texture, texture, 3), dtype=np.uint8))
    m.visual = trimesh.visual.TextureVisuals(uv=uv, material=PBRMaterial(name="body", baseColorTexture=img))
    return trimesh.Scene(m).export(file_type="glb")


def pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run(backend: str, runs: int, formats: list[str], settings) -> dict[str, list[float]]:
    from core.jobs.pipeline import Job, run_to_completion
    from core.jobs.request import JobRequest

    times: dict[str, list[float]] = {s: [] for s in (*STEPS, "total")}
    for _ in range(runs):
        request = JobRequest("round stone orb", backend=backend, formats=formats)
        job = Job.create(request, asset_dir=settings.asset_dir, settings=settings)
        t0 = time.perf_counter()
        result = run_to_completion(job)
        assert result.status == "done", result.error
        times["total"].append(time.perf_counter() - t0)
        for step in STEPS:
            times[step].append(job.cp.steps[step].duration_s or 0.0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--faces", type=int, default=30000)
    parser.add_argument("--texture", type=int, default=2048)
    parser.add_argument("--formats", default="glb,obj,stl")
    args = parser.parse_args()
    formats = args.formats.split(",")

    from fake3d import FakeMeshy, FakeTripo

    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-remote-"))
    meshy, tripo = FakeMeshy("msy-bench").start(), FakeTripo("tsk-bench").start()
    glb = service_glb(args.faces, args.texture)
    for server in (meshy, tripo):
        server.glb = server.preview_glb = glb
        server.queued_polls, server.polls_to_finish = 0, 1
    os.environ.update(
        ASSET_DIR=str(tmp / "assets"),
        CACHE_DIR=str(tmp / "cache"),
        MESHY_BASE_URL=meshy.url,
        MESHY_API_KEY="msy-bench",
        TRIPO_BASE_URL=tripo.base_url,
        TRIPO_API_KEY="tsk-bench",
        REMOTE_POLL_S="0.01",
        REMOTE_REQUESTS_PER_S="1000",
    )
    from core.config import Settings, use_settings

    settings = Settings()  # the environment just set: the fake services and their keys
    print(
        f"service model: {args.faces} faces requested, {len(glb) / 2**20:.1f} MiB GLB with a "
        f"{args.texture}px texture; {args.runs} runs; formats {args.formats}\n"
    )
    with use_settings(settings):  # for what reads the settings in force (backend availability)
        results = {b: run(b, args.runs, formats, settings) for b in ("procedural", "meshy", "tripo")}
    print(f"| step | {' | '.join(f'{b} p50 | {b} p95' for b in results)} | meshy/procedural p50 |")
    print("|---|" + "---|" * (2 * len(results) + 1))
    for step in (*STEPS, "total"):
        cells = [f"{pct(t[step], 50):.3f} | {pct(t[step], 95):.3f}" for t in results.values()]
        base = pct(results["procedural"][step], 50)
        ratio = pct(results["meshy"][step], 50) / base if base > 1e-4 else float("nan")
        print(f"| {step} | {' | '.join(cells)} | {ratio:.1f}x |")
    meshy.stop()
    tripo.stop()


if __name__ == "__main__":
    main()
