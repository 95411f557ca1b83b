"""How well a model reads digits drawn on the canvas, and how it answers for what is no digit.

Real pen trajectories (UNIPEN dev split, see $MNIST_DEMO_DATA_DIR/drawn-digits/README.md)
are rendered the way the browser canvas draws them, at each brush width the app offers,
preprocessed like the app does and classified. Each digit's size (fraction f of the
canvas, uniform in [0.4, 0.8]) and position (uniform, brush footprint inside the canvas)
come from a generator seeded with crc32 of its id, so runs repeat exactly.

    python -m bench.drawn_digits [--model models/default.keras] [--compare /work/prev-default.keras]
        [--folds fold-a.keras fold-b.keras] [--ablation] [--json out.json]

Reported, for the model and the compared one side by side:
- dev accuracy per brush width (on dev digits the shipped model may have trained on);
- with --folds, the leave-sources-out estimate: models trained by the same command with
  `--hold-out-sources`, each measured on the sources it never saw, pooled;
- the share of dev digits the "not a digit" verdict flags, per width;
- the share flagged of generated non-digits held out from training (other fonts and
  seeds, `negatives.HELD_OUT`), per kind;
- each detector score the model's detector file holds, at its own threshold;
- MNIST test accuracy, and one canvas prediction's time with the detector beside the
  time without it (the same model's `predict_images` on the same canvas' image).

Predictions are batched: every canvas goes through `preprocess_canvas`, then the images
go through `Predictor.predict_with_verdicts` together. That is exactly what
`Predictor.predict_canvas` does for one canvas, only faster.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from dataclasses import asdict
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
from mnist_demo.drawn import DATA_DIR_ENV, Sample, default_data_dir, load_samples, sample_rng
from mnist_demo.render import random_fraction, render_strokes

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = PROJECT_ROOT / "models" / "default.keras"
WIDTHS = (10, 18, 28)
BLANK = -1
NEGATIVE_COUNTS = {"letters": 640, "shapes": 390, "scribbles": 300, "crossed_digits": 300}
TARGET_DIGITS_FLAGGED = 0.005
TARGET_LETTERS_FLAGGED = 0.80

__all__ = ["Sample", "load_samples", "sample_rng", "default_data_dir"]

ABLATIONS = {
    "all steps": PreprocessOptions(),
    "no crop": PreprocessOptions(crop=False),
    "no scale": PreprocessOptions(scale=False),
    "no center": PreprocessOptions(center=False),
    "naive": PreprocessOptions(crop=False, scale=False, center=False),
}


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


def model_images(canvases: list[np.ndarray], options: PreprocessOptions | None = None):
    """The 28x28 images of the canvases predict_canvas would classify, (N, 28, 28) uint8, and
    the indices of the canvases that hold a drawing."""
    steps = [preprocess_canvas(canvas, options) for canvas in canvases]
    drawn = [i for i, s in enumerate(steps) if s is not None]
    images = np.stack([steps[i].image for i in drawn]) if drawn else np.zeros((0, 28, 28), np.uint8)
    return images, drawn


def verdicts(predictor, images: np.ndarray, count: int, drawn: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Predicted digit (BLANK where nothing was drawn) and is_digit (False there) per canvas."""
    digits = np.full(count, BLANK, np.int64)
    is_digit = np.zeros(count, bool)
    if drawn:
        probabilities, looks_like = predictor.predict_with_verdicts(images)
        digits[drawn] = probabilities.argmax(axis=1)
        is_digit[drawn] = looks_like
    return digits, is_digit


def predicted_digits(predictor, canvases: list[np.ndarray], options: PreprocessOptions) -> np.ndarray:
    """What predict_canvas would say for each canvas, batched; BLANK where it returns None."""
    images, drawn = model_images(canvases, options)
    return verdicts(predictor, images, len(canvases), drawn)[0]


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


def scored(samples: list[Sample], predictions: np.ndarray, seconds: float, is_digit: np.ndarray | None = None) -> dict:
    labels = np.array([s.label for s in samples])
    correct = predictions == labels
    out = {
        "accuracy": float(correct.mean()) if len(samples) else float("nan"),
        "count": len(samples),
        "blank": int((predictions == BLANK).sum()),
        "per_class": accuracy_by([s.label for s in samples], correct),
        "per_source": accuracy_by([s.source for s in samples], correct),
        "confusions": top_confusions(labels, predictions),
        "samples_per_second": len(samples) / seconds if seconds > 0 else float("inf"),
    }
    if is_digit is not None:
        out["flagged"] = float(np.mean(~is_digit)) if len(samples) else float("nan")
        out["flagged_count"] = int((~is_digit).sum())
    return out


