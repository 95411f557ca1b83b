"""The generated non-digits: Hershey letters, shapes, scribbles, crossed-out digits."""

import numpy as np
import pytest

from mnist_demo import negatives
from mnist_demo.negatives import HELD_OUT, KINDS, SHAPES, TRAIN

requires_hershey = pytest.mark.skipif(
    not negatives.hershey_available(), reason="no Hershey fonts: apt-get install hershey-fonts-data"
)


def test_a_hershey_glyph_line_becomes_its_pen_strokes():
    # "E" of futural: four strokes (the stem, the top, the middle and the bottom bar).
    strokes = negatives.parse_hershey_glyph("12345 12H[LFL[ RLFYF RLPTP RL[Y[")
    assert len(strokes) == 4
    assert strokes[0].tolist() == [[-6, -12], [-6, 9]]
    assert strokes[3].tolist() == [[-6, 9], [7, 9]]


@requires_hershey
def test_fonts_hold_every_letter_and_digit_used_and_splits_share_no_font():
    assert not set(TRAIN.fonts) & set(HELD_OUT.fonts)
    for name in TRAIN.fonts + HELD_OUT.fonts:
        font = negatives.hershey_font(name)
        for char in negatives.NON_DIGIT_LETTERS + negatives.DIGITS:
            assert font[char] and all(len(s) for s in font[char]), (name, char)


def test_a_missing_font_says_which_package_installs_it(tmp_path):
    with pytest.raises(negatives.FontMissing, match="hershey-fonts-data"):
        negatives.hershey_font("futural", tmp_path)


@pytest.mark.parametrize("name", SHAPES)
def test_every_shape_is_a_drawable_stroke_set(name):
    strokes = negatives.shape(name, np.random.default_rng(0))
    assert strokes and all(np.asarray(s).ndim == 2 and np.asarray(s).shape[1] == 2 for s in strokes)


def test_no_shape_is_a_plain_circle_or_a_single_vertical_line():
    assert not {"circle", "ellipse", "oval", "line"} & set(SHAPES)


def test_crossed_out_digit_keeps_the_digit_and_adds_strokes_over_it():
    digit = [np.array([[0.0, 0.0], [0.0, 100.0]])]
    out = negatives.crossed_out(digit, np.random.default_rng(1))
    assert np.array_equal(out[0], digit[0]) and len(out) > 1
    extra = np.concatenate(out[1:])
    assert extra[:, 1].min() <= 10 and extra[:, 1].max() >= 90


@requires_hershey
def test_negative_images_per_kind_repeat_and_differ_between_splits():
    counts = {kind: 6 for kind in KINDS}
    first = negatives.negative_images(TRAIN, counts)
    again = negatives.negative_images(TRAIN, counts)
    held_out = negatives.negative_images(HELD_OUT, counts)
    redrawn = negatives.negative_images(TRAIN, counts, seed=5)
    for kind in KINDS:
        assert first[kind].shape == (6, 28, 28) and first[kind].dtype == np.uint8
        assert (first[kind].reshape(6, -1).max(axis=1) == 255).all()
        assert np.array_equal(first[kind], again[kind])
        assert not np.array_equal(first[kind], held_out[kind])
        assert not np.array_equal(first[kind], redrawn[kind])
