"""Run the benchmark suite: its figures, each next to a reference measured in the same run.

    python -m bench [--only NAME[,NAME]] [--quick] [--reruns N] [--out DIR]

Names: FIGURES below.
Writes <out>/latest.json and <out>/latest.md (after every figure, so a long run that is
interrupted keeps what it measured) and prints the table. `--quick` is a shortened variant
for smoke tests: its numbers are not the figures.

Each figure waits (up to a minute) for the machine to be quiet, and records the load average
before and after it and the cores other processes kept busy meanwhile (`bench.quiet`). A
figure whose measurement was disturbed is measured again, up to `--reruns` times; the table
shows the least disturbed attempt and says how many there were.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from pathlib import Path

from . import quiet
from .common import RESULTS_DIR, failed, machine, markdown_table, write_results

# The order in which they run: quick ones first, the long training race last. Each module's
# TARGET says what its figure must reach.
FIGURES = (
    "predict_latency", "numpy_batch", "explain_latency", "browser_latency", "cold_start", "memory",
    "hostile_models", "teacher_refresh", "overhead", "stop_latency", "ray_overhead", "time_to_accuracy",
)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(FIGURES)}")
    parser.add_argument("--quick", action="store_true", help="a shortened run for smoke tests")
    parser.add_argument("--reruns", type=int, default=2,
                        help="measure a disturbed figure again, up to this many times (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder (default: %(default)s)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    args.names = names
    return args


def run_figure(name: str, quick: bool) -> dict:
    target = "-"
    try:
        module = importlib.import_module(f"bench.{name}")
        target = module.TARGET
        return module.run(quick=quick)
    except Exception as e:  # one broken figure must not lose the others
        traceback.print_exc()
        return failed(name, target, f"{type(e).__name__}: {e}")


def measure_figure(name: str, quick: bool, reruns: int) -> dict:
    """The figure's row from its least disturbed attempt, with every attempt's machine window."""
    attempts = []
    for attempt in range(1 + (0 if quick else reruns)):
        if not quick:
            quiet.wait_until_quiet(max_seconds=60 if attempt == 0 else 180)
        with quiet.Window() as window:
            row = run_figure(name, quick)
        attempts.append((window, row))
        if not window.disturbed:
            break
        print(f"[bench] {name}: disturbed (other processes used {window.other_cores:.2f} cores)",
              file=sys.stderr, flush=True)
    window, row = min(attempts, key=lambda a: a[0].other_cores)
    row["machine_window"] = window.to_dict()
    row["attempts"] = [{**w.to_dict(), "value_text": r["value_text"], "met": r["met"]} for w, r in attempts]
    return row


def main(argv=None) -> list[dict]:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("MNIST_DEMO_OFFLINE", "1")
    stem = "quick" if args.quick else "latest"
    results = []
    for name in args.names:
        start = time.perf_counter()
        print(f"[bench] {name}{' (quick)' if args.quick else ''} ...", file=sys.stderr, flush=True)
        row = measure_figure(name, args.quick, args.reruns)
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
