"""Weights that form while a model trains: the first layer's weights as small pictures.

ConvNetJS's best feature: an MLP's first 16 hidden units as 28x28 pictures of their weights,
a CNN's first convolution's filters as their kernels, taken every epoch or every N batches,
so a learner sees features grow out of noise (and, with normalization off, the weights of a
raw-pixel run go wild: `scale`, the largest |weight|, says how wild).

A snapshot is uint8 pictures (grey 128 is zero, 255 is +scale, 0 is -scale, one scale for
all the pictures of a snapshot so that strong and weak units can be told apart), stored as
plain data for the run's progress record: 16 pictures of 28x28 are 12.5 KB of pixels, kept
as base64 of a zlib-compressed block.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass

import numpy as np

Array = np.ndarray
MLP_UNITS = 16
MAX_FILTERS = 64


@dataclass(frozen=True)
class WeightPictures:
    """One snapshot: `pictures` (K, h, w) uint8, `scale` the |weight| that 0 and 255 stand for,
    `at` where in training (epochs done, fractional), `layer` and `kind` ("dense" or "conv")."""

    pictures: Array
    scale: float
    at: float
    layer: str
    kind: str

    def signed(self) -> Array:
        """The weights back as floats (K, h, w), to within scale / 127."""
        return (self.pictures.astype(np.float32) - 128) * np.float32(self.scale / 127)

    def to_dict(self) -> dict:
        """Plain JSON-ready data (a few KB)."""
        k, h, w = self.pictures.shape
        packed = base64.b64encode(zlib.compress(np.ascontiguousarray(self.pictures).tobytes(), 6)).decode()
        return {"layer": self.layer, "kind": self.kind, "at": round(self.at, 4), "scale": float(self.scale),
                "shape": [k, h, w], "pixels": packed}

    @classmethod
    def from_dict(cls, data: dict) -> WeightPictures:
        shape = tuple(int(v) for v in data["shape"])
        raw = zlib.decompress(base64.b64decode(data["pixels"]))
        pictures = np.frombuffer(raw, np.uint8).reshape(shape).copy()
        return cls(pictures, float(data["scale"]), float(data["at"]), str(data["layer"]), str(data["kind"]))


def as_uint8_pictures(weights: Array) -> tuple[Array, float]:
    """Signed weights (K, h, w) as uint8 around 128, with the one scale they share."""
    weights = np.asarray(weights, np.float32)
    scale = float(np.abs(weights).max()) if weights.size else 0.0
    if not np.isfinite(scale):  # a diverged run: its weights are not pictures any more
        weights, scale = np.nan_to_num(weights, nan=0.0, posinf=0.0, neginf=0.0), float("inf")
    divisor = scale if 0 < scale < float("inf") else (float(np.abs(weights).max()) or 1.0)
    return np.clip(np.rint(128 + weights * (127 / divisor)), 0, 255).astype(np.uint8), scale


def first_layer(model):
    """The first layer of a Keras model with a kernel that pictures the input: a Dense reading
    the 784 pixels, or a Conv2D reading one channel; None when there is none."""
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in ("Dense", "Conv2D"):
            shape = tuple(layer.kernel.shape)
            if (kind == "Dense" and shape[0] == 784) or (kind == "Conv2D" and shape[2] == 1):
                return layer
            return None
    return None


def weight_pictures(model, at: float = 0.0, units: int = MLP_UNITS) -> WeightPictures | None:
    """A snapshot of the first layer's weights of a Keras model, e.g. during training: an MLP's
    first `units` hidden units as 28x28 pictures, a CNN's first convolution's filters (at most
    MAX_FILTERS). Reads only those weights, so it is cheap enough for every few batches."""
    layer = first_layer(model)
    if layer is None:
        return None
    kernel = layer.kernel
    if type(layer).__name__ == "Dense":
        weights = np.asarray(kernel[:, :units]).T.reshape(-1, 28, 28)
        kind = "dense"
    else:
        weights = np.asarray(kernel[:, :, 0, :MAX_FILTERS]).transpose(2, 0, 1)
        kind = "conv"
    pictures, scale = as_uint8_pictures(weights)
    return WeightPictures(pictures, scale, float(at), layer.name, kind)


def weights_callback(on_pictures, every_batches: int | None = None, units: int = MLP_UNITS, initial_epoch: int = 0):
    """A Keras callback calling `on_pictures(WeightPictures)` as training begins, after every
    epoch and, with `every_batches`, every that many batches. Built on call, so importing this
    module stays free of TensorFlow."""
    import keras

    class WeightsCallback(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epoch, self.steps = initial_epoch, None

        def _take(self, at: float) -> None:
            found = weight_pictures(self.model, at, units)
            if found is not None:
                on_pictures(found)

        def on_train_begin(self, logs=None):
            self.steps = self.params.get("steps") if self.params else None
            self._take(float(self.epoch))

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if every_batches and (batch + 1) % every_batches == 0 and (batch + 1) != self.steps:
                self._take(self.epoch + (batch + 1) / self.steps if self.steps else float(self.epoch))

        def on_epoch_end(self, epoch, logs=None):
            self._take(float(epoch + 1))

    return WeightsCallback()


def thinned(snapshots: list, keep: int) -> list:
    """At most `keep` snapshots: the first, the last, and evenly spaced ones between."""
    if len(snapshots) <= keep:
        return list(snapshots)
    picks = np.unique(np.rint(np.linspace(0, len(snapshots) - 1, keep)).astype(int))
    return [snapshots[i] for i in picks]
