"""Headless training and evaluation: `python -m mnist_demo train|evaluate|presets`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import i18n
from .data import DATASETS, load_dataset
from .errors import AppError
from .models import PRESETS, preset


class UserError(Exception):
    """Something the user can fix; printed as one line, no traceback."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mnist_demo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a preset and save it as .keras + .json")
    train.add_argument("--preset", required=True, help="one of: " + ", ".join(PRESETS))
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--no-normalize", action="store_true", help="feed raw 0-255 pixels (no / 255)")
    train.add_argument("--dataset", choices=DATASETS, default="mnist")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--augment", action="store_true", help="rotation, shear, canvas-style framing, "
                       "stroke thickness, slashed 0 / flagged 1 / crossed 7")
    train.add_argument("--drawn-digits", action="store_true",
                       help="mix canvas drawings of the drawn-digits dev strokes into every batch")
    train.add_argument("--hold-out-sources", default="",
                       help="comma-separated dev sources left out of --drawn-digits and the detector (to measure)")
    train.add_argument("--negatives", action="store_true",
                       help="mix generated non-digits (target: every digit equally likely) into every batch, "
                            "and save a 'not a digit' detector next to the model")
    train.add_argument("--detector", choices=("msp", "energy", "mahalanobis", "logistic"), default="logistic",
                       help="the score that decides is_digit (default: %(default)s)")
    train.add_argument("--detector-flag-rate", type=float, default=0.002,
                       help="share of drawn training digits the detector's threshold may flag (default: %(default)s)")
    train.add_argument("--train-limit", type=int, help="train on the first N images only")
    train.add_argument("--test-limit", type=int, help="evaluate on the first N test images only")
    train.add_argument("--out", help="where to save (default: models/<preset>.keras)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    evaluate = sub.add_parser("evaluate", help="test loss and accuracy of a saved model")
    evaluate.add_argument("--model", required=True)
    evaluate.add_argument("--dataset", choices=DATASETS)

    detector = sub.add_parser("detector", help="fit a saved model's 'not a digit' detector (anew)")
    detector.add_argument("--model", required=True)
    detector.add_argument("--detector", choices=("msp", "energy", "mahalanobis", "logistic"), default="logistic")
    detector.add_argument("--detector-flag-rate", type=float, default=0.002)

    explain = sub.add_parser("explain", help="what a model makes of one drawing: every layer, the saliency, "
                             "the nearest training images (explain.json, input.npy, saliency.npy, PNG pictures)")
    explain.add_argument("--model", required=True, help="a .keras file")
    explain.add_argument("--image", required=True, help="a picture of a digit (PNG...), preprocessed as the canvas is")
    explain.add_argument("--out", required=True, help="the folder to write into")
    explain.add_argument("--cache", help="where the training-set index is kept (default: the state folder's cache/)")
    explain.add_argument("--train-limit", type=int, help="find neighbours among a fixed random N training images")
    explain.add_argument("--no-neighbours", action="store_true", help="skip the nearest training images")
    explain.add_argument("--steps", type=int, default=32, help="integrated-gradient steps (default: %(default)s)")
    explain.add_argument("--quiet", action="store_true", help="no progress")

    sub.add_parser("presets", help="list the presets with their settings")

    sub.add_parser("learners", help="the learners whose workspaces the state folder holds, one JSON line each")
    runs = sub.add_parser("runs", help="a learner's runs, one JSON line each")
    runs.add_argument("--learner", required=True, help="the learner's id, nickname or link token")
    export = sub.add_parser("export", help="write a learner's run (or saved model) as a .keras file")
    export.add_argument("--learner", required=True, help="the learner's id, nickname or link token")
    export.add_argument("--run", help="the run's number or id")
    export.add_argument("--saved", help="the name of a saved model instead of a run")
    export.add_argument("--out", required=True, help="the .keras file to write")
    backup = sub.add_parser("backup", help="copy the state folder (every learner's work) while the app runs")
    backup.add_argument("--out", required=True, help="a new folder to write the copy into")
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = _parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        commands = {"train": cmd_train, "evaluate": cmd_evaluate, "presets": cmd_presets, "detector": cmd_detector,
                    "learners": cmd_learners, "runs": cmd_runs, "export": cmd_export, "explain": cmd_explain,
                    "backup": cmd_backup}
        return commands[args.command](args)
    except (UserError, AppError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def cmd_presets(args) -> int:
    for name, spec in PRESETS.items():
        description = i18n.translate(f"common.preset.{name}")
        print(json.dumps({"preset": name, "description": description, **spec.to_dict()}))
    return 0


def _spec_from_args(args):
    try:
        spec = preset(args.preset)
    except KeyError as e:
        raise UserError(e.args[0]) from None
    changes = {
        k: v
        for k, v in (("epochs", args.epochs), ("batch_size", args.batch_size), ("learning_rate", args.learning_rate))
        if v is not None
    }
    try:
        return spec.replace(**changes)
    except ValueError as e:
        raise UserError(str(e)) from None


def _output_path(args) -> Path:
    out = Path(args.out) if args.out else Path("models") / f"{args.preset}.keras"
    if out.suffix != ".keras":
        raise UserError(f"--out must end in .keras, got {out}")
    if out.exists() and out.is_dir():
        raise UserError(f"--out {out} is a folder")
    return out


def _progress_line(snap) -> str:
    if not snap.batch_loss:
        return f"\r{snap.state}..."
    width = 30
    filled = int(snap.fraction * width)
    bar = "#" * filled + "-" * (width - filled)
    last = snap.batch_loss[-1] if snap.batch_loss else float("nan")
    acc = snap.batch_accuracy[-1] if snap.batch_accuracy else float("nan")
    eta = f"{snap.eta:5.0f}s" if snap.eta is not None else "    ?"
    epoch = min(snap.epochs_done + 1, snap.epochs_total)
    return (
        f"\repoch {epoch}/{snap.epochs_total} [{bar}] loss {last:.4f} acc {acc:.4f} "
        f"{snap.samples_per_second:6.0f} samples/s ETA {eta}"
    )


def cmd_train(args) -> int:
    from .ray_training import ray_address
    from .storage import ModelInfo, save_model
    from .training import RunConfig, TrainingQueue, TrainingRun

    spec = _spec_from_args(args)
    out = _output_path(args)
    dataset = load_dataset(args.dataset)
    config = RunConfig(
        dataset=args.dataset, normalize=not args.no_normalize, seed=args.seed,
        train_limit=args.train_limit, test_limit=args.test_limit, augment=args.augment,
    )
    started = time.monotonic()
    recipe, pools, pool_seconds = None, None, 0.0
    if args.drawn_digits or args.negatives:
        from .draw_training import DrawingRecipe, DrawingRun, extra_pools

        if not spec.one_hot:
            raise UserError("--drawn-digits and --negatives need a preset with one-hot labels")
        if ray_address() and not args.quiet:
            print("--drawn-digits and --negatives train here, not on the Ray cluster", file=sys.stderr, flush=True)
        sources = tuple(s for s in args.hold_out_sources.split(",") if s)
        recipe = DrawingRecipe(drawn_digits=args.drawn_digits, hold_out_sources=sources,
                               negatives=args.negatives, seed=args.seed)
        if not args.quiet:
            print("drawing the extra training images...", file=sys.stderr, flush=True)
        try:
            pools = extra_pools(recipe)
        except FileNotFoundError as e:
            raise UserError(str(e)) from None
        pool_seconds = time.monotonic() - started
        run = DrawingRun(spec, dataset, config, recipe=recipe, pools=pools, queue=TrainingQueue(1)).start()
    elif ray_address():
        from .ray_training import RayTrainingRun

        if not args.quiet:
            print(f"training on the Ray cluster at {ray_address()}", file=sys.stderr, flush=True)
        run = RayTrainingRun(spec, dataset, config, queue=TrainingQueue(1)).start()
    else:
        run = TrainingRun(spec, dataset, config, queue=TrainingQueue(1)).start()
    try:
        while not run.join(0.25):
            if not args.quiet:
                print(_progress_line(run.snapshot()), end="", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        run.stop("interrupted")
        run.join()
        raise
    snap = run.snapshot()
    if not args.quiet:
        print(_progress_line(snap), file=sys.stderr)
        for e in snap.epochs:
            print(
                f"epoch {e.epoch}: loss {e.loss:.4f} acc {e.accuracy:.4f} "
                f"val_loss {e.val_loss:.4f} val_acc {e.val_accuracy:.4f} ({e.seconds:.1f}s)",
                file=sys.stderr,
            )
    if snap.state != "finished":
        raise UserError(f"training did not finish: {snap.error or snap.stop_reason or snap.state}")
    extra = {"seed": args.seed, "augment": args.augment, "train_limit": args.train_limit,
             "train_seconds": round(snap.elapsed, 2),
             "command": " ".join(["python -m mnist_demo", *args.argv])}
    detector = None
    if recipe is not None:
        extra.update(drawing=recipe.to_dict(), extra_images=[len(p[0]) for p in pools],
                     extra_images_seconds=round(pool_seconds, 2))
    if recipe is not None and recipe.negatives:
        detector, extra["detector"] = _fitted_detector(run.model, dataset, recipe, args)
    info = ModelInfo(
        name=out.stem, normalize=config.normalize, dataset=args.dataset, preset=args.preset,
        spec=spec.to_dict(),
        metrics={"test_accuracy": snap.test_accuracy, "test_loss": snap.test_loss},
        history=run.history(),
        extra=extra,
    )
    path = save_model(run.model, out.stem, info, out.parent)
    from .novelty import detector_path

    if detector is not None:
        detector.save(detector_path(path))
    else:
        detector_path(path).unlink(missing_ok=True)
    print(json.dumps({
        "preset": args.preset,
        "dataset": args.dataset,
        "normalize": config.normalize,
        "epochs": len(snap.epochs),
        "seconds": round(snap.elapsed, 2),
        "wall_seconds": round(time.monotonic() - started, 2),
        "test_accuracy": round(snap.test_accuracy, 4),
        "test_loss": round(snap.test_loss, 4),
        "model_path": str(path),
    }))
    return 0


def _fitted_detector(model, dataset, recipe, args):
    from .draw_training import fit_detector

    started = time.monotonic()
    detector = fit_detector(model, dataset, recipe, flag_rate=args.detector_flag_rate, kind=args.detector)
    return detector, {"kind": detector.kind, "flag_rate": args.detector_flag_rate, "thresholds": detector.thresholds,
                      "fit_seconds": round(time.monotonic() - started, 2)}


def cmd_detector(args) -> int:
    """A saved model's detector fitted (anew: another score or flag rate), with the non-digits of
    the recipe its sidecar records, else the default recipe's; the sidecar says which command fitted it."""
    from .draw_training import DrawingRecipe
    from .novelty import detector_path
    from .storage import check_model_file, load_keras_model, read_info, sidecar_path

    check_model_file(args.model)
    info = read_info(args.model)
    drawing = info.extra.get("drawing")
    if drawing and drawing.get("negatives"):
        recipe = DrawingRecipe(
            drawn_digits=drawing["drawn_digits"], hold_out_sources=tuple(drawing["hold_out_sources"]),
            negatives=True, negatives_per_kind=drawing["negatives_per_kind"], seed=drawing["seed"],
        )
    else:  # a model trained without non-digits: the default recipe's non-digits and every dev source
        recipe = DrawingRecipe(drawn_digits=False)
    detector, info.extra["detector"] = _fitted_detector(load_keras_model(args.model), load_dataset(info.dataset),
                                                        recipe, args)
    info.extra["detector"]["command"] = " ".join(["python -m mnist_demo", *args.argv])
    detector.save(detector_path(args.model))
    side = sidecar_path(args.model)
    tmp = side.with_name(f".{side.name}.tmp")
    tmp.write_text(info.to_json(), encoding="utf-8")
    os.replace(tmp, side)
    print(json.dumps({"model_path": str(args.model), **info.extra["detector"]}))
    return 0


def cmd_evaluate(args) -> int:
    from .evaluate import evaluate
    from .predict import Predictor

    predictor = Predictor.load(args.model)
    dataset = load_dataset(args.dataset or predictor.info.dataset)
    result = evaluate(predictor, dataset.x_test, dataset.y_test)
    print(json.dumps({
        "model_path": str(args.model),
        "dataset": dataset.name,
        "test_accuracy": round(result.test_accuracy, 4),
        "test_loss": round(result.test_loss, 4),
        "misclassified": int(len(result.misclassified)),
    }))
    return 0


def _workspace(learner: str):
    """The workspace of a learner named by id, link token or (if unique) nickname."""
    from .workspace import Workspace, open_store, state_dir

    store = open_store()
    found = store.learner(learner) or store.learner_by_token(learner)
    if found is None:
        named = [x for x in store.learners() if x.nickname == learner]
        if len(named) > 1:
            raise UserError(f"{len(named)} learners are called {learner!r}; give the id instead")
        found = named[0] if named else None
    if found is None:
        raise UserError(f"no learner {learner!r} in {state_dir()}")
    return Workspace(store, found, state_dir())


def cmd_learners(args) -> int:
    from .workspace import open_store

    store = open_store()
    for learner in store.learners():
        runs = store.runs(learner.id)
        print(json.dumps({"id": learner.id, "nickname": learner.nickname, "class": learner.class_code,
                          "runs": len(runs), "saved": len(store.saved_models(learner.id)),
                          "last_seen": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(learner.last_seen))},
                         ensure_ascii=False))
    return 0


def cmd_backup(args) -> int:
    from .workspace import back_up_state, open_store, state_dir

    if os.environ.get("MNIST_DEMO_DATABASE_URL", "").strip():
        raise UserError("the store is a PostgreSQL database: back it up with pg_dump")
    target = Path(args.out).expanduser()
    store = open_store()
    try:
        back_up_state(store, state_dir(), target)
    except FileExistsError as e:
        raise UserError(str(e)) from e
    finally:
        store.close()
    copy = open_store(target)  # the copy opens and says what it holds
    try:
        learners = copy.learners()
        runs = sum(len(copy.runs(learner.id)) for learner in learners)
    finally:
        copy.close()
    print(json.dumps({"backup": str(target), "learners": len(learners), "runs": runs}))
    return 0


def cmd_runs(args) -> int:
    workspace = _workspace(args.learner)
    for run in workspace.runs():
        progress = run.progress_data()
        print(json.dumps({"number": run.number, "id": run.id, "label": run.label, "state": run.state,
                          "dataset": run.dataset, "normalize": run.normalize,
                          "epochs": len(progress.get("epochs", [])), "test_accuracy": progress.get("test_accuracy"),
                          "model": bool(run.model_file)}, ensure_ascii=False))
    return 0


def cmd_export(args) -> int:
    import shutil

    workspace = _workspace(args.learner)
    if bool(args.run) == bool(args.saved):
        raise UserError("give either --run or --saved")
    if args.saved:
        saved = workspace.saved_model(args.saved)
        if saved is None:
            raise UserError(f"{workspace.learner.nickname} has no saved model {args.saved!r}")
        source = workspace.path(saved.model_file)
    else:
        run = next((r for r in workspace.runs() if args.run in (r.id, str(r.number))), None)
        if run is None or not run.model_file:
            raise UserError(f"{workspace.learner.nickname} has no run {args.run!r} with a model")
        source = workspace.path(run.model_file)
    out = Path(args.out)
    if out.suffix != ".keras":
        raise UserError(f"--out must end in .keras, got {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, out)
    if source.with_suffix(".json").exists():
        shutil.copyfile(source.with_suffix(".json"), out.with_suffix(".json"))
    print(json.dumps({"model_path": str(out)}))
    return 0


def _read_picture(path: Path):
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            return np.asarray(picture.convert("RGBA"), np.uint8)
    except FileNotFoundError:
        raise UserError(f"no such image {path}") from None
    except (UnidentifiedImageError, OSError) as e:
        raise UserError(f"{path} is not a picture: {e}") from None


def _write_png(path: Path, pixels) -> None:
    from PIL import Image

    Image.fromarray(pixels).save(path)


def cmd_explain(args) -> int:
    """explain.json, input.npy and saliency.npy, and the pictures as PNG, into --out."""
    import numpy as np

    from . import explain, neighbours
    from .canvas import drawing_problem, ink_bbox, ink_intensity, preprocess_canvas
    from .images import digit_image
    from .predict import Predictor

    def say(text: str, end: str = "\n") -> None:
        if not args.quiet:
            print(text, end=end, file=sys.stderr, flush=True)

    if args.steps < 1:
        raise UserError("--steps must be at least 1")
    rgba = _read_picture(Path(args.image))
    steps = preprocess_canvas(rgba)
    if steps is None:
        ink = ink_intensity(rgba)
        raise UserError(f"{args.image} holds no drawing ({drawing_problem(ink, ink_bbox(ink))})")
    predictor = Predictor.load(args.model)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    index = None
    if not args.no_neighbours:
        cache = Path(args.cache) if args.cache else neighbours.default_cache_dir()
        index = neighbours.remembered_index(predictor, cache, args.train_limit)
        if index is None:
            say("computing the training set's features (once per model)...")
            index = neighbours.cached_index(predictor, cache, args.train_limit,
                                            on_progress=lambda done, total: say(f"\r{done}/{total}", end=""))
            say("")
    say(f"explaining with the {predictor.backend} backend...")
    found = explain.explain(predictor, steps.image, index, steps=args.steps)
    view, answer = found.view, found.saliencies[0]
    data = {"model": str(args.model), "image": str(args.image), "backend": predictor.backend, **found.to_dict()}
    if found.neighbours is not None:
        data["neighbours"], data["far"] = data["neighbours"]["items"], found.neighbours.to_dict()
    (out / "explain.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    np.save(out / "input.npy", steps.image)
    np.save(out / "saliency.npy", answer.map)
    big = 8
    _write_png(out / "input.png", digit_image(steps.image, big))
    for s in found.saliencies:
        name = "saliency" if s is answer else f"saliency_{s.digit}"
        _write_png(out / f"{name}.png", explain.picture_grid(explain.heat_rgb(s.map)[None], scale=big))
        _write_png(out / f"{name}_on_input.png", explain.picture_grid(explain.over_image(steps.image, s.map)[None],
                                                                      scale=big))
    _write_png(out / "saliency_on_canvas.png", explain.over_image(
        steps.ink, explain.on_canvas(answer.map, steps)))
    for layer in view.feature_maps():
        order = layer.strongest_first()[:16]
        maps = explain.grey_pictures(layer.output.transpose(2, 0, 1)[order])
        _write_png(out / f"maps_{layer.name}.png", explain.picture_grid(maps, 8, max(1, 112 // layer.shape[0])))
    weights = explain.first_layer_weights(predictor)
    if weights is not None:
        pictures = explain.grey_pictures(weights.pictures[:16 if weights.kind == "dense" else 64], signed=True)
        _write_png(out / "first_layer.png", explain.picture_grid(pictures, 8, 4 if weights.kind == "dense" else 16))
    if found.neighbours is not None:
        from .data import load_dataset

        train = load_dataset(predictor.info.dataset).x_train
        _write_png(out / "neighbours.png", explain.picture_grid(train[found.neighbours.indices], 8, 4))
    print(json.dumps({"out": str(out), "digit": view.digit, "margin": round(view.margin, 4),
                      "far": None if found.neighbours is None else found.neighbours.far}))
    return 0
