"""Hostile uploads: every file of `harness.hostile_models` opened in a fresh process by each
loader; for each, the outcome, the seconds, the peak RSS, and the longest stall of the
process's other threads.

    python -m bench.hostile_models [--before REF] [--checks] [--cap-gb 6] [--only NAME,...] [--out DIR]

"after" is this tree's `untrusted.load_untrusted`, what the upload page calls. "before" (with
--before REF, e.g. main) is `Predictor.load` of git ref REF, what `ui.model_choice` called:
REF's mnist_demo/ is exported with `git archive` into a temp folder that goes first on the
path. "checks alone" (with --checks) is this tree's `Predictor.load` in the loading process:
every check of `model_files` and no child, which is what says whether the child is needed.

Every run caps its own heap at --cap-gb (RLIMIT_DATA) before loading, so that "before" cannot
take the machine: a run that hits the cap says so (its peak is then a lower bound). Peak RSS
is the larger of the process's VmHWM and its children's (RUSAGE_CHILDREN: the checker). A
thread ticking every 10 ms in the same process measures how long the server's other threads
would have stalled. The modules are imported before the clock starts; a load that needs
TensorFlow pays its import (a cold server does). References in the same run: the valid
models through each loader, and an interpreter that only imports the loader.

In the suite (`python -m bench --only hostile_models`) only "after" runs: the figure is the
largest peak RSS over the hostile files, against the valid model's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import hostile_models as hostile

from .common import PROJECT_ROOT, RESULTS_DIR, machine, result

FIGURE = "peak RSS opening a hostile upload (worst of the hostile files)"
TARGET = "every file refused with its reason; peak <= 1 GiB"
PEAK_BOUND_MB = 1024
RUN_TIMEOUT = 300
MEASURE = r"""
import json, resource, sys, threading, time
mode, path, name, cap = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
if mode == "after":
    from mnist_demo.untrusted import load_untrusted
    load = lambda: load_untrusted(open(path, "rb").read(), name)
else:
    from mnist_demo.predict import Predictor
    load = lambda: Predictor.load(path)
gaps, done = [0.0], threading.Event()
def tick():
    last = time.perf_counter()
    while not done.wait(0.01):
        now = time.perf_counter()
        gaps.append(now - last - 0.01)
        last = now
ticker = threading.Thread(target=tick, daemon=True)
ticker.start()
start = time.perf_counter()
try:
    if path != "-":
        outcome = "loaded (%s)" % load().backend
    else:
        outcome = "imports only"
except MemoryError:
    outcome = "MemoryError at the cap"
except Exception as e:
    reason = getattr(e, "reason", None)
    outcome = reason if reason else "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:90] if str(e) else "")
