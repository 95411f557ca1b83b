"""The stroke renderer that imitates the browser canvas (Fabric.js free drawing)."""

import numpy as np
import pytest

from mnist_demo.canvas import CANVAS_SIZE, STROKE_WIDTH
from mnist_demo.render import placed_strokes, random_fraction, render_strokes

TWO = [[[0, 10], [10, 0], [25, 0], [35, 10], [30, 25], [0, 50], [40, 50]]]
FOUR = [[[30, 0], [0, 40], [40, 40]], [[30, 0], [30, 60]]]
PAD = 40


def ink(rgba: np.ndarray) -> np.ndarray:
    return rgba[..., 0].astype(np.int64)


def ink_box(rgba: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the drawn pixels, bottom and right exclusive."""
    drawn = rgba[..., 0] > 0
    rows, cols = np.flatnonzero(drawn.any(axis=1)), np.flatnonzero(drawn.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def test_output_is_a_size_square_rgba_uint8_image():
    rgba = render_strokes(TWO, size=100)
    assert rgba.shape == (100, 100, 4)
    assert rgba.dtype == np.uint8
    assert np.all(rgba[..., 3] == 255)


def test_larger_side_spans_the_fraction_and_aspect_is_kept():
    placed = np.concatenate(placed_strokes(FOUR, fraction=0.5))
    extent = placed.max(axis=0) - placed.min(axis=0)
    assert extent[1] == pytest.approx(0.5 * CANVAS_SIZE)
    assert extent[0] / extent[1] == pytest.approx(40 / 60)


def test_offset_is_the_top_left_of_the_brush_footprint():
    fraction, offset = 0.5, (30, 45)
    top, left, bottom, right = ink_box(render_strokes(TWO, fraction=fraction, offset=offset))
    assert (left, top) == offset
    height = fraction * CANVAS_SIZE
    assert bottom - top == round(height + STROKE_WIDTH)
    assert abs((right - left) - (height * 40 / 50 + STROKE_WIDTH)) <= 1


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("stroke_width", [10, 28])
def test_random_placement_keeps_the_whole_footprint_inside_the_canvas(seed, stroke_width):
    rng = np.random.default_rng(seed)
    fraction = 0.8
    rgba = render_strokes(TWO, stroke_width=stroke_width, fraction=fraction, rng=rng)
    placed = np.concatenate(
        placed_strokes(TWO, stroke_width=stroke_width, fraction=fraction, rng=np.random.default_rng(seed))
    )
    assert np.all(placed - stroke_width / 2 >= 0)
    assert np.all(placed + stroke_width / 2 <= CANVAS_SIZE)
    left, top = placed.min(axis=0) - stroke_width / 2
    unclipped = render_strokes(
        TWO,
        size=CANVAS_SIZE + 2 * PAD,
        stroke_width=stroke_width,
        fraction=fraction * CANVAS_SIZE / (CANVAS_SIZE + 2 * PAD),
        offset=(left + PAD, top + PAD),
    )
    assert ink(rgba).sum() == ink(unclipped).sum()
    assert np.array_equal(rgba, unclipped[PAD:-PAD, PAD:-PAD])


def test_random_placement_covers_the_canvas():
    lefts = [
        np.concatenate(placed_strokes(TWO, fraction=0.4, rng=np.random.default_rng(seed)))[:, 0].min()
        for seed in range(200)
    ]
    free = CANVAS_SIZE - (0.4 * CANVAS_SIZE * 40 / 50 + STROKE_WIDTH)
    assert min(lefts) - STROKE_WIDTH / 2 < 0.1 * free
    assert max(lefts) - STROKE_WIDTH / 2 > 0.9 * free


def test_an_axis_too_big_to_fit_is_centred():
    placed = np.concatenate(placed_strokes(FOUR, fraction=1.0, rng=np.random.default_rng(0)))
    top, bottom = placed[:, 1].min(), placed[:, 1].max()
    assert (top, bottom) == (pytest.approx(0), pytest.approx(CANVAS_SIZE))
    left, right = placed[:, 0].min(), placed[:, 0].max()
    assert left >= STROKE_WIDTH / 2 and right <= CANVAS_SIZE - STROKE_WIDTH / 2


def test_seeding_repeats_and_different_seeds_differ():
    first = render_strokes(TWO, fraction=0.5, rng=np.random.default_rng(7))
    again = render_strokes(TWO, fraction=0.5, rng=np.random.default_rng(7))
    other = render_strokes(TWO, fraction=0.5, rng=np.random.default_rng(8))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert random_fraction(np.random.default_rng(3)) == random_fraction(np.random.default_rng(3))
    assert all(0.4 <= random_fraction(np.random.default_rng(s)) <= 0.8 for s in range(50))


@pytest.mark.parametrize("stroke_width", [6, 18, 40])
def test_a_one_point_stroke_is_a_round_dot(stroke_width):
    rgba = render_strokes([[[3, 4]]], stroke_width=stroke_width, offset=(100, 120))
    area = ink(rgba).sum() / 255
    assert area == pytest.approx(np.pi * stroke_width**2 / 4, rel=0.03)
    top, left, bottom, right = ink_box(rgba)
    assert (top, left) == (120, 100)
    assert bottom - top == right - left == stroke_width


def test_several_dots_all_render():
    rgba = render_strokes([[[0, 0]], [[100, 0]], [[0, 100]]], fraction=0.5, offset=(0, 0))
    half = STROKE_WIDTH // 2
    for x, y in [(half, half), (half + 140, half), (half, half + 140)]:
        assert rgba[y, x, 0] == 255


def test_strokes_have_round_caps_and_the_brush_width():
    rgba = render_strokes([[[0, 0], [100, 0]]], fraction=0.5, offset=(50, 100))
    top, left, bottom, right = ink_box(rgba)
    assert (top, left, bottom, right) == (100, 50, 100 + STROKE_WIDTH, 50 + 140 + STROKE_WIDTH)
    assert rgba[100, 50, 0] == 0
    assert rgba[100 + STROKE_WIDTH // 2, 50, 0] > 200


def test_anti_aliasing_gives_intermediate_grey_values():
    values = render_strokes(TWO)[..., 0]
    grey = np.count_nonzero((values > 0) & (values < 255))
    assert grey > 200
    assert len(np.unique(values)) > 10
    aliased = render_strokes(TWO, supersample=1)[..., 0]
    assert set(np.unique(aliased)) <= {0, 255}


def test_colours_and_transparency():
    opaque = render_strokes(TWO, ink="#FF0000", background="#0000FF")
    assert tuple(opaque[0, 0]) == (0, 0, 255, 255)
    clear = render_strokes(TWO, ink=(255, 0, 0), transparent=True)
    drawn = clear[..., 3] > 0
    assert np.all(clear[~drawn] == 0)
    assert np.all(clear[drawn][:, :3] == (255, 0, 0))
    assert np.array_equal(clear[..., 3], render_strokes(TWO)[..., 0])


def test_no_points_raises():
    with pytest.raises(ValueError, match="no points"):
        render_strokes([[]])


def test_fabric_path_runs_from_the_first_point_through_midpoints_to_the_last():
    from mnist_demo.render import fabric_path

    points = np.array([[0, 0], [100, 0], [100, 100], [0, 100]], float)
    path = fabric_path(points, steps=4)
    assert np.array_equal(path[0], points[0]) and np.array_equal(path[-1], points[-1])
    for midpoint in (points[:-1] + points[1:]) / 2:
        assert np.min(np.linalg.norm(path - midpoint, axis=1)) < 1e-9
    # The corners are cut: the path never reaches the inner points themselves.
    assert np.min(np.linalg.norm(path - points[1], axis=1)) > 10
    assert np.array_equal(fabric_path(points[:2]), points[:2])


def test_smooth_rendering_rounds_a_coarse_corner_and_keeps_the_footprint():
    corner = [[[0, 0], [100, 0], [100, 100]]]
    sharp = render_strokes(corner, fraction=0.6, offset=(40, 40))
    round_ = render_strokes(corner, fraction=0.6, offset=(40, 40), smooth=True)
    corner_pixel = (40 + STROKE_WIDTH // 2, 40 + round(0.6 * CANVAS_SIZE) + STROKE_WIDTH // 2)
    assert sharp[corner_pixel[0], corner_pixel[1], 0] == 255
    assert round_[corner_pixel[0], corner_pixel[1], 0] == 0
    assert ink_box(round_)[0] >= 40 and ink_box(round_)[3] <= ink_box(sharp)[3]
