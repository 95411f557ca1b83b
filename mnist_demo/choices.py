"""The values the Train page offers, and how a forced or stale value is brought back into range."""

from __future__ import annotations

from .models import KINDS, OPTIMIZERS, PRESETS, presets_for

EPOCHS = (1, 50)
BATCH_SIZES = (16, 32, 64, 100, 128, 256, 512, 1024)
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.005, 0.01, 0.03, 0.1, 0.3, 1.0)
WIDTHS = {  # units of the first dense layer (MLP), filters of the first convolution (CNN)
    "mlp": (8, 16, 32, 64, 100, 128, 256, 512, 1024),
    "cnn": (4, 8, 16, 32, 64, 128),
}
CLASS_DEFAULTS = {"kind": "mlp", "preset": "mlp-512x2", "epochs": 3}  # about a minute on a 2-core server
# What choosing a kind sets up, for its own epochs up to CLASS_DEFAULTS["epochs"]: runs of a minute or
# less in a class, not the tutorials' hour-long CNN (keras-mnist-cnn stays one pick away, with its own
# settings). The CNN's is the fastest to 99 %: one epoch.
KIND_DEFAULTS = {"mlp": "mlp-512x2", "cnn": "cnn-fastest"}
DROPOUT = (0.0, 0.7)
DROPOUT_STEP = 0.05
TRAIN_IMAGES_STEP = 1000  # also the fewest training images offered


def _nearest(value, options):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return options[0]
    return min(options, key=lambda option: abs(option - value))


def _clamped(value, low, high, cast):
    try:
        return cast(min(max(cast(value), low), high))
    except (TypeError, ValueError):
        return cast(low)


def sanitized(values: dict, max_train_images: int) -> dict:
    """The Train page's settings with every value valid: numbers clamped to their slider's range,
    choices snapped to the nearest offered one, unknown names replaced. Only keys present change."""
    out = dict(values)
    if "kind" in out and out["kind"] not in KINDS:
        out["kind"] = KINDS[0]
    if "preset" in out and (out["preset"] not in PRESETS or PRESETS[out["preset"]].kind != out.get("kind", "mlp")):
        out["preset"] = presets_for(out.get("kind", "mlp"))[0]
    if "optimizer" in out and out["optimizer"] not in OPTIMIZERS:
        out["optimizer"] = PRESETS[out.get("preset", "mlp-512x2")].optimizer
    if "epochs" in out:
        out["epochs"] = _clamped(out["epochs"], *EPOCHS, int)
    if "batch_size" in out:
        out["batch_size"] = int(_nearest(out["batch_size"], BATCH_SIZES))
    if "learning_rate" in out:
        out["learning_rate"] = _nearest(out["learning_rate"], LEARNING_RATES)
    if "width" in out:
        out["width"] = int(_nearest(out["width"], WIDTHS[out["kind"] if out.get("kind") in WIDTHS else "mlp"]))
    if "dropout" in out:
        out["dropout"] = round(_clamped(out["dropout"], *DROPOUT, float) / DROPOUT_STEP) * DROPOUT_STEP
    if "train_images" in out:
        images = _clamped(out["train_images"], TRAIN_IMAGES_STEP, max_train_images, int)
        out["train_images"] = round(images / TRAIN_IMAGES_STEP) * TRAIN_IMAGES_STEP
    return out
