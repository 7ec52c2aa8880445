"""Pipeline benchmark: the 40 shared prompts on embedded defaults (builtin writer, procedural
backend, GLB+OBJ+STL, thumbnails on, no FBX) with procedural PBR textures, in one process.

Two passes over the prompts: **cold** (an empty texture cache: every material's maps are
synthesised, baked and encoded the first time a job needs them) and **warm** (the same cache
folder, in-memory caches cleared as in a new server process: maps are read from disk). Per
step p50 / p95 / max in seconds, then the texture columns per job (summed over the export
and thumbnail steps that use them):

- ``tex pattern``: procedural surface synthesis (noise, cells, grain; ``core.materials.surface``),
- ``tex bake``: baking the surface into maps (normal from height, ORM packing; ``maps.bake_maps``),
- ``tex encode``: encoding maps as JPEG / PNG (``textures.encode``),
- ``tex read``: reading cached maps from disk;

and the LOD0 GLB's size, and the cost of ``import core``.

    .venv/bin/python bench/pipeline.py [--prompts FILE] [--formats glb,obj,stl] [--texture-size 1024]

Targets on a 2-core machine (issue 16): total p50 <= 1.0 s warm and <= 2.0 s cold at 1,024 px;
p95 <= 3 s; a GLB at 1,024 px <= 3 MB; ``import core`` <= 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TEXTURE_COLUMNS = ("tex pattern", "tex bake", "tex encode", "tex read")
SPENT: dict[str, float] = defaultdict(float)  # seconds per texture column, for the running job


def pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import core, core.cli; print(time.perf_counter() - t)"
    runs = [float(subprocess.check_output([sys.executable, "-c", code], cwd=REPO)) for _ in range(5)]
    return min(runs)


def _timed(column: str, fn):
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[column] += time.perf_counter() - t

    return wrapper


def instrument() -> None:
    """Time the texture stages where ``core.materials.textures`` calls them (bench only)."""
    from core.materials import textures

    for name, pattern in list(textures.PATTERNS.items()):
        textures.PATTERNS[name] = _timed("tex pattern", pattern)
    textures.bake_maps = _timed("tex bake", textures.bake_maps)
    textures.encode = _timed("tex encode", textures.encode)
    textures._read_cached = _timed("tex read", textures._read_cached)


def forget_in_memory() -> None:
    """Clear the in-process texture cache, as a new server process would start."""
    from core.mesh.texturing import _cached_set

    _cached_set.cache_clear()


def run_pass(prompts: list[str], formats: list[str], settings, asset_dir: Path) -> dict[str, list[float]]:
    from core.jobs.pipeline import Job, run_to_completion
    from core.jobs.request import JobRequest

    out: dict[str, list[float]] = defaultdict(list)
    for prompt in prompts:
        SPENT.clear()
        t = time.perf_counter()
        job = Job.create(JobRequest(prompt, formats=formats), asset_dir=asset_dir, settings=settings)
        result = run_to_completion(job)
        out["total (wall)"].append(time.perf_counter() - t)
        if result.status != "done":
            raise SystemExit(f"{prompt!r}: {result.error}")
        for step, seconds in result.timings.items():
            out[step].append(seconds)
        for column in TEXTURE_COLUMNS:
            out[column].append(SPENT[column])
        out["glb MB"].append(Path(result.files["glb"]).stat().st_size / 1e6)
    return out


def print_table(cold: dict[str, list[float]], warm: dict[str, list[float]]) -> None:
    from core.jobs.checkpoint import STEPS

    print("| step | cold p50 | cold p95 | cold max | warm p50 | warm p95 | warm max |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in (*STEPS, *TEXTURE_COLUMNS, "total (wall)", "glb MB"):
        cells = [f"{pct(d[row], q):.3f}" for d in (cold, warm) for q in (50, 95)]
        cells.insert(2, f"{max(cold[row]):.3f}")
        cells.append(f"{max(warm[row]):.3f}")
        print(f"| {row} | {' | '.join(cells)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--prompts", type=Path, default=REPO.parent / "shared" / "prompts" / "game_assets.txt"
    )
    parser.add_argument("--formats", default="glb,obj,stl")
    parser.add_argument("--texture-size", type=int, default=1024, help="TEXTURE_SIZE (0: flat colours)")
    args = parser.parse_args()
    prompts = [ln.strip() for ln in args.prompts.read_text().splitlines() if ln.strip()]
    formats = args.formats.split(",")

    from core.config import Settings
    from core.jobs.pipeline import Job, run_to_completion
    from core.jobs.request import JobRequest

    instrument()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        warm_up = Settings(texture_size=args.texture_size, cache_dir=root / "warm-up-cache")
        t0 = time.perf_counter()  # imports and first-use costs, on a cache of its own
        run_to_completion(
            Job.create(JobRequest("warm-up anvil", formats=formats), asset_dir=root, settings=warm_up)
        )
        first = time.perf_counter() - t0
        settings = Settings(texture_size=args.texture_size, cache_dir=root / "cache")
        forget_in_memory()
        cold = run_pass(prompts, formats, settings, root / "assets")
        forget_in_memory()
        warm = run_pass(prompts, formats, settings, root / "assets")

    print(
        f"Pipeline benchmark: {len(prompts)} prompts, formats {','.join(formats)}, textures "
        f"{args.texture_size} px; first job incl. imports {first:.2f} s (not counted)\n"
    )
    print_table(cold, warm)
    targets = (
        ("total p50 warm", pct(warm["total (wall)"], 50), 1.0),
        ("total p50 cold", pct(cold["total (wall)"], 50), 2.0),
        ("total p95 warm", pct(warm["total (wall)"], 95), 3.0),
        ("GLB max MB", max(warm["glb MB"]), 3.0),
        ("import core (+cli), best of 5", import_time(), 0.3),
    )
    print()
    for name, value, target in targets:
        print(f"{name}: {value:.3f} (target {target}: {value / target:.2f}x of budget)")


if __name__ == "__main__":
    main()
