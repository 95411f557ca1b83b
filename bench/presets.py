"""Train every preset with the CLI and print epochs, seconds and test accuracy next to the tutorial's number.

    python -m bench.presets [--only NAME,NAME] [--json PATH]

Each preset runs in its own process, one after another, with the CLI's own defaults
unless the tutorials' comparison needs another epoch count (see RUNS)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (preset, extra CLI arguments, the tutorial's reported figure)
RUNS = [
    ("mlp-512x2", ["--epochs", "20"], "test accuracy 0.98+ after 20 epochs (Keras mnist_mlp)"),
    ("mlp-512x2", ["--epochs", "3", "--no-normalize"], "raw pixels: test 0.93/0.94/0.95, erratic"),
    ("mlp-64", ["--epochs", "12"], "test accuracy 0.9739, loss 0.0919"),
    ("mlp-256-100", ["--epochs", "10"], "val accuracy 0.9578 (from a pre-trained start)"),
    ("keras-mnist-cnn", ["--epochs", "1"], "test accuracy 0.9812 after 1 epoch"),
    ("cnn-3conv", ["--epochs", "5"], "(no figure reported)"),
    ("cnn-fast", [], "this app's own: >= 0.990 in about 40 s"),
]


def train(preset: str, extra: list[str], out_dir: Path) -> dict:
    out = out_dir / f"{preset}-{len(list(out_dir.iterdir()))}.keras"
    proc = subprocess.run(
        [sys.executable, "-m", "mnist_demo", "train", "--preset", preset, *extra, "--out", str(out), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated preset names")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    rows = []
    print("| preset | settings | epochs | seconds | test accuracy | test loss | tutorial |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for preset, extra, reported in RUNS:
            if only and preset not in only:
                continue
            result = train(preset, extra, Path(tmp))
            row = {"preset": preset, "settings": " ".join(extra) or "defaults", "tutorial": reported, **result}
            rows.append(row)
            if "error" in result:
                print(f"| {preset} | {row['settings']} | error: {result['error']} | | | | {reported} |", flush=True)
                continue
            print(f"| {preset} | {row['settings']} | {result['epochs']} | {result['seconds']:.1f} | "
                  f"{result['test_accuracy']:.4f} | {result['test_loss']:.4f} | {reported} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()
