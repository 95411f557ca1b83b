"""MNIST-style preprocessing of canvas drawings, pinned on synthetic drawings.

Centre convention: index coordinates (pixel i has its centre at i); the centring step
puts the centre of mass at MNIST's own, (14.0, 14.0), within the half pixel an integer
shift allows, which is also within 1 px of the geometric centre (13.5, 13.5).
"""


import numpy as np
import pytest

from mnist_demo.canvas import (
    CANVAS_SIZE,
    MNIST_CENTER,
    STROKE_WIDTH,
    Preprocessed,
    PreprocessOptions,
    ink_intensity,
    preprocess_canvas,
)
from mnist_demo.render import render_strokes

TWO = [[[0, 10], [10, 0], [25, 0], [35, 10], [30, 25], [0, 50], [40, 50]]]
SEVEN = [[[0, 0], [40, 0], [15, 60]], [[10, 30], [35, 30]]]
ONE = [[[3, 0], [0, 60]]]
HUGE_FRACTION = (CANVAS_SIZE - STROKE_WIDTH) / CANVAS_SIZE

DRAWINGS = {
    "default": {},
    "thin": {"stroke_width": 6},
    "thick": {"stroke_width": 40},
    "top-left corner": {"fraction": 0.3, "offset": (0, 0)},
    "bottom-right corner": {"fraction": 0.3, "offset": (180, 180)},
    "tiny": {"fraction": 0.1},
    "huge": {"fraction": HUGE_FRACTION, "offset": (0, 0)},
    "black on white": {"ink": (0, 0, 0), "background": (255, 255, 255)},
    "on transparent": {"transparent": True},
    "black on transparent": {"transparent": True, "ink": (0, 0, 0)},
    "coloured": {"ink": "#3366cc", "background": "#ffeecc"},
}


def ink_extent(image: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def ink_margins(image: np.ndarray) -> tuple[int, int, int, int]:
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    size = image.shape[0]
    return int(rows[0]), int(size - 1 - rows[-1]), int(cols[0]), int(size - 1 - cols[-1])


def center_of_mass(image: np.ndarray) -> np.ndarray:
    weights = image.astype(np.float64)
    index = np.arange(image.shape[0])
    return np.array([weights.sum(1) @ index, weights.sum(0) @ index]) / weights.sum()


def canvas(shape=(CANVAS_SIZE, CANVAS_SIZE), color=(0, 0, 0, 255)) -> np.ndarray:
    return np.broadcast_to(np.array(color, np.uint8), (*shape, len(color))).copy()


def assert_mnist_like(steps: Preprocessed) -> None:
    assert steps.image.shape == (28, 28)
    assert steps.image.dtype == np.uint8
    assert steps.image.max() == 255
    assert max(ink_extent(steps.image)) in (19, 20, 21)
    com = center_of_mass(steps.image)
    assert np.all(np.abs(com - MNIST_CENTER) <= 0.5 + 1e-9), com
    assert np.all(np.abs(com - 13.5) <= 1.0), com


@pytest.mark.parametrize("digit", [TWO, SEVEN, ONE], ids=["two", "seven (2 strokes)", "one"])
@pytest.mark.parametrize("drawing", DRAWINGS.values(), ids=DRAWINGS.keys())
def test_drawings_become_mnist_like(digit, drawing):
    rgba = render_strokes(digit, **drawing)
    steps = preprocess_canvas(rgba)
    assert steps is not None
    assert_mnist_like(steps)
    for step in (steps.ink, steps.crop, steps.scaled):
        assert step.dtype == np.uint8
    assert steps.ink.shape == rgba.shape[:2]
    top, left, bottom, right = steps.bbox
    assert steps.crop.shape == (bottom - top, right - left)


@pytest.mark.parametrize("name", ["black on white", "on transparent", "black on transparent", "coloured"])
def test_colours_and_transparency_give_the_same_image_as_white_on_black(name):
    reference = preprocess_canvas(render_strokes(TWO))
    steps = preprocess_canvas(render_strokes(TWO, **DRAWINGS[name]))
    assert steps.bbox == reference.bbox
    assert np.abs(steps.image.astype(int) - reference.image).max() <= 3


def test_bbox_is_the_brush_footprint_in_canvas_pixels():
    fraction, offset = 0.5, (37, 52)
    footprint = fraction * CANVAS_SIZE + STROKE_WIDTH
    steps = preprocess_canvas(render_strokes(TWO, fraction=fraction, offset=offset))
    top, left, bottom, right = steps.bbox
    assert abs(top - offset[1]) <= 1 and abs(left - offset[0]) <= 1
    assert abs((bottom - top) - footprint) <= 2


def test_thin_strokes_stay_visible():
    steps = preprocess_canvas(render_strokes(TWO, stroke_width=3))
    assert steps is not None
    assert np.count_nonzero(steps.image > 127) >= 20


def test_corner_and_centre_drawings_give_the_same_image():
    centred = preprocess_canvas(render_strokes(TWO, fraction=0.3, offset=(100, 100))).image
    corner = preprocess_canvas(render_strokes(TWO, fraction=0.3, offset=(0, 0))).image
    difference = np.abs(centred.astype(int) - corner)
    assert difference.max() <= 16 and difference.mean() < 1


@pytest.mark.parametrize(
    "rgba",
    [
        canvas(),
        canvas(color=(255, 255, 255, 255)),
        canvas(color=(0, 0, 0, 0)),
        canvas(color=(40, 90, 200)),
        canvas(shape=(1, 1)),
    ],
    ids=["black", "white", "transparent", "rgb", "1x1"],
)
def test_blank_canvas_is_none(rgba):
    assert preprocess_canvas(rgba) is None


def test_a_dot_is_not_a_drawing():
    dot = render_strokes([[[0, 0]]], stroke_width=3, offset=(140, 140))
    assert preprocess_canvas(dot) is None


def test_a_few_stray_pixels_are_not_a_drawing():
    rgba = canvas()
    rgba[10, 10:14] = 255
    rgba[200, 50] = 255
    assert preprocess_canvas(rgba) is None


def test_low_contrast_noise_is_not_a_drawing():
    rng = np.random.default_rng(0)
    rgba = canvas(color=(128, 128, 128, 255))
    rgba[..., :3] += rng.integers(0, 8, (CANVAS_SIZE, CANVAS_SIZE, 3), dtype=np.uint8)
    assert preprocess_canvas(rgba) is None


def test_a_short_line_is_a_drawing():
    line = render_strokes([[[0, 0], [0, 1]]], stroke_width=4, fraction=0.1, offset=(100, 100))
    steps = preprocess_canvas(line)
    assert steps is not None
    assert max(ink_extent(steps.image)) == 20


def test_read_only_input_is_accepted_and_left_alone():
    rgba = render_strokes(SEVEN)
    before = rgba.copy()
    rgba.setflags(write=False)
    steps = preprocess_canvas(rgba)
    assert steps is not None
    assert np.array_equal(rgba, before)


def test_three_channel_input_is_accepted():
    steps = preprocess_canvas(np.ascontiguousarray(render_strokes(TWO)[..., :3]))
    assert_mnist_like(steps)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((280, 280), np.uint8),
        np.zeros((280, 280, 2), np.uint8),
        np.zeros((280, 280, 5), np.uint8),
        np.zeros((280, 280, 4), np.float32),
        np.zeros((280, 280, 4), np.int64),
        np.zeros((0, 280, 4), np.uint8),
        [[[0, 0, 0, 255]]],
        None,
    ],
    ids=["2d", "2 channels", "5 channels", "float32", "int64", "empty", "list", "None"],
)
def test_wrong_input_raises_value_error(bad):
    with pytest.raises(ValueError, match="expected"):
        preprocess_canvas(bad)


