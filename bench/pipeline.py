"""Pipeline benchmark: the 40 shared prompts on embedded defaults (builtin writer, procedural
backend, GLB+OBJ+STL, thumbnails on, no FBX), in one process. Prints per-step and total
p50 / p95 in seconds, and the cost of ``import core``.

    .venv/bin/python bench/pipeline.py [--prompts FILE] [--formats glb,obj,stl]

Targets on a 2-core machine: total p50 <= 1.5 s, p95 <= 3 s; ``import core`` <= 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import core, core.cli; print(time.perf_counter() - t)"
    runs = [float(subprocess.check_output([sys.executable, "-c", code], cwd=REPO)) for _ in range(5)]
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--prompts", type=Path, default=REPO.parent / "shared" / "prompts" / "game_assets.txt"
    )
    parser.add_argument("--formats", default="glb,obj,stl")
    args = parser.parse_args()
    prompts = [ln.strip() for ln in args.prompts.read_text().splitlines() if ln.strip()]
    formats = args.formats.split(",")

    from core.jobs.checkpoint import STEPS
    from core.jobs.pipeline import Job, run_to_completion
    from core.jobs.request import JobRequest

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_to_completion(Job.create(JobRequest("warm-up anvil", formats=formats), asset_dir=Path(tmp)))
        warmup = time.perf_counter() - t0
        per_step: dict[str, list[float]] = {s: [] for s in STEPS}
        totals = []
        for prompt in prompts:
            t = time.perf_counter()
            result = run_to_completion(Job.create(JobRequest(prompt, formats=formats), asset_dir=Path(tmp)))
            totals.append(time.perf_counter() - t)
            for step, seconds in result.timings.items():
                per_step[step].append(seconds)

    rows = [(s, pct(v, 50), pct(v, 95), max(v)) for s, v in per_step.items()]
    rows.append(("total (wall)", pct(totals, 50), pct(totals, 95), max(totals)))
    print(
        f"Pipeline benchmark: {len(prompts)} prompts, formats {','.join(formats)}, "
        f"first job incl. imports {warmup:.2f} s (not counted)"
    )
    print(f"{'step':<14}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
    for name, p50, p95, mx in rows:
        print(f"{name:<14}{p50:>9.3f}{p95:>9.3f}{mx:>9.3f}")
    p50, p95 = pct(totals, 50), pct(totals, 95)
    print(
        f"target total p50 <= 1.5 s: {p50:.2f} s ({p50 / 1.5:.2f}x of budget); "
        f"p95 <= 3 s: {p95:.2f} s ({p95 / 3:.2f}x of budget)"
    )
    imp = import_time()
    print(f"import core (+cli), best of 5: {imp:.3f} s (target 0.3 s: {imp / 0.3:.2f}x of budget)")


if __name__ == "__main__":
    main()
