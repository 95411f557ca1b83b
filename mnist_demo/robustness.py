"""A robustness lab: a digit shifted, rotated, scaled, thickened, thinned or made noisy, and
curves of test accuracy against shift and rotation.

The distortions work on uint8 images (28, 28), or batches (N, 28, 28), in numpy alone.
Rotation and scaling turn about MNIST's centre of mass (14, 14), where every centred digit
has its own, and sample bilinearly with black outside the frame; shifts by whole pixels move
the pixels exactly. Stroke thickness changes by grey-level dilation (thicker) or erosion
(thinner) with a 3x3 square, one pixel per step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .canvas import MNIST_CENTER, as_uint8

Array = np.ndarray
SHIFTS = tuple(range(0, 9))
ROTATIONS = tuple(range(0, 91, 10))
# A shift of s pixels is taken in each of these directions (dx, dy) and the accuracies averaged.
DIRECTIONS = ((1, 0), (0, 1), (-1, 0), (0, -1))


@dataclass(frozen=True)
class Distortion:
    """What a slider does to a digit: `shift` (dx, dy) in pixels (right, down), `rotation` in
    degrees (anticlockwise), `scale` (1 = as drawn), `thickness` in pixels (negative: thinner),
    `noise` the standard deviation of Gaussian noise in grey levels (0-255)."""

    shift: tuple[float, float] = (0.0, 0.0)
    rotation: float = 0.0
    scale: float = 1.0
    thickness: int = 0
    noise: float = 0.0
    seed: int = 0

    def apply(self, images: Array) -> Array:
        """The distorted uint8 image (28, 28) or batch (N, 28, 28): thickness first, then the
        geometry, then the noise."""
        return distorted(images, self)


def _as_batch(images: Array) -> tuple[Array, bool]:
    images = np.asarray(images)
    return (images[None], True) if images.ndim == 2 else (images, False)


def shifted(images: Array, dx: int, dy: int) -> Array:
    """Moved by whole pixels, right by dx and down by dy; what leaves the frame is lost."""
    batch, single = _as_batch(images)
    out = np.zeros_like(batch)
    h, w = batch.shape[1:]
    dx, dy = int(dx), int(dy)
    if abs(dx) < w and abs(dy) < h:
        out[:, max(0, dy) : h + min(0, dy), max(0, dx) : w + min(0, dx)] = \
            batch[:, max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
    return out[0] if single else out


def _extreme_filtered(batch: Array, pick: Callable) -> Array:
    padded = np.pad(batch, ((0, 0), (1, 1), (1, 1)))
    h, w = batch.shape[1:]
    out = batch.copy()
    for dr in range(3):
        for dc in range(3):
            pick(out, padded[:, dr : dr + h, dc : dc + w], out=out)
    return out


def thickened(images: Array, pixels: int = 1) -> Array:
    """Strokes grown by `pixels` (grey dilation: each pixel takes the brightest of its 3x3)."""
    batch, single = _as_batch(images)
    for _ in range(pixels):
        batch = _extreme_filtered(batch, np.maximum)
    return batch[0] if single else batch


def thinned(images: Array, pixels: int = 1) -> Array:
    """Strokes worn down by `pixels` (grey erosion: each pixel takes the darkest of its 3x3)."""
    batch, single = _as_batch(images)
    for _ in range(pixels):
        batch = _extreme_filtered(batch, np.minimum)
    return batch[0] if single else batch


def transformed(images: Array, rotation: float = 0.0, scale: float = 1.0, shift: tuple[float, float] = (0.0, 0.0),
                center: float = MNIST_CENTER) -> Array:
    """Rotated by `rotation` degrees anticlockwise and scaled by `scale` about (center, center),
    then moved by `shift` (dx, dy) pixels, sampled bilinearly (black outside the frame)."""
    batch, single = _as_batch(images)
    n, h, w = batch.shape
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    # Where each output pixel comes from: the inverse of shift after scale-rotate about the centre.
    y, x = rows - shift[1] - center, cols - shift[0] - center
    angle = np.deg2rad(rotation)
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    src_x = cos * x - sin * y + center  # rotating the picture anticlockwise (y pointing down)
    src_y = sin * x + cos * y + center
    x0, y0 = np.floor(src_x).astype(int), np.floor(src_y).astype(int)
    fx, fy = (src_x - x0).astype(np.float32), (src_y - y0).astype(np.float32)
    padded = np.pad(batch.astype(np.float32), ((0, 0), (1, 1), (1, 1)))

    def at(r, c):
        inside = (r >= -1) & (r <= h) & (c >= -1) & (c <= w)
        return padded[:, np.clip(r + 1, 0, h + 1), np.clip(c + 1, 0, w + 1)] * inside

    out = (at(y0, x0) * (1 - fx) * (1 - fy) + at(y0, x0 + 1) * fx * (1 - fy)
           + at(y0 + 1, x0) * (1 - fx) * fy + at(y0 + 1, x0 + 1) * fx * fy)
    out = as_uint8(out)
    return out[0] if single else out


def noisy(images: Array, sigma: float, seed: int = 0) -> Array:
    """With Gaussian noise of standard deviation `sigma` grey levels added (clipped to 0-255)."""
    images = np.asarray(images)
    noise = np.random.default_rng(seed).normal(0.0, sigma, images.shape)
    return as_uint8(images.astype(np.float32) + noise)


def distorted(images: Array, distortion: Distortion) -> Array:
    """`distortion` applied to a uint8 image (28, 28) or batch (N, 28, 28)."""
    d = distortion
    out = np.asarray(images)
    if d.thickness > 0:
        out = thickened(out, d.thickness)
    elif d.thickness < 0:
        out = thinned(out, -d.thickness)
    whole = all(float(v).is_integer() for v in d.shift)
    if d.rotation or d.scale != 1 or not whole:
        out = transformed(out, d.rotation, d.scale, d.shift)
    elif d.shift != (0, 0):
        out = shifted(out, int(d.shift[0]), int(d.shift[1]))
    if d.noise > 0:
        out = noisy(out, d.noise, d.seed)
    return out


@dataclass(frozen=True)
class Curve:
    """Accuracy (share right) at each value of one distortion, e.g. shift in pixels."""

    parameter: str
    values: tuple[float, ...]
    accuracies: tuple[float, ...]

    def accuracy_at(self, value: float) -> float:
        return self.accuracies[self.values.index(value)]

    def to_dict(self) -> dict:
        return {"parameter": self.parameter, "values": list(self.values),
                "accuracies": [round(a, 4) for a in self.accuracies]}


def accuracy(predictor, images: Array, labels: Array) -> float:
    return float(np.mean(predictor.predict_images(images).argmax(axis=1) == np.asarray(labels)))


def accuracy_curve(predictor, images: Array, labels: Array, parameter: str, values: Sequence[float],
                   distortions: Callable[[float], Sequence[Distortion]],
                   on_progress: Callable[[int, int], None] | None = None) -> Curve:
    """The accuracy at each value, averaged over the distortions `distortions(value)` gives."""
    out = []
    for i, value in enumerate(values):
        out.append(float(np.mean([accuracy(predictor, d.apply(images), labels) for d in distortions(value)])))
        if on_progress is not None:
            on_progress(i + 1, len(values))
    return Curve(parameter, tuple(values), tuple(out))


def shift_curve(predictor, images: Array, labels: Array, shifts: Sequence[int] = SHIFTS, **kwargs) -> Curve:
    """Accuracy against a shift of s pixels, averaged over right, down, left and up."""
    def distortions(s: int) -> list[Distortion]:
        return [Distortion(shift=(s * dx, s * dy)) for dx, dy in DIRECTIONS] if s else [Distortion()]

    return accuracy_curve(predictor, images, labels, "shift", shifts, distortions, **kwargs)


def rotation_curve(predictor, images: Array, labels: Array, angles: Sequence[float] = ROTATIONS, **kwargs) -> Curve:
    """Accuracy against a rotation of a degrees, averaged over clockwise and anticlockwise."""
    return accuracy_curve(predictor, images, labels, "rotation", angles,
                          lambda a: [Distortion(rotation=a), Distortion(rotation=-a)] if a else [Distortion()],
                          **kwargs)



LAB_SHIFTS = tuple(range(0, 7))
LAB_ROTATIONS = tuple(range(0, 91, 15))
LAB_IMAGES = 500  # the first test images the lab's curves are measured on


def lab_curves(predictor, images: Array, labels: Array,
               on_progress: Callable[[int, int], None] | None = None) -> dict[str, Curve]:
    """The lab's two curves, {"shift": ..., "rotation": ...}; `on_progress(done, total)` counts
    the points of both curves."""
    total = len(LAB_SHIFTS) + len(LAB_ROTATIONS)

    def counted(before: int):
        return None if on_progress is None else (lambda i, _n: on_progress(before + i, total))

    shift = shift_curve(predictor, images, labels, LAB_SHIFTS, on_progress=counted(0))
    rotation = rotation_curve(predictor, images, labels, LAB_ROTATIONS, on_progress=counted(len(LAB_SHIFTS)))
    return {"shift": shift, "rotation": rotation}


def holds_better(mlp: Curve, cnn: Curve, value: float) -> str:
    """Which kind keeps more test accuracy at `value` (e.g. 3 pixels of shift): "cnn" or "mlp"."""
    return "cnn" if cnn.accuracy_at(value) > mlp.accuracy_at(value) else "mlp"
