"""Shared pieces of the benchmark suite: the result dict, timing helpers, the machine, the table.

Every figure is reported next to a reference measured in the same run, because the
machine may be busy (other trainings, other tests): ratios travel better than seconds.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness.server import app_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
RESULT_KEYS = ("figure", "value", "reference", "ratio", "target", "met")


def result(
    figure: str,
    value: float,
    reference: float,
    ratio: float,
    target: str,
    met: bool,
    *,
    unit: str = "",
    value_text: str | None = None,
    reference_text: str | None = None,
    ratio_text: str | None = None,
    **details,
) -> dict:
    """One row: `value` and `reference` are numbers in `unit`; the *_text fields are what the table shows."""
    return {
        "figure": figure,
        "value": float(value),
        "reference": float(reference),
        "ratio": float(ratio),
        "target": target,
        "met": bool(met),
        "unit": unit,
        "value_text": value_text or f"{value:.3g} {unit}".strip(),
        "reference_text": reference_text or f"{reference:.3g} {unit}".strip(),
        "ratio_text": ratio_text or f"{ratio:.2f}",
        **details,
    }


def failed(figure: str, target: str, error: str) -> dict:
    """A row for a figure whose measurement crashed: shown as not met, with the error."""
    return {
        "figure": figure, "value": float("nan"), "reference": float("nan"), "ratio": float("nan"),
        "target": target, "met": False, "unit": "", "value_text": "error", "reference_text": "-",
        "ratio_text": "-", "error": error,
    }


def latencies(fn, repeats: int) -> list[float]:
    """Seconds each of `repeats` calls of `fn` took."""
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def seconds_to_stop(run) -> float:
    """Stop a running training run and time it until its snapshot says it is done."""
    stopped = time.perf_counter()
    run.stop()
    while not run.snapshot().done:
        time.sleep(0.005)
    seconds = time.perf_counter() - stopped
    run.join()
    return seconds


def median(values) -> float:
    return float(statistics.median(values))


def percentile(values, q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation, like numpy's default."""
    data = sorted(values)
    if not data:
        raise ValueError("no values")
    k = (len(data) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return float(data[lo] + (data[hi] - data[lo]) * (k - lo))


def time_import_tensorflow() -> float:
    """Seconds for `python -c "import tensorflow"` in a fresh subprocess."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow"], env=app_env(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "load_average_at_end": [round(x, 2) for x in load],
    }


def machine_cell(row: dict) -> str:
    """Where the machine was during a figure (`bench.quiet.Window`), and how many attempts it took."""
    window = row.get("machine_window")
    if not window:
        return "-"
    text = (f"{window['load_before'][0]:.1f} → {window['load_after'][0]:.1f}; "
            f"{window['other_cores']:.2f} cores")
    attempts = len(row.get("attempts", ()))
    if attempts > 1:
        text += f" (best of {attempts} attempts" + (", all disturbed)" if window["disturbed"] else ")")
    return text


def markdown_table(results: list[dict], info: dict | None = None) -> str:
    """The results as a markdown table, headed by the date and the machine."""
    info = info or machine()
    lines = [
        f"# Benchmarks ({info['date']})",
        "",
        f"Machine: {info['platform']}, {info['cpu_count']} CPUs ({info['cpu_model']}), "
        f"Python {info['python']}, load average at the end {info.get('load_average_at_end')}",
        "",
        "| figure | value | reference (same run) | ratio | target | met | machine: load before → after; other work |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        cells = [r["figure"], r.get("value_text", str(r["value"])), r.get("reference_text", str(r["reference"])),
                 r.get("ratio_text", f"{r['ratio']:.2f}"), r["target"], "yes" if r["met"] else "**no**",
                 machine_cell(r)]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    notes = [f"- {r['figure']}: {r['note']}" for r in results if r.get("note")]
    notes += [f"- {r['figure']}: ERROR {r['error']}" for r in results if r.get("error")]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines) + "\n"


def write_results(results: list[dict], directory: Path = RESULTS_DIR, stem: str = "latest",
                  info: dict | None = None) -> tuple[Path, Path]:
    """Write `<stem>.json` and `<stem>.md`; return their paths."""
    info = info or machine()
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    json_path.write_text(json.dumps({"machine": info, "results": results}, indent=2, default=str) + "\n")
    md_path.write_text(markdown_table(results, info))
    return json_path, md_path