def evaluate(
    predictor, samples: list[Sample], canvases: list[np.ndarray], options: PreprocessOptions | None = None
) -> dict:
    start = time.perf_counter()
    images, drawn = model_images(canvases, options)
    predictions, is_digit = verdicts(predictor, images, len(canvases), drawn)
    return scored(samples, predictions, time.perf_counter() - start, is_digit)


def dev_canvases(samples: list[Sample], widths=WIDTHS, seed: int = 0) -> dict[int, list[np.ndarray]]:
    return {w: [render_sample(s, w, seed) for s in samples] for w in widths}


def held_out_negative_images(widths=WIDTHS, counts: dict[str, int] | None = None) -> dict[int, dict[str, np.ndarray]]:
    """Per brush width, per kind: the held-out non-digits (other fonts and seeds than training)
    drawn on the canvas with that brush at a size like the dev digits', as the model sees them."""
    from mnist_demo import negatives
    from mnist_demo.strokes import PenStyle

    counts = counts or NEGATIVE_COUNTS
    return {
        w: negatives.negative_images(negatives.HELD_OUT, counts, seed=w,
                                     style=PenStyle(width=(w, w), fraction=(0.4, 0.8), supersample=4))
        for w in widths
    }


def flagged_share(predictor, images: np.ndarray) -> float:
    if not len(images):
        return float("nan")
    return float(np.mean(~predictor.predict_with_verdicts(images)[1]))


def negatives_report(predictor, negatives_by_width: dict[int, dict[str, np.ndarray]]) -> dict:
    """Share flagged per kind, pooled over widths, and per width."""
    kinds = next(iter(negatives_by_width.values())).keys()
    out = {"per_width": {}}
    for w, by_kind in negatives_by_width.items():
        out["per_width"][str(w)] = {k: flagged_share(predictor, v) for k, v in by_kind.items()}
    out["pooled"] = {
        k: flagged_share(predictor, np.concatenate([by_kind[k] for by_kind in negatives_by_width.values()]))
        for k in kinds
    }
    return out


def candidate_report(predictor, dev_images: np.ndarray, negatives_by_width) -> dict:
    """For each score the detector file holds, at its own threshold: the share of dev digits
    and of each kind of held-out non-digit it flags."""
    detector = predictor.detector
    if detector is None:
        return {}
    hidden = predictor.hidden_features
    dev_hidden = hidden(dev_images)
    pooled = {k: np.concatenate([by_kind[k] for by_kind in negatives_by_width.values()])
              for k in next(iter(negatives_by_width.values()))}
    negative_hidden = {k: hidden(v) for k, v in pooled.items()}
    out = {}
    for kind in detector.thresholds:
        candidate = detector.with_kind(kind)
        out[kind] = {"dev_digits": float(np.mean(~candidate.is_digit(dev_hidden)))}
        out[kind].update({k: float(np.mean(~candidate.is_digit(h))) for k, h in negative_hidden.items()})
    return out


def leave_sources_out(fold_paths: list[Path], samples: list[Sample], canvases: dict[int, list[np.ndarray]]) -> dict:
    """Each fold model measured on the dev sources it was trained without, pooled per width."""
    from mnist_demo.predict import Predictor

    per_width = {w: {"predictions": np.full(len(samples), BLANK), "is_digit": np.ones(len(samples), bool),
                     "seen": np.zeros(len(samples), bool)} for w in canvases}
    folds = []
    for path in fold_paths:
        predictor = Predictor.load(path)
        held_out = set(predictor.info.extra.get("drawing", {}).get("hold_out_sources", []))
        if not held_out:
            raise SystemExit(f"{path}: not trained with --hold-out-sources")
        index = [i for i, s in enumerate(samples) if s.source in held_out]
        folds.append({"model": str(path), "held_out": sorted(held_out), "count": len(index)})
        for w, pool in per_width.items():
            images, drawn = model_images([canvases[w][i] for i in index])
            digits, is_digit = verdicts(predictor, images, len(index), drawn)
            pool["predictions"][index], pool["is_digit"][index], pool["seen"][index] = digits, is_digit, True
    out = {"folds": folds, "per_width": {}}
    for w, pool in per_width.items():
        seen = np.flatnonzero(pool["seen"])
        chosen = [samples[i] for i in seen]
        out["per_width"][str(w)] = scored(chosen, pool["predictions"][seen], 1.0, pool["is_digit"][seen])
    return out


