"""Built-in writer benchmark: how often it understands what is asked, and how fast.

Runs an evaluation set (``bench/data/descriptions.tsv``: description, acceptable families,
genre; written for this bench, not taken from ``../shared/prompts``) through the built-in
writer and prints:

* coverage: descriptions that did not fall back to the generic prop;
* family accuracy: the chosen template's family is one of the acceptable ones;
* both per genre, the misfires, and the writer's p50 / p95 per description;
* the library's size and load time (cold: a fresh process; cached: a second call), and the
  cost of ``import core``.

    .venv/bin/python bench/specs.py [--set FILE] [--misfires N] [--json]

Targets on a 2-core machine: coverage >= 95 %, family accuracy >= 90 %, p50 <= 10 ms,
library load <= 100 ms cached, ``import core`` unchanged.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEFAULT_SET = REPO / "bench" / "data" / "descriptions.tsv"


def pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def read_set(path: Path) -> list[tuple[str, set[str], str]]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [(r["description"], {x.strip() for x in r["families"].split(",")}, r["genre"]) for r in rows]


def subprocess_seconds(code: str) -> float:
    runs = [float(subprocess.check_output([sys.executable, "-c", code], cwd=REPO)) for _ in range(3)]
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="TSV: description, families, genre")
    parser.add_argument("--misfires", type=int, default=40, help="How many misfires to list.")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args()

    import_core = subprocess_seconds(
        "import time; t = time.perf_counter(); import core; print(time.perf_counter() - t)"
    )
    load_cold = subprocess_seconds(
        "import time; from core.spec.library import get_library; t = time.perf_counter(); "
        "get_library(); print(time.perf_counter() - t)"
    )
    from core.spec.builtin import BuiltinSpecWriter
    from core.spec.library import get_library

    lib = get_library()
    t = time.perf_counter()
    get_library()
    load_cached = time.perf_counter() - t
    writer = BuiltinSpecWriter()
    writer.write("warm up")

    rows = read_set(args.set)
    per_genre: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    times, misfires, fallbacks = [], [], []
    for text, families, genre in rows:
        t = time.perf_counter()
        result = writer.write(text)
        times.append(time.perf_counter() - t)
        family = lib.templates[result.archetype].family
        covered, right = not result.fallback, family in families
        g = per_genre[genre]
        g[0] += 1
        g[1] += covered
        g[2] += right
        if not covered:
            fallbacks.append(text)
        elif not right:
            misfires.append((text, result.archetype, family, ",".join(sorted(families))))
    n = len(rows)
    cov = sum(g[1] for g in per_genre.values()) / n
    acc = sum(g[2] for g in per_genre.values()) / n
    figures = {
        "descriptions": n,
        "templates": len(lib.templates),
        "nouns": lib.noun_count(),
        "coverage": cov,
        "family_accuracy": acc,
        "writer_p50_ms": pct(times, 50) * 1000,
        "writer_p95_ms": pct(times, 95) * 1000,
        "library_load_cold_ms": load_cold * 1000,
        "library_load_cached_ms": load_cached * 1000,
        "import_core_ms": import_core * 1000,
    }
    if args.json:
        print(json.dumps({**figures, "misfires": misfires, "fallbacks": fallbacks}, indent=1))
        return
    print(f"{n} descriptions, {len(lib.templates)} templates, {lib.noun_count()} nouns\n")
    print(f"{'genre':<12} {'n':>4} {'coverage':>9} {'family acc.':>12}")
    for genre, (k, c, r) in sorted(per_genre.items()):
        print(f"{genre:<12} {k:>4} {c / k:>8.1%} {r / k:>11.1%}")
    print(f"{'all':<12} {n:>4} {cov:>8.1%} {acc:>11.1%}   (targets: 95 %, 90 %)\n")
    print(
        f"writer p50 {figures['writer_p50_ms']:.2f} ms, p95 {figures['writer_p95_ms']:.2f} ms (target p50 <= 10 ms)"
    )
    print(
        f"library load: cold {figures['library_load_cold_ms']:.0f} ms (fresh process), "
        f"cached {figures['library_load_cached_ms']:.3f} ms (target <= 100 ms)"
    )
    print(f"import core: {figures['import_core_ms']:.0f} ms\n")
    if fallbacks:
        print(f"fallbacks ({len(fallbacks)}): " + "; ".join(fallbacks[: args.misfires]))
    if misfires:
        print(f"\nmisfires ({len(misfires)}): description -> template (family) [acceptable]")
        for text, name, fam, ok in misfires[: args.misfires]:
            print(f"  {text!r} -> {name} ({fam}) [{ok}]")


if __name__ == "__main__":
    main()
