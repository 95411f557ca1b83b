"""How well a model reads digits drawn on the canvas: the drawn-digits benchmark.

Real pen trajectories (UNIPEN, see $MNIST_DEMO_DATA_DIR/drawn-digits/README.md) are
rendered the way the browser canvas draws them, preprocessed like the app does and
classified. Each digit's size (fraction f of the canvas, uniform in [0.4, 0.8]) and
position (uniform, brush footprint inside the canvas) come from a generator seeded
with crc32 of its id, so runs repeat exactly.

    python -m bench.drawn_digits [--model models/default.keras] [--ablation] [--json out.json]

Predictions are batched: every canvas goes through `preprocess_canvas`, then the
images go through `Predictor.predict_images` together. That is exactly what
`Predictor.predict_canvas` does for one canvas (same preprocessing, same model call),
only faster.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
import zlib
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from mnist_demo.canvas import (
    BACKGROUND_COLOR,
    CANVAS_SIZE,
    STROKE_COLOR,
    STROKE_WIDTH,
    PreprocessOptions,
    preprocess_canvas,
)
from mnist_demo.render import random_fraction, render_strokes

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR_ENV = "MNIST_DEMO_DATA_DIR"
DATA_FILE = Path("drawn-digits") / "unipen-dev.jsonl.gz"
DEFAULT_MODEL = PROJECT_ROOT / "models" / "default.keras"
BLANK = -1

ABLATIONS = {
    "all steps": PreprocessOptions(),
    "no crop": PreprocessOptions(crop=False),
    "no scale": PreprocessOptions(scale=False),
    "no center": PreprocessOptions(center=False),
    "naive": PreprocessOptions(crop=False, scale=False, center=False),
}


@dataclass(frozen=True)
class Sample:
    id: str
    label: int
    source: str
    strokes: list


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or PROJECT_ROOT.parent / "shared" / "data")


def load_samples(data_dir: Path) -> list[Sample]:
    path = data_dir / DATA_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no drawn-digits file at {path}; pass --data DIR or set {DATA_DIR_ENV}")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    return [Sample(r["id"], int(r["label"]), r["source"], r["strokes"]) for r in records]


def sample_rng(sample_id: str, seed: int = 0) -> np.random.Generator:
    """A generator seeded from crc32 of the id (stable across runs and machines, unlike hash());
    seed 0 is the plain crc32, other seeds are mixed in."""
    crc = zlib.crc32(sample_id.encode("utf-8"))
    return np.random.default_rng(crc if seed == 0 else [seed, crc])


def render_sample(sample: Sample, stroke_width: float = STROKE_WIDTH, seed: int = 0) -> np.ndarray:
    """The canvas image (RGBA) of a sample as the reference rendering draws it."""
    rng = sample_rng(sample.id, seed)
    return render_strokes(
        sample.strokes,
        size=CANVAS_SIZE,
        stroke_width=stroke_width,
        fraction=random_fraction(rng),
        rng=rng,
        ink=STROKE_COLOR,
        background=BACKGROUND_COLOR,
    )


def predicted_digits(predictor, canvases: list[np.ndarray], options: PreprocessOptions) -> np.ndarray:
    """What predict_canvas would say for each canvas, batched; BLANK where it returns None."""
    steps = [preprocess_canvas(canvas, options) for canvas in canvases]
    drawn = [i for i, s in enumerate(steps) if s is not None]
    predictions = np.full(len(canvases), BLANK, np.int64)
    if drawn:
        probabilities = predictor.predict_images(np.stack([steps[i].image for i in drawn]))
        predictions[drawn] = probabilities.argmax(axis=1)
    return predictions


def accuracy_by(keys: list, correct: np.ndarray) -> dict[str, float]:
    groups: dict[str, list[bool]] = {}
    for key, ok in zip(keys, correct, strict=True):
        groups.setdefault(str(key), []).append(bool(ok))
    return {key: float(np.mean(groups[key])) for key in sorted(groups)}


def top_confusions(
    labels: np.ndarray, predictions: np.ndarray, count: int = 10
) -> list[tuple[int, int, int]]:
    """The most common (true, predicted, count) mistakes; predicted -1 means seen as blank."""
    pairs = Counter((int(t), int(p)) for t, p in zip(labels, predictions, strict=True) if t != p)
    return [(t, p, n) for (t, p), n in pairs.most_common(count)]


def scored(samples: list[Sample], predictions: np.ndarray, seconds: float) -> dict:
    labels = np.array([s.label for s in samples])
    correct = predictions == labels
    return {
        "accuracy": float(correct.mean()),
        "count": len(samples),
        "blank": int((predictions == BLANK).sum()),
        "per_class": accuracy_by([s.label for s in samples], correct),
        "per_source": accuracy_by([s.source for s in samples], correct),
        "confusions": top_confusions(labels, predictions),
        "samples_per_second": len(samples) / seconds if seconds > 0 else float("inf"),
    }


def evaluate(
    predictor, samples: list[Sample], canvases: list[np.ndarray], options: PreprocessOptions
) -> dict:
    start = time.perf_counter()
    predictions = predicted_digits(predictor, canvases, options)
    return scored(samples, predictions, time.perf_counter() - start)


def format_report(result: dict) -> str:
    lines = [f"accuracy: {result['accuracy']:.2%} of {result['count']} ({result['blank']} seen as blank)"]
    lines.append("per class:  " + "  ".join(f"{k}: {v:.1%}" for k, v in result["per_class"].items()))
    lines.append("per source: " + "  ".join(f"{k}: {v:.1%}" for k, v in result["per_source"].items()))
    lines.append("top confusions (true -> predicted: count):")
    lines += [f"  {t} -> {'blank' if p == BLANK else p}: {n}" for t, p, n in result["confusions"]]
    lines.append(
        f"speed: {result['samples_per_second']:.0f} samples/s (preprocess + predict, rendering excluded)"
    )
    return "\n".join(lines)


def format_ablation(results: dict[str, dict]) -> str:
    lines = [
        f"{'preprocessing':<12} {'accuracy':>9}  "
        + " ".join(f"{s:>6}" for s in next(iter(results.values()))["per_source"])
    ]
    for name, result in results.items():
        sources = " ".join(f"{v:>6.1%}" for v in result["per_source"].values())
        lines.append(f"{name:<12} {result['accuracy']:>9.2%}  {sources}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.drawn_digits", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", type=Path, default=DEFAULT_MODEL, help="Keras model file (default: %(default)s)"
    )
    parser.add_argument(
        "--data", type=Path, default=None, help=f"data folder (default: ${DATA_DIR_ENV} or ../shared/data)"
    )
    parser.add_argument(
        "--stroke-width", type=float, default=STROKE_WIDTH, help="brush diameter in px (default: %(default)s)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="mixed with each id's crc32 to seed size and position"
    )
    parser.add_argument(
        "--no-crop", action="store_true", help="use the whole canvas instead of the ink's bounding box"
    )
    parser.add_argument(
        "--no-scale", action="store_true", help="squash the image to 28x28 instead of fitting 20x20"
    )
    parser.add_argument(
        "--no-center", action="store_true", help="centre the bounding box, not the centre of mass"
    )
    parser.add_argument(
        "--ablation", action="store_true", help="also run with each step switched off, and naive"
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N samples (quick checks)")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers to this JSON file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    samples = load_samples(args.data or default_data_dir())[: args.limit]
    from mnist_demo.predict import Predictor

    predictor = Predictor.load(args.model)
    predictor.predict_images(np.zeros((1, 28, 28), np.uint8))
    start = time.perf_counter()
    canvases = [render_sample(s, args.stroke_width, args.seed) for s in samples]
    render_seconds = time.perf_counter() - start
    options = PreprocessOptions(crop=not args.no_crop, scale=not args.no_scale, center=not args.no_center)
    result = evaluate(predictor, samples, canvases, options)
    result.update(
        model=str(args.model), stroke_width=args.stroke_width, seed=args.seed, options=asdict(options)
    )
    result["render_seconds"] = render_seconds
    print(f"model {args.model}, brush {args.stroke_width:g} px, options {asdict(options)}")
    print(format_report(result))
    if args.ablation:
        ablation = {name: evaluate(predictor, samples, canvases, opts) for name, opts in ABLATIONS.items()}
        result["ablation"] = {name: {**r, "options": asdict(ABLATIONS[name])} for name, r in ablation.items()}
        print("\nablation:")
        print(format_ablation(ablation))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
