"""Stroke sets distorted like different hands and tablets, drawn like the canvas."""

import numpy as np
import pytest

from harness.drawing import SEVEN, ZERO
from mnist_demo.strokes import PenStyle, as_stroke_set, distorted, extent_of, rendered_image, rendered_images, resampled


def test_resampled_points_are_evenly_spaced_and_keep_the_ends():
    stroke = np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 50.0]])
    out = resampled(stroke, 10.0)
    steps = np.linalg.norm(np.diff(out, axis=0), axis=1)
    assert np.allclose(steps, 10.0)
    assert np.array_equal(out[0], stroke[0]) and np.array_equal(out[-1], stroke[-1])
    assert np.array_equal(resampled(stroke[:1], 10.0), stroke[:1])


def test_distortion_keeps_the_strokes_and_roughly_the_size_but_moves_points():
    strokes = as_stroke_set(ZERO)
    rng = np.random.default_rng(0)
    out = distorted(strokes, rng)
    assert len(out) == len(strokes)
    assert 0.6 < extent_of(out) / extent_of(strokes) < 1.6
    again = distorted(strokes, np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip(out, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(out, distorted(strokes, np.random.default_rng(1)), strict=True))


def test_rendered_image_is_framed_like_a_canvas_drawing():
    image = rendered_image(as_stroke_set(SEVEN), np.random.default_rng(3))
    assert image.shape == (28, 28) and image.dtype == np.uint8
    rows, cols = np.flatnonzero(image.max(axis=1) > 64), np.flatnonzero(image.max(axis=0) > 64)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (19, 20, 21)
    assert image.max() == 255


@pytest.mark.parametrize("width", [10, 28])
def test_a_fixed_brush_width_gives_thicker_strokes_for_a_fatter_brush(width):
    style = PenStyle(width=(width, width), fraction=(0.6, 0.6), wobble=0.0)
    thin = rendered_image(as_stroke_set(SEVEN), np.random.default_rng(0), PenStyle(width=(6, 6), fraction=(0.6, 0.6)))
    image = rendered_image(as_stroke_set(SEVEN), np.random.default_rng(0), style)
    assert (image > 64).sum() > (thin > 64).sum()


def test_rendered_images_give_variants_per_stroke_set_and_their_owners():
    images, owners = rendered_images([as_stroke_set(SEVEN), as_stroke_set(ZERO)], np.random.default_rng(0), 3)
    assert images.shape == (6, 28, 28)
    assert owners.tolist() == [0, 0, 0, 1, 1, 1]
    assert len({im.tobytes() for im in images}) == 6