def mnist_accuracy(predictor) -> float | None:
    try:
        from mnist_demo.data import DataError, load_dataset

        dataset = load_dataset("mnist")
    except (DataError, OSError):
        return None
    return float(np.mean(predictor.predict_images(dataset.x_test).argmax(axis=1) == dataset.y_test))


def canvas_latency(predictor, canvas: np.ndarray, repeats: int = 200) -> dict:
    """p50 of one predict_canvas (preprocessing, model, detector) beside p50 of the same
    model's predict_images on that canvas' preprocessed image, timed alternately."""
    image = preprocess_canvas(canvas).image[None]
    predictor.predict_canvas(canvas)
    full, bare = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        predictor.predict_canvas(canvas)
        t1 = time.perf_counter()
        predictor.predict_images(image)
        t2 = time.perf_counter()
        full.append(t1 - t0)
        bare.append(t2 - t1)
    return {"predict_canvas_p50_ms": 1000 * float(np.median(full)),
            "predict_canvas_p90_ms": 1000 * float(np.percentile(full, 90)),
            "predict_images_p50_ms": 1000 * float(np.median(bare)),
            "detector": predictor.detector_kind}


def model_report(predictor, samples, canvases, negatives_by_width, with_candidates: bool) -> dict:
    out = {"detector": predictor.detector_kind, "per_width": {}}
    dev_images = []
    for w, cs in canvases.items():
        out["per_width"][str(w)] = evaluate(predictor, samples, cs)
        dev_images.append(model_images(cs)[0])
    out["negatives"] = negatives_report(predictor, negatives_by_width)
    if with_candidates:
        out["candidates"] = candidate_report(predictor, np.concatenate(dev_images), negatives_by_width)
    return out


def _pct(value, digits: int = 2) -> str:
    return "—" if value is None or value != value else f"{100 * value:.{digits}f} %"


def format_tables(result: dict) -> str:
    """The markdown tables the README shows."""
    model, compare = result["model"], result.get("compare")
    names = ["this model"] + (["previous model"] if compare else [])
    reports = [model] + ([compare] if compare else [])
    lines = ["| brush | " + " | ".join(f"dev accuracy, {n}" for n in names)
             + (" | leave-sources-out estimate" if "leave_sources_out" in result else "")
             + " | " + " | ".join(f"dev digits flagged, {n}" for n in names)
             + (" | flagged, leave-sources-out" if "leave_sources_out" in result else "") + " |"]
    columns = 1 + 2 * len(names) + (2 if "leave_sources_out" in result else 0)
    lines.append("|" + "---|" * columns)
    for w in model["per_width"]:
        row = [f"{w} px"] + [_pct(r["per_width"][w]["accuracy"]) for r in reports]
        if "leave_sources_out" in result:
            row.append(_pct(result["leave_sources_out"]["per_width"][w]["accuracy"]))
        row += [_pct(r["per_width"][w]["flagged"]) for r in reports]
        if "leave_sources_out" in result:
            row.append(_pct(result["leave_sources_out"]["per_width"][w]["flagged"]))
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "| held-out non-digits flagged | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for kind in model["negatives"]["pooled"]:
        cells = " | ".join(_pct(r["negatives"]["pooled"][kind], 1) for r in reports)
        lines.append(f"| {kind.replace('_', ' ')} | {cells} |")
    lines += ["", "| MNIST test accuracy | " + " | ".join(_pct(r.get("mnist_test_accuracy")) for r in reports) + " |"]
    if model.get("candidates"):
        kinds = list(next(iter(model["candidates"].values())))
        header = " | ".join(k.replace("_", " ") for k in kinds)
        lines += ["", f"| detector score (chosen: {model['detector']}) | {header} |", "|---|" + "---|" * len(kinds)]
        for score, row in model["candidates"].items():
            lines.append(f"| {score} | " + " | ".join(_pct(row[k], 1) for k in kinds) + " |")
    if "latency" in result:
        lat = result["latency"]
        lines += ["", f"one canvas prediction with the detector ({lat['detector']}): "
                  f"p50 {lat['predict_canvas_p50_ms']:.1f} ms "
                  f"(p90 {lat['predict_canvas_p90_ms']:.1f} ms); the model alone on the same image: p50 "
                  f"{lat['predict_images_p50_ms']:.1f} ms"]
    return "\n".join(lines)


