"""The drawing canvas and the preprocessing that turns a drawing into an MNIST-like image.

MNIST digits were size-normalised to fit a 20x20 box keeping their aspect ratio,
anti-aliased, then placed in a 28x28 image so that their centre of mass sits at the
centre (LeCun et al.). A canvas drawing has to go through the same steps, or the model
sees something unlike anything it was trained on.

Centre convention: index coordinates (pixel i has its centre at i). MNIST's own
centre of mass sits at (14.0, 14.0) in these coordinates (test set mean 13.99, 14.01;
std 0.29), half a pixel below and right of the geometric centre 13.5, so that is
where the centring step puts it.

Pure numpy + Pillow: no TensorFlow, no Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

CANVAS_SIZE = 280
STROKE_WIDTH = 18
STROKE_COLOR = "#FFFFFF"
BACKGROUND_COLOR = "#000000"

MNIST_SIZE = 28
DIGIT_BOX = 20
MNIST_CENTER = 14.0

INK_THRESHOLD = 64.0
MIN_INK_PIXELS = 20
MIN_INK_EXTENT = 3
MIN_CONTRAST = 24.0
MAX_INK_COVERAGE = 0.6
MAX_LONELY_INK = 0.2


@dataclass(frozen=True)
class PreprocessOptions:
    """Each step can be switched off to show what it contributes.

    crop: cut the canvas to the ink's bounding box (off: the whole canvas).
    scale: longer side to 20 px keeping the aspect ratio (off: squash to 28x28).
    center: centre of mass to the centre of the 28x28 frame (off: centre the box
    that was scaled, i.e. the ink's bounding box when cropping)."""

    crop: bool = True
    scale: bool = True
    center: bool = True


@dataclass(frozen=True)
class Preprocessed:
    """Every intermediate image (uint8, white ink on black) for display.

    `bbox` is (top, left, bottom, right) of the ink in canvas pixels, bottom and right
    exclusive (slice bounds)."""

    ink: np.ndarray
    crop: np.ndarray
    scaled: np.ndarray
    image: np.ndarray
    bbox: tuple[int, int, int, int]


def validated_canvas(rgba: object) -> np.ndarray:
    if not isinstance(rgba, np.ndarray):
        raise ValueError(f"expected a numpy array of shape (H, W, 4) or (H, W, 3), got {type(rgba).__name__}")
    if rgba.dtype != np.uint8:
        raise ValueError(f"expected a uint8 canvas image, got dtype {rgba.dtype}")
    if rgba.ndim != 3 or rgba.shape[2] not in (3, 4) or rgba.shape[0] == 0 or rgba.shape[1] == 0:
        raise ValueError(f"expected a canvas image of shape (H, W, 4) or (H, W, 3), got {rgba.shape}")
    return rgba


def as_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def border_pixels(image: np.ndarray) -> np.ndarray:
    """The pixels on the image's outer frame, (N, C)."""
    return np.concatenate([image[0], image[-1], image[1:-1, 0], image[1:-1, -1]])


def composited_on_contrasting_background(rgba: np.ndarray) -> np.ndarray:
    """RGB (uint8) of a drawing with real transparency, laid over black or white, whichever
    the ink stands out from more (white ink on a transparent canvas would vanish on white)."""
    alpha = rgba[..., 3:].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32)
    ink_color = (rgb * alpha).reshape(-1, 3).sum(0) / max(float(alpha.sum()), 1e-6)
    background = 0.0 if np.linalg.norm(ink_color) >= np.linalg.norm(255.0 - ink_color) else 255.0
    return as_uint8(rgb * alpha + background * (1.0 - alpha))


def opaque_rgb(rgba: np.ndarray) -> np.ndarray:
    """The canvas as it looks, (H, W, 3) uint8; a canvas whose alpha is the same everywhere
    (the browser bakes an opaque background in) is its RGB as is."""
    if rgba.shape[2] == 4 and rgba[..., 3].min() != rgba[..., 3].max():
        return composited_on_contrasting_background(rgba)
    return rgba[..., :3]


def color_distance(rgb: np.ndarray, color: np.ndarray) -> np.ndarray:
    """Largest per-channel difference of each pixel from `color`, (H, W) uint8.

    For ink of one colour anti-aliased over the background, any norm grows linearly
    with coverage; this one stays in uint8 and is several times faster than RMS."""
    distance = np.zeros(rgb.shape[:2], np.uint8)
    for channel, value in zip(np.moveaxis(rgb, 2, 0), color, strict=True):
        difference = np.maximum(channel, value)
        difference -= np.minimum(channel, value)
        np.maximum(distance, difference, out=distance)
    return distance


def ink_intensity(rgba: np.ndarray) -> np.ndarray:
    """How much ink each pixel holds, (H, W) float32 in 0..255, whatever the colours.

    Ink is the colour distance from the background (the median border colour), scaled
    so that the strongest ink in the image is 255. When the alpha channel varies the
    drawing is laid over a contrasting background first, so ink counts as alpha times
    its colour contrast. A drawing with less contrast than MIN_CONTRAST (noise, a flat
    image) has no ink at all."""
    rgb = opaque_rgb(validated_canvas(rgba))
    background = np.rint(np.median(border_pixels(rgb), axis=0)).astype(np.uint8)
    distance = color_distance(rgb, background)
    strongest = int(distance.max())
    if strongest < MIN_CONTRAST:
        return np.zeros(distance.shape, np.float32)
    return distance.astype(np.float32) * np.float32(255.0 / strongest)


