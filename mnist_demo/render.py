"""Drawing pen strokes the way the browser canvas does (Fabric.js free drawing).

Used to synthesise realistic canvas images from pen trajectories: for the drawn-digits
benchmark, for training the shipped model (`strokes.rendered_digit_images`) and for tests.
A stroke is a polyline drawn with a round brush of diameter W (round caps and joins; a
one-point stroke is a dot), anti-aliased by drawing at `supersample` times the resolution
and averaging down.

With `smooth=True` a stroke follows the path Fabric.js' PencilBrush draws through its
points instead of the polyline: a quadratic Bezier from each point's midpoint with the
previous one to the next midpoint, the point itself as control, then a straight end to
the last point. Coarsely sampled strokes then come out round, as they do in the browser;
the drawn-digits reference measurement draws polylines, the default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict

import numpy as np
from PIL import Image, ImageColor, ImageDraw

from .canvas import CANVAS_SIZE, STROKE_WIDTH

if TYPE_CHECKING:
    from typing import Unpack  # Python 3.11+; annotations are not evaluated here

Color = str | tuple[int, int, int]
Strokes = Sequence[Sequence[Sequence[float]]]


def rgb(color: Color) -> tuple[int, int, int]:
    if isinstance(color, str):
        return ImageColor.getrgb(color)[:3]
    return tuple(int(c) for c in color[:3])


def stroke_arrays(strokes: Strokes) -> list[np.ndarray]:
    arrays = [np.asarray(stroke, np.float64).reshape(-1, 2) for stroke in strokes]
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        raise ValueError("no points to draw: strokes must hold at least one [x, y] point")
    return arrays


def fabric_path(points: np.ndarray, steps: int = 4) -> np.ndarray:
    """The polyline (M, 2) that Fabric.js' PencilBrush strokes through `points` (N, 2):
    moveTo(p0), quadraticCurveTo(p_i, midpoint(p_i, p_i+1)) for each inner point, lineTo(last);
    each curve flattened into `steps` segments."""
    points = np.asarray(points, np.float64)
    if len(points) < 3:
        return points
    mids = (points[:-1] + points[1:]) / 2
    t = np.linspace(0.0, 1.0, steps + 1)[1:, None, None]
    start, control, end = mids[None, :-1], points[None, 1:-1], mids[None, 1:]
    curves = (1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end  # (steps, curves, 2)
    return np.concatenate([points[:1], mids[:1], curves.transpose(1, 0, 2).reshape(-1, 2), points[-1:]])


def random_fraction(rng: np.random.Generator, low: float = 0.4, high: float = 0.8) -> float:
    """A digit size as a fraction of the canvas, as in the drawn-digits reference rendering."""
    return float(rng.uniform(low, high))


def footprint_origin(
    extent: float, size: int, stroke_width: float, offset: float | None, rng: np.random.Generator | None
) -> float:
    """Where the brush footprint (path extent + W) starts along one axis."""
    footprint = extent + stroke_width
    if offset is not None:
        return float(offset)
    if rng is not None and footprint <= size:
        return float(rng.uniform(0.0, size - footprint))
    return (size - footprint) / 2


def placed_strokes(
    strokes: Strokes,
    *,
    size: int = CANVAS_SIZE,
    stroke_width: float = STROKE_WIDTH,
    fraction: float = 0.6,
    offset: tuple[float, float] | None = None,
    rng: np.random.Generator | None = None,
    smooth: bool = False,
) -> list[np.ndarray]:
    """The strokes in canvas pixels: scaled keeping aspect so the larger side spans
    fraction * size, the brush footprint's top-left at `offset` (x, y), else at a uniformly
    random position keeping it inside the canvas when `rng` is given, else centred."""
    arrays = stroke_arrays(strokes)
    points = np.concatenate(arrays)
    low = points.min(axis=0)
    extent = points.max(axis=0) - low
    span = float(extent.max())
    factor = fraction * size / span if span > 0 else 0.0
    x0 = footprint_origin(extent[0] * factor, size, stroke_width, None if offset is None else offset[0], rng)
    y0 = footprint_origin(extent[1] * factor, size, stroke_width, None if offset is None else offset[1], rng)
    origin = np.array([x0, y0]) + stroke_width / 2
    placed = [(a - low) * factor + origin for a in arrays]
    return [fabric_path(a) for a in placed] if smooth else placed


def coverage(placed: list[np.ndarray], size: int, stroke_width: float, supersample: int) -> np.ndarray:
    """Brush coverage in 0..1, (size, size) float32, box-filtered from a supersampled drawing.

    Pixel k spans [k, k+1) in canvas coordinates. Pillow puts a line's centre line on pixel
    centres (hence the -0.5) but inscribes an ellipse in the pixels x0..x1 inclusive. A brush
    dot on every point makes the round caps and joins."""
    big = size * supersample
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    radius = stroke_width * supersample / 2
    width = max(1, round(stroke_width * supersample))
    for stroke in placed:
        xy = stroke * supersample
        if len(xy) > 1:
            draw.line([tuple(p) for p in xy - 0.5], fill=255, width=width)
        for x, y in xy:
            draw.ellipse((x - radius, y - radius, x + radius - 1, y + radius - 1), fill=255)
    small = mask.resize((size, size), Image.Resampling.BOX) if supersample > 1 else mask
    return np.asarray(small, np.float32) / 255.0


class Placement(TypedDict, total=False):
    """Where and how large `placed_strokes` puts the strokes (its keyword arguments)."""

    size: int
    stroke_width: float
    fraction: float
    offset: tuple[float, float] | None
    rng: np.random.Generator | None
    smooth: bool


def render_strokes(
    strokes: Strokes,
    *,
    ink: Color = (255, 255, 255),
    background: Color = (0, 0, 0),
    transparent: bool = False,
    supersample: int = 4,
    **placement: Unpack[Placement],
) -> np.ndarray:
    """A canvas image (size, size, 4) uint8 of the strokes, each a list of [x, y] points
    (any units, y down), placed as `placed_strokes` places them. With transparent=True the
    background has alpha 0 and ink pixels keep the ink colour with alpha = coverage, as the
    browser's getImageData returns them."""
    size, stroke_width = placement.get("size", CANVAS_SIZE), placement.get("stroke_width", STROKE_WIDTH)
    placed = placed_strokes(strokes, **placement)
    cover = coverage(placed, size, stroke_width, supersample)[..., None]
    ink_rgb = np.array(rgb(ink), np.float32)
    background_rgb = np.array(rgb(background), np.float32)
    if transparent:
        color = np.where(cover > 0, ink_rgb, background_rgb)
        alpha = cover * 255.0
    else:
        color = ink_rgb * cover + background_rgb * (1.0 - cover)
        alpha = np.full_like(cover, 255.0)
    return np.clip(np.rint(np.concatenate([color, alpha], axis=2)), 0, 255).astype(np.uint8)