def format_report(result: dict) -> str:
    lines = [f"accuracy: {result['accuracy']:.2%} of {result['count']} ({result['blank']} seen as blank)"]
    if "flagged" in result:
        lines[0] += f"; flagged as not a digit: {result['flagged']:.2%} ({result['flagged_count']})"
    lines.append("per class:  " + "  ".join(f"{k}: {v:.1%}" for k, v in result["per_class"].items()))
    lines.append("per source: " + "  ".join(f"{k}: {v:.1%}" for k, v in result["per_source"].items()))
    lines.append("top confusions (true -> predicted: count):")
    lines += [f"  {t} -> {'blank' if p == BLANK else p}: {n}" for t, p, n in result["confusions"]]
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
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="Keras model file (default: %(default)s)")
    parser.add_argument("--compare", type=Path, default=None,
                        help="another model to report beside it, e.g. the previous shipped one")
    parser.add_argument("--folds", type=Path, nargs="*", default=[],
                        help="models trained with --hold-out-sources, for the leave-sources-out estimate")
    parser.add_argument("--data", type=Path, default=None,
                        help=f"data folder (default: ${DATA_DIR_ENV} or ../shared/data)")
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)),
                        help="brush diameters in px, comma-separated (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="mixed with each id's crc32 to seed size and position")
    parser.add_argument("--negatives-scale", type=float, default=1.0,
                        help="multiply the number of held-out non-digits per kind (quick checks: 0.1)")
    parser.add_argument("--ablation", action="store_true",
                        help="also run with each preprocessing step switched off, and naive (18 px brush)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N samples (quick checks)")
    parser.add_argument("--no-mnist", action="store_true", help="skip the MNIST test accuracy")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers to this JSON file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    samples = load_samples(args.data or default_data_dir())[: args.limit]
    widths = tuple(int(w) for w in args.widths.split(","))
    from mnist_demo.predict import Predictor

    predictor = Predictor.load(args.model)
    compare = Predictor.load(args.compare) if args.compare else None
    start = time.perf_counter()
    canvases = dev_canvases(samples, widths, args.seed)
    counts = {k: max(1, round(v * args.negatives_scale)) for k, v in NEGATIVE_COUNTS.items()}
    negatives_by_width = held_out_negative_images(widths, counts)
    result = {"model": str(args.model), "widths": list(widths), "seed": args.seed,
              "render_seconds": time.perf_counter() - start}
    result["model"] = {"path": str(args.model), **model_report(predictor, samples, canvases, negatives_by_width, True)}
    if compare is not None:
        result["compare"] = {"path": str(args.compare),
                             **model_report(compare, samples, canvases, negatives_by_width, False)}
    if args.folds:
        result["leave_sources_out"] = leave_sources_out(args.folds, samples, canvases)
    if not args.no_mnist:
        result["model"]["mnist_test_accuracy"] = mnist_accuracy(predictor)
        if compare is not None:
            result["compare"]["mnist_test_accuracy"] = mnist_accuracy(compare)
    result["latency"] = canvas_latency(predictor, canvases[widths[0]][0])
    if compare is not None:
        result["compare"]["latency"] = canvas_latency(compare, canvases[widths[0]][0])
    for w in map(str, widths):
        print(f"\nmodel {args.model}, brush {w} px (detector: {predictor.detector_kind})")
        print(format_report(result["model"]["per_width"][w]))
        if "leave_sources_out" in result:
            print(f"leave-sources-out, brush {w} px:")
            print(format_report(result["leave_sources_out"]["per_width"][w]))
    if args.ablation and STROKE_WIDTH in canvases:
        ablation = {name: evaluate(predictor, samples, canvases[STROKE_WIDTH], opts)
                    for name, opts in ABLATIONS.items()}
        result["ablation"] = {name: {**r, "options": asdict(ABLATIONS[name])} for name, r in ablation.items()}
        print("\nablation:")
        print(format_ablation(ablation))
    print()
    print(format_tables(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