seconds = time.perf_counter() - start
done.set()
ticker.join()
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({"outcome": outcome, "seconds": seconds, "stall_ms": max(gaps) * 1000,
                  "self_mb": int(status["VmHWM"].split()[0]) / 1024,
                  "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "tensorflow": "tensorflow" in sys.modules}))
"""


def measure(mode: str, code_root: Path, path: Path | str, name: str, cap: int) -> dict:
    """One load in a fresh process: outcome, seconds, stall, peak RSS (MB)."""
    env = {**os.environ, "PYTHONPATH": str(code_root), "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    try:
        run = subprocess.run([sys.executable, "-c", MEASURE, mode, str(path), name, str(cap)], cwd=code_root,
                             env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"outcome": f"still running after {RUN_TIMEOUT} s (killed)", "seconds": float(RUN_TIMEOUT),
                "stall_ms": float("nan"), "peak_mb": float("nan"), "tensorflow": None}
    lines = run.stdout.strip().splitlines()
    if run.returncode != 0 or not lines:
        tail = (run.stderr.strip().splitlines() or ["?"])[-1][:120]
        return {"outcome": f"process died (exit {run.returncode}): {tail}", "stall_ms": float("nan"),
                "seconds": time.perf_counter() - start, "peak_mb": float("nan"), "tensorflow": None}
    out = json.loads(lines[-1])
    out["peak_mb"] = max(out.pop("self_mb"), out.pop("children_mb"))
    return out


def exported(ref: str, folder: Path) -> Path:
    """`ref`'s mnist_demo/ (and models/) in `folder`, from git, without touching any worktree."""
    archive = subprocess.run(["git", "archive", ref, "mnist_demo", "models"], cwd=PROJECT_ROOT, check=True,
                             capture_output=True).stdout
    folder.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def measure_all(names: list[str], before: str | None, cap: int, checks: bool = False) -> dict:
    """Every file of `names` through every loader asked for; "after" always."""
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        tmp = Path(tmp)
        loaders = {"before": exported(before, tmp / "before")} if before else {}
        loaders.update({"checks": PROJECT_ROOT} if checks else {})
        loaders["after"] = PROJECT_ROOT
        files = tmp / "files"
        files.mkdir()
        baseline = {mode: measure(mode, root, "-", "-", cap) for mode, root in loaders.items()}
        for name in names:
            path = hostile.build(name, files)
            row = {"what": hostile.BUILDERS[name].what, "expected": hostile.BUILDERS[name].reason,
                   "disk_mb": path.stat().st_size / 2**20}
            for mode, root in loaders.items():
                row[mode] = measure(mode, root, path, path.name, cap)
                print(f"[hostile] {name} {mode}: {_cell(row[mode])}", file=sys.stderr, flush=True)
            rows[name] = row
            path.unlink()
    return {"baseline": baseline, "rows": rows, "cap_gb": cap / 2**30, "before_ref": before, "modes": list(loaders)}


def _cell(m: dict) -> str:
    return f"{m['outcome']}, {m['seconds']:.1f} s, {m['peak_mb']:.0f} MB, stall {m['stall_ms']:.0f} ms"


def markdown(data: dict, info: dict) -> str:
    titles = {"before": f"before ({data['before_ref']}, Predictor.load)", "checks": "checks alone (Predictor.load)",
              "after": "after (load_untrusted)"}
    lines = [f"# Hostile uploads ({info['date']})", "",
             f"Machine: {info['platform']}, {info['cpu_count']} CPUs ({info['cpu_model']}), load average at the end "
             f"{info['load_average_at_end']}. Each load in a fresh process with its heap capped at "
             f"{data['cap_gb']:g} GiB; peak RSS includes the checker child; stall: the longest gap of a 10 ms "
             "ticker thread in the loading process. MB are 2**20 bytes.", ""]
    head, rule = "| file | what | on disk |", "|---|---|---|"
    for mode in data["modes"]:
        head += f" {titles[mode]}: outcome | s | peak MB | stall ms |"
        rule += "---|---|---|---|"
    lines += [head, rule]
    for name, row in data["rows"].items():
        cells = [name, row["what"], f"{row['disk_mb']:.1f} MB"]
        for mode in data["modes"]:
            m = row[mode]
            cells += [m["outcome"], f"{m['seconds']:.1f}", f"{m['peak_mb']:.0f}", f"{m['stall_ms']:.0f}"]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    lines += ["", "Reference (same run), an interpreter that only imports the loader: "
              + "; ".join(f"{mode} {m['peak_mb']:.0f} MB" for mode, m in data["baseline"].items())]
    return "\n".join(lines) + "\n"


def verdict(data: dict) -> tuple[bool, float, float]:
    """(every file got its expected outcome and stayed under the bound, worst hostile peak, valid peak)."""
    ok, worst = True, 0.0
    valid = data["rows"]["valid"]["after"]["peak_mb"] if "valid" in data["rows"] else float("nan")
    for row in data["rows"].values():
        after = row["after"]
        if row["expected"] is None:
            ok &= after["outcome"].startswith("loaded")
        else:
            worst = max(worst, after["peak_mb"])
            ok &= after["outcome"] == row["expected"] and after["peak_mb"] <= PEAK_BOUND_MB
    return ok, worst, valid


def run(quick: bool = False) -> dict:
    names = ["weights_bomb", "dataset_bomb", "nested_brackets", "valid"] if quick else list(hostile.BUILDERS)
    data = measure_all(names, None, 6 * 2**30)
    ok, worst, valid = verdict(data)
    slowest = max(data["rows"].items(), key=lambda item: item[1]["after"]["seconds"])
    return result(FIGURE, worst, valid, worst / valid, TARGET, ok, unit="MB",
                  value_text=f"{worst:.0f} MB (slowest: {slowest[0]}, {slowest[1]['after']['seconds']:.1f} s)",
                  reference_text=f"valid model {valid:.0f} MB", ratio_text=f"{worst / valid:.2f}x",
                  note="; ".join(f"{n} {r['after']['outcome']} {r['after']['seconds']:.1f} s "
                                 f"{r['after']['peak_mb']:.0f} MB" for n, r in data["rows"].items()),
                  files=data["rows"])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile_models", description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REF", help="also measure Predictor.load of this git ref (e.g. main)")
    parser.add_argument("--checks", action="store_true",
                        help="also measure this tree's Predictor.load in process: the checks without the child")
    parser.add_argument("--cap-gb", type=float, default=6.0, help="heap cap of every run (default: %(default)s)")
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(hostile.BUILDERS)}")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder (default: %(default)s)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(hostile.BUILDERS)
    data = measure_all(names, args.before, int(args.cap_gb * 2**30), args.checks)
    info = machine()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hostile_models.json").write_text(json.dumps({"machine": info, **data}, indent=2) + "\n")
    text = markdown(data, info)
    (args.out / "hostile_models.md").write_text(text)
    print(text)
    return data


if __name__ == "__main__":
    main()