def ink_bbox(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right), exclusive, of the pixels above threshold; None if there are none."""
    mask = ink > threshold
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def is_drawing(ink: np.ndarray, bbox: tuple[int, int, int, int] | None) -> bool:
    """False for a blank canvas, a speck nobody would call a drawing, or noise."""
    return drawing_problem(ink, bbox) is None


def drawing_problem(ink: np.ndarray, bbox: tuple[int, int, int, int] | None) -> str | None:
    """"blank" (nothing, or a speck), "noise" (scattered dots or a flooded canvas), or None for a drawing.

    Pen strokes are solid: almost every ink pixel has ink next to it. In noise many ink
    pixels stand alone, and a canvas mostly covered in ink holds no digit either."""
    if bbox is None:
        return "blank"
    top, left, bottom, right = bbox
    if bottom - top < MIN_INK_EXTENT and right - left < MIN_INK_EXTENT:
        return "blank"
    mask = ink > INK_THRESHOLD
    count = int(np.count_nonzero(mask))
    if count < MIN_INK_PIXELS:
        return "blank"
    if count > MAX_INK_COVERAGE * mask.size:
        return "noise"
    padded = np.pad(mask, 1)
    neighbours = (padded[:-2, 1:-1].astype(np.uint8) + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:])
    lonely = np.count_nonzero(mask & (neighbours <= 1))
    return "noise" if lonely > MAX_LONELY_INK * count else None


def canvas_problem(rgba: np.ndarray) -> str | None:
    """Why a canvas gives no prediction ("blank" or "noise"), or None when it holds a drawing."""
    ink = ink_intensity(rgba)
    return drawing_problem(ink, ink_bbox(ink))


def resampling_filter(before: int, after: int) -> Image.Resampling:
    """Area average when shrinking, bilinear when enlarging."""
    return Image.Resampling.BOX if after <= before else Image.Resampling.BILINEAR


def resized(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Anti-aliased resize of a float image, one axis at a time so that each gets the
    filter that suits it (a squashed crop can shrink one way and grow the other)."""
    h, w = image.shape
    pil = Image.fromarray(np.ascontiguousarray(image, np.float32))
    if width != w:
        pil = pil.resize((width, h), resampling_filter(w, width))
    if height != h:
        pil = pil.resize((width, height), resampling_filter(h, height))
    return np.asarray(pil, np.float32)


def fitted_to_box(image: np.ndarray, box: int = DIGIT_BOX) -> np.ndarray:
    """The image with its longer side resized to `box` pixels, aspect ratio kept."""
    h, w = image.shape
    factor = box / max(h, w)
    return resized(image, max(1, round(h * factor)), max(1, round(w * factor)))


def stretched_to_full_intensity(image: np.ndarray) -> np.ndarray:
    """Thin strokes averaged down to grey are brought back to full ink, as in MNIST
    (almost every MNIST digit has pixels at 255)."""
    peak = float(image.max())
    return image * np.float32(255.0 / peak) if peak > 0 else image


def nonzero_span(profile: np.ndarray) -> tuple[int, int]:
    nonzero = np.flatnonzero(profile > 0)
    return int(nonzero[0]), int(nonzero[-1]) + 1


def paste_offset(profile: np.ndarray, target: float | None, size: int = MNIST_SIZE) -> int:
    """Where to put the image along one axis: its centre of mass on `target`, but never so
    far that ink falls off the frame; the image itself centred when target is None."""
    if target is None:
        return round((size - profile.size) / 2)
    first, last = nonzero_span(profile)
    mass = float(profile @ np.arange(profile.size) / profile.sum())
    return int(np.clip(round(target - mass), -first, size - last))


def pasted(image: np.ndarray, top: int, left: int, size: int = MNIST_SIZE) -> np.ndarray:
    """The image placed at (top, left) in a size x size black frame, clipped to the frame."""
    out = np.zeros((size, size), image.dtype)
    h, w = image.shape
    src_top, src_left = max(0, -top), max(0, -left)
    dst_top, dst_left = max(0, top), max(0, left)
    rows = min(h - src_top, size - dst_top)
    cols = min(w - src_left, size - dst_left)
    if rows > 0 and cols > 0:
        out[dst_top : dst_top + rows, dst_left : dst_left + cols] = image[
            src_top : src_top + rows, src_left : src_left + cols
        ]
    return out


def preprocess_canvas(rgba: np.ndarray, options: PreprocessOptions | None = None) -> Preprocessed | None:
    """The MNIST-like 28x28 image of a canvas drawing with every intermediate step;
    None when the canvas is blank or holds only a speck.

    Accepts any uint8 (H, W, 4) or (H, W, 3) image, read-only included: white on black,
    black on white, coloured ink, ink on a transparent background."""
    options = options or PreprocessOptions()
    ink = ink_intensity(rgba)
    bbox = ink_bbox(ink)
    if not is_drawing(ink, bbox):
        return None
    top, left, bottom, right = bbox
    crop = ink[top:bottom, left:right] if options.crop else ink
    scaled = fitted_to_box(crop) if options.scale else resized(crop, MNIST_SIZE, MNIST_SIZE)
    scaled = as_uint8(stretched_to_full_intensity(scaled)).astype(np.float32)
    target = MNIST_CENTER if options.center else None
    row_offset = paste_offset(scaled.sum(axis=1), target)
    col_offset = paste_offset(scaled.sum(axis=0), target)
    image = pasted(scaled, row_offset, col_offset)
    return Preprocessed(
        ink=as_uint8(ink), crop=as_uint8(crop), scaled=as_uint8(scaled), image=as_uint8(image), bbox=bbox
    )
