"""Pen strokes distorted the way different hands and tablets draw, rendered like the canvas.

A stroke set is a list of (N, 2) arrays of [x, y] points, y down, in any units. To make
training images from a few real or synthetic stroke sets, each is drawn many times:

1. sampled again along its length at a random spacing, coarse now and then, as old
   tablets and fast mouse moves sample it (`resampled`);
2. rotated, sheared and stretched, then bent by a smooth random displacement
   (`distorted`), so a letter from a font looks written by hand;
3. drawn by `render.render_strokes` with a random brush width, size and position,
   half of the time along Fabric.js' smoothed path, and preprocessed by the app's own
   `canvas.preprocess_canvas` (`rendered_image`): exactly what the model sees on Draw.

Pure numpy + Pillow; every random choice comes from the generator passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .canvas import CANVAS_SIZE, as_uint8, preprocess_canvas
from .render import coverage, placed_strokes

StrokeSet = list[np.ndarray]


@dataclass(frozen=True)
class PenStyle:
    """Ranges the random drawing is drawn from; angles in degrees, lengths as fractions of
    the stroke set's larger side."""

    width: tuple[float, float] = (8.0, 30.0)
    fraction: tuple[float, float] = (0.35, 0.85)
    rotation: float = 12.0
    shear: float = 0.25
    aspect: float = 0.25  # log of the x/y scale ratio, uniform in ±aspect
    wobble: float = 0.035  # amplitude of the smooth displacement
    smooth: float = 0.5  # probability of drawing along Fabric's smoothed path
    coarse: float = 0.3  # probability of resampling coarsely (polygonal strokes)
    spacing: tuple[float, float] = (0.015, 0.04)
    coarse_spacing: tuple[float, float] = (0.06, 0.16)
    supersample: int = 2


DEFAULT_STYLE = PenStyle()


def as_stroke_set(strokes: Iterable[Sequence[Sequence[float]]]) -> StrokeSet:
    arrays = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes]
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        raise ValueError("no points: a stroke set needs at least one [x, y] point")
    return arrays


def extent_of(strokes: StrokeSet) -> float:
    points = np.concatenate(strokes)
    return float(max((points.max(axis=0) - points.min(axis=0)).max(), 1e-9))


def resampled(stroke: np.ndarray, spacing: float) -> np.ndarray:
    """The stroke's polyline sampled every `spacing` units along its length, ends kept."""
    if len(stroke) < 2:
        return stroke
    steps = np.linalg.norm(np.diff(stroke, axis=0), axis=1)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    if along[-1] <= spacing:
        return stroke[[0, -1]]
    at = np.append(np.arange(0.0, along[-1], spacing), along[-1])
    return np.stack([np.interp(at, along, stroke[:, 0]), np.interp(at, along, stroke[:, 1])], axis=1)


def affine_matrix(rng: np.random.Generator, style: PenStyle) -> np.ndarray:
    """A random 2x2 rotation @ shear @ aspect map, in (x, y) order."""
    angle = np.deg2rad(rng.uniform(-style.rotation, style.rotation))
    shear = rng.uniform(-style.shear, style.shear)
    aspect = np.exp(rng.uniform(-style.aspect, style.aspect) / 2)
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]]) @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([aspect, 1 / aspect])


def smooth_displacement(points: np.ndarray, rng: np.random.Generator, amplitude: float, size: float) -> np.ndarray:
    """A smooth random field evaluated at `points` (N, 2): three low-frequency waves per axis,
    each of amplitude `amplitude` * size."""
    out = np.zeros_like(points)
    for axis in range(2):
        for _ in range(3):
            direction = rng.normal(size=2)
            direction /= np.linalg.norm(direction) + 1e-12
            frequency = rng.uniform(0.5, 2.0) * 2 * np.pi / size
            phase = rng.uniform(0, 2 * np.pi)
            out[:, axis] += amplitude * size * rng.uniform(0.3, 1.0) * np.sin(points @ direction * frequency + phase)
    return out


def distorted(strokes: StrokeSet, rng: np.random.Generator, style: PenStyle = DEFAULT_STYLE) -> StrokeSet:
    """The strokes resampled, under a random affine map and bent by a smooth displacement."""
    size = extent_of(strokes)
    low, high = style.coarse_spacing if rng.random() < style.coarse else style.spacing
    spacing = size * rng.uniform(low, high)
    strokes = [resampled(s, spacing) for s in strokes]
    matrix = affine_matrix(rng, style)
    points = np.concatenate(strokes)
    center = (points.min(axis=0) + points.max(axis=0)) / 2
    moved = (points - center) @ matrix.T
    moved = moved + smooth_displacement(moved, rng, style.wobble, size)
    return np.split(moved, np.cumsum([len(s) for s in strokes])[:-1])


def rendered_image(
    strokes: StrokeSet, rng: np.random.Generator, style: PenStyle = DEFAULT_STYLE, distort: bool = True
) -> np.ndarray | None:
    """The 28x28 uint8 image the model would see for these strokes drawn on the canvas with a
    random brush, size and position (distorted first when `distort`); None if the canvas
    preprocessing sees nothing to predict."""
    if distort:
        strokes = distorted(strokes, rng, style)
    width = float(rng.uniform(*style.width))
    placed = placed_strokes(
        strokes, size=CANVAS_SIZE, stroke_width=width, fraction=float(rng.uniform(*style.fraction)), rng=rng,
        smooth=bool(rng.random() < style.smooth),
    )
    # White ink on black, as render_strokes draws it, as one grey channel seen three times.
    grey = as_uint8(255.0 * coverage(placed, CANVAS_SIZE, width, style.supersample))
    steps = preprocess_canvas(np.broadcast_to(grey[..., None], (*grey.shape, 3)))
    return None if steps is None else steps.image


def rendered_images(
    stroke_sets: Sequence[StrokeSet],
    rng: np.random.Generator,
    variants: int = 1,
    style: PenStyle = DEFAULT_STYLE,
) -> tuple[np.ndarray, np.ndarray]:
    """`variants` random drawings of each stroke set: images (M, 28, 28) uint8 and, for each,
    the index of the stroke set it came from (M,); drawings the preprocessing rejects are left out."""
    images, owners = [], []
    for index, strokes in enumerate(stroke_sets):
        for _ in range(variants):
            image = rendered_image(strokes, rng, style)
            if image is not None:
                images.append(image)
                owners.append(index)
    if not images:
        return np.zeros((0, 28, 28), np.uint8), np.zeros((0,), np.int64)
    return np.stack(images), np.array(owners, np.int64)