def test_ink_intensity_is_float_0_to_255_whatever_the_colours():
    white_on_black = ink_intensity(render_strokes(TWO))
    black_on_white = ink_intensity(render_strokes(TWO, ink="#000000", background="#FFFFFF"))
    assert white_on_black.dtype == np.float32
    assert white_on_black.min() == 0 and white_on_black.max() == pytest.approx(255)
    assert np.allclose(white_on_black, black_on_white, atol=0.5)
    partial = white_on_black[(white_on_black > 0) & (white_on_black < 255)]
    assert partial.size > 100


def test_crop_off_uses_the_whole_canvas():
    rgba = render_strokes(TWO, fraction=0.3, offset=(0, 0))
    steps = preprocess_canvas(rgba, PreprocessOptions(crop=False))
    assert steps.crop.shape == (CANVAS_SIZE, CANVAS_SIZE)
    assert steps.scaled.shape == (20, 20)
    expected = (0.3 * CANVAS_SIZE + STROKE_WIDTH) * 20 / CANVAS_SIZE
    assert abs(max(ink_extent(steps.image)) - expected) <= 1.5
    assert np.all(np.abs(center_of_mass(steps.image) - MNIST_CENTER) <= 0.5 + 1e-9)


def test_scale_off_squashes_the_crop_to_the_full_frame():
    steps = preprocess_canvas(render_strokes(ONE), PreprocessOptions(scale=False))
    assert steps.scaled.shape == (28, 28)
    assert ink_extent(steps.image) == (28, 28)


def test_center_off_centres_the_bounding_box():
    rgba = render_strokes(SEVEN)
    steps = preprocess_canvas(rgba, PreprocessOptions(center=False))
    top, bottom, left, right = ink_margins(steps.image)
    assert abs(top - bottom) <= 1 and abs(left - right) <= 1
    centred = preprocess_canvas(rgba).image
    assert not np.array_equal(steps.image, centred)


def test_all_steps_off_is_the_whole_canvas_resized():
    rgba = render_strokes(TWO, fraction=0.3, offset=(0, 0))
    steps = preprocess_canvas(rgba, PreprocessOptions(crop=False, scale=False, center=False))
    extent = (0.3 * CANVAS_SIZE + STROKE_WIDTH) * 28 / CANVAS_SIZE
    assert abs(max(ink_extent(steps.image)) - extent) <= 1.5
    top, _, left, _ = ink_margins(steps.image)
    assert top == 0 and left == 0
