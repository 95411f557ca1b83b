"""Which pixels pushed the answer: integrated gradients (Sundararajan, Taly & Yan 2017).

Why not the raw gradient: for a ReLU network it is the slope of one linear piece at the
drawing, noisy from pixel to pixel, and it saturates: once a stroke has convinced the model,
more ink there changes little, so the gradient says the stroke does not matter. Integrated
gradients add up the gradient along the straight path from a baseline (a black image: no ink)
to the drawing, times the change of each pixel. The map satisfies completeness: it sums to
f(drawing) - f(black), so every unit of the score is accounted for by some pixel, and a
pixel nothing depends on gets zero. With a black baseline that includes every pixel left
black: the map explains the ink that is there, never the ink that is missing.

f is a class's logit by default (`score="logit"`), the evidence the last layer adds up for
it; its probability (`score="probability"`) also depends on every other class, and saturates
near 1, so its integral needs many more steps. The integral is taken over `steps` points in
one batched pass, placed at alpha = u**2 for u the midpoints of [0, 1]: along the path the
gradient swings most while the drawing is still faint (units switch on one after another),
and this puts more points there than the plain midpoint rule, for the same work
(`bench.explain_latency` reports the completeness gap this leaves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .inside import inside, output_shapes

Array = np.ndarray
SCORES = {"logit": "logits", "probability": "probabilities"}
DEFAULT_STEPS = 32


@dataclass(frozen=True)
class Attribution:
    """What each input pixel contributed to one value (a class's score, or a unit's output).

    `map` (28, 28) float32 is signed: positive pushed the value up. `total` is the value at the
    image minus at the black baseline; `map.sum()` equals it up to the integration error."""

    map: Array
    total: float
    steps: int

    @property
    def gap(self) -> float:
        """How far the map's sum is from `total` (the integration error), relative to |total|."""
        return abs(float(self.map.sum(dtype=np.float64)) - self.total) / max(abs(self.total), 1e-12)

    def on_ink(self, image: Array, dilate: int = 2, threshold: int = 64) -> float:
        """The share of the map's absolute mass within the image's ink grown by `dilate` pixels."""
        ink = grown(np.asarray(image) > threshold, dilate)
        mass = np.abs(self.map)
        return float(mass[ink].sum() / max(mass.sum(), 1e-30))


@dataclass(frozen=True)
class Saliency(Attribution):
    """An attribution of one class's score: `digit` is that class, `score` "logit" or "probability"."""

    digit: int = 0
    score: str = "logit"


def grown(mask: Array, pixels: int) -> Array:
    """A boolean mask grown by `pixels` in the 8 directions (a square dilation)."""
    out = np.asarray(mask, bool)
    for _ in range(pixels):
        padded = np.pad(out, 1)
        out = np.zeros_like(out)
        for dr in (0, 1, 2):
            for dc in (0, 1, 2):
                out |= padded[dr : dr + mask.shape[0], dc : dc + mask.shape[1]]
    return out


def path_points(steps: int) -> tuple[Array, Array]:
    """Where on the path from black (0) to the image (1) the gradient is taken, and the weight
    of each point in the integral (they sum to 1): alpha = u**2, d alpha = 2 u du."""
    u = (np.arange(steps, dtype=np.float64) + 0.5) / steps
    return (u**2).astype(np.float32), (2 * u / steps).astype(np.float32)


def integrated_gradients(predictor, image: Array, at: str, cotangents: Array,
                         steps: int = DEFAULT_STEPS) -> list[Attribution]:
    """Integrated gradients of the values `at` ("logits", "probabilities" or a layer's name),
    weighted by each of the M `cotangents` (M, *shape at `at`), for one uint8 image (28, 28)."""
    model = inside(predictor)
    x = predictor.model_input(np.asarray(image)[None])[0]
    alphas, weights_along = path_points(steps)
    path = alphas.reshape((steps, *[1] * x.ndim)) * x[None]
    cotangents = np.asarray(cotangents, np.float32)
    repeated = np.broadcast_to(cotangents[:, None], (len(cotangents), steps, *cotangents.shape[1:]))
    gradients = model.gradients(path, repeated, at)  # (M, steps, *input)
    ends = model.values(np.stack([x, np.zeros_like(x)]), at)
    out = []
    for cotangent, g in zip(cotangents, gradients, strict=True):
        attribution = (x * np.tensordot(weights_along, g, axes=1)).reshape(28, 28).astype(np.float32)
        total = float(np.sum((ends[0] - ends[1]) * cotangent, dtype=np.float64))
        out.append(Attribution(attribution, total, steps))
    return out


def saliencies(predictor, image: Array, digits: Sequence[int], steps: int = DEFAULT_STEPS,
               score: str = "logit") -> list[Saliency]:
    """The saliency of each class in `digits` (e.g. the answer and the runner-up) on one uint8
    image (28, 28), from one batched pass."""
    if score not in SCORES:
        raise ValueError(f"score must be one of {', '.join(SCORES)}")
    cotangents = np.eye(10, dtype=np.float32)[list(digits)]
    found = integrated_gradients(predictor, image, SCORES[score], cotangents, steps)
    return [Saliency(a.map, a.total, a.steps, digit=int(d), score=score) for a, d in zip(found, digits, strict=True)]


def saliency(predictor, image: Array, digit: int, steps: int = DEFAULT_STEPS, score: str = "logit") -> Saliency:
    """Which pixels of one uint8 image (28, 28) pushed class `digit`'s score up (or down)."""
    return saliencies(predictor, image, [digit], steps, score)[0]


def unit_attribution(predictor, image: Array, layer: str, unit: int | tuple[int, ...],
                     steps: int = DEFAULT_STEPS // 2) -> Attribution:
    """Which pixels made one unit of a layer fire: `unit` indexes the layer's output for one
    image (an int for a dense layer, (row, column, channel) for a feature map)."""
    shapes = output_shapes(inside(predictor), predictor.input_shape)
    if layer not in shapes:
        raise ValueError(f"no layer {layer!r}")
    shape = shapes[layer]
    cotangent = np.zeros((1, *shape), np.float32)
    cotangent[(0, *np.atleast_1d(unit))] = 1
    return integrated_gradients(predictor, image, layer, cotangent, steps)[0]
