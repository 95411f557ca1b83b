"""Run the benchmark suite: its figures, each next to a reference measured in the same run.

    python -m bench [--only NAME[,NAME]] [--quick] [--out DIR]

Names: the keys of FIGURES below.
Writes <out>/latest.json and <out>/latest.md (after every figure, so a long run that is
interrupted keeps what it measured) and prints the table. `--quick` is a shortened variant
for smoke tests: its numbers are not the figures.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from pathlib import Path

from .common import RESULTS_DIR, failed, machine, markdown_table, write_results

# The order in which they run: quick ones first, the long training race last.
FIGURES = {
    "predict_latency": "p50 <= 10 ms, >= 7x faster",
    "numpy_batch": "numpy <= Keras",
    "explain_latency": "inside view p50 <= 300 ms; neighbour query p50 <= 50 ms",
    "browser_latency": "p50 <= 300 ms",
    "cold_start": "Home <= 2 s; Draw with a prediction <= 6 s",
    "memory": "<= 1.5 GB; < 30 MB per extra session",
    "hostile_models": "every file refused with its reason; peak <= 1 GiB",
    "teacher_refresh": "<= 0.25 CPU-seconds per second",
    "overhead": "<= 5 % slower",
    "stop_latency": "every preset <= 1 s",
    "ray_overhead": "reported (Ray adds its start-up to each run); Stop <= 1 s",
    "time_to_accuracy": ">= 3x faster than keras-mnist-cnn",
}


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(FIGURES)}")
    parser.add_argument("--quick", action="store_true", help="a shortened run for smoke tests")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder (default: %(default)s)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    args.names = names
    return args


def run_figure(name: str, quick: bool) -> dict:
    try:
        module = importlib.import_module(f"bench.{name}")
        return module.run(quick=quick)
    except Exception as e:  # one broken figure must not lose the others
        traceback.print_exc()
        return failed(name, FIGURES[name], f"{type(e).__name__}: {e}")


def main(argv=None) -> list[dict]:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("MNIST_DEMO_OFFLINE", "1")
    stem = "quick" if args.quick else "latest"
    results = []
    for name in args.names:
        start = time.perf_counter()
        print(f"[bench] {name}{' (quick)' if args.quick else ''} ...", file=sys.stderr, flush=True)
        row = run_figure(name, args.quick)
        row["bench"], row["bench_seconds"] = name, round(time.perf_counter() - start, 1)
        results.append(row)
        print(f"[bench] {name}: {row['value_text']} vs {row['reference_text']} -> "
              f"{'met' if row['met'] else 'NOT met'} ({row['bench_seconds']:.0f} s)", file=sys.stderr, flush=True)
        write_results(results, args.out, stem)
    info = machine()
    write_results(results, args.out, stem, info)
    print(markdown_table(results, info))
    return results


if __name__ == "__main__":
    main()
