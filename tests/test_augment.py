"""Training augmentation: shapes and ranges, labels kept, synthetic writing styles, framing
like the canvas preprocessing, repeatability, and the shared arrays left untouched."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from mnist_demo import augment  # noqa: E402
from mnist_demo.augment import AugmentOptions  # noqa: E402

NONE = AugmentOptions(
    slashed_zero=0.0, flagged_one=0.0, one_base=0.0, crossed_seven=0.0,
    thicker=0.0, thinner=0.0, much_thinner=0.0, rotation=0.0, shear=0.0, aspect=0.0, center_jitter=0.0,
)
SEED = tf.constant([3, 4], tf.int64)


def ring(cy=14.0, cx=14.0, ry=9.0, rx=6.0, width=1.2) -> np.ndarray:
    """An MNIST-like 0: an elliptical ring of full ink, soft edges, uint8."""
    ys, xs = np.mgrid[:28, :28].astype(np.float32)
    r = np.sqrt(((ys - cy) / ry) ** 2 + ((xs - cx) / rx) ** 2)
    distance = np.abs(r - 1.0) * min(ry, rx)
    return (255 * np.clip(width - distance + 0.5, 0, 1)).astype(np.uint8)


def bar(top=4, bottom=24, col=14, width=2) -> np.ndarray:
    """An MNIST-like 1: a vertical stroke."""
    image = np.zeros((28, 28), np.uint8)
    image[top : bottom + 1, col - width // 2 : col - width // 2 + width] = 255
    return image


def batch(n_each=4):
    images = np.stack([ring()] * n_each + [bar()] * n_each + [ring(cy=10, cx=9, ry=5, rx=4)] * n_each)
    labels = np.array([0] * n_each + [1] * n_each + [8] * n_each, np.uint8)
    return images, labels


def one_hot(labels):
    return np.eye(10, dtype=np.float32)[labels]


def test_batch_shapes_dtype_range_and_labels_unchanged():
    images, labels = batch()
    for y in (labels, one_hot(labels)):
        out, out_labels = augment.augment_batch(tf.constant(images), tf.constant(y), SEED)
        assert out.shape == images.shape and out.dtype == tf.float32
        out = out.numpy()
        assert out.min() >= 0.0 and out.max() <= 255.0
        np.testing.assert_allclose(out.max(axis=(1, 2)), 255.0, atol=1e-3)  # full intensity, like MNIST
        np.testing.assert_array_equal(out_labels.numpy(), y)


def test_inputs_are_never_written():
    images, labels = batch()
    y = one_hot(labels)
    images_before, y_before = images.copy(), y.copy()
    augment.augment_batch(images, y, SEED)
    ds = augment.augmented_dataset(images, y, batch_size=5, seed=1)
    for _ in ds:
        pass
    np.testing.assert_array_equal(images, images_before)
    np.testing.assert_array_equal(y, y_before)


def test_slashed_zero_puts_ink_across_the_ring():
    image = ring()
    assert image[14, 14] == 0  # the hole
    images = tf.constant(np.stack([image] * 8), tf.float32)
    classes = tf.zeros((8,), tf.int32)
    opts = NONE.__class__(**{**NONE.__dict__, "slashed_zero": 1.0})
    out = augment.add_writing_styles(images, classes, SEED, opts).numpy()
    hole = out[:, 10:19, 11:18]  # inside the ring
    assert (hole.max(axis=(1, 2)) > 200).all()
    assert (out >= image).all()  # ink is only added
    # the stroke leaves the ring: ink above or below it in most images
    outside = np.maximum(out[:, :4].max(axis=(1, 2)), out[:, 25:].max(axis=(1, 2)))
    assert (outside > 64).mean() >= 0.5
    untouched = augment.add_writing_styles(images, classes, SEED, NONE).numpy()
    np.testing.assert_array_equal(untouched, np.stack([image] * 8))


def test_styles_only_touch_their_own_class():
    images, labels = batch()
    everything = AugmentOptions(slashed_zero=1.0, flagged_one=1.0, one_base=1.0, crossed_seven=1.0)
    out = augment.add_writing_styles(tf.constant(images, tf.float32), tf.constant(labels, tf.int32), SEED, everything)
    out = out.numpy()
    eights = labels == 8
    np.testing.assert_array_equal(out[eights], images[eights])
    ones = labels == 1
    # a flag: new ink left of the stem near its top
    assert (out[ones][:, 4:14, :12].max(axis=(1, 2)) > 128).all()
    assert (images[ones][:, 4:14, :12] == 0).all()


def test_same_seed_same_images_other_seed_other_images():
    images, labels = batch()
    a, _ = augment.augment_batch(images, labels, SEED)
    b, _ = augment.augment_batch(images, labels, SEED)
    c, _ = augment.augment_batch(images, labels, tf.constant([5, 6], tf.int64))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())


def test_dataset_repeats_with_its_seed():
    images, labels = batch()
    first = [x.numpy() for x, _ in augment.augmented_dataset(images, labels, batch_size=4, seed=7)]
    again = [x.numpy() for x, _ in augment.augmented_dataset(images, labels, batch_size=4, seed=7)]
    assert len(first) == 3 and first[0].shape == (4, 28, 28) and first[0].dtype == np.float32
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_framed_like_the_canvas_preprocessing():
    """A small off-centre digit comes out with its ink box's longer side 20 px and its
    centre of mass at (14, 14), as `canvas.preprocess_canvas` frames a drawing."""
    image = ring(cy=9, cx=9, ry=5, rx=3.5)
    out = augment.normalized_affine(tf.constant(image[None], tf.float32), SEED, NONE).numpy()[0]
    ink = out > augment.INK_THRESHOLD
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (19, 20, 21)
    ys, xs = np.mgrid[:28, :28]
    assert abs((out * ys).sum() / out.sum() - 14.0) < 0.3
    assert abs((out * xs).sum() / out.sum() - 14.0) < 0.3


def test_random_shapes_keep_ink_inside_the_frame():
    images, labels = batch(16)
    out, _ = augment.augment_batch(images, labels, SEED, AugmentOptions(rotation=30.0, shear=0.5))
    out = out.numpy()
    assert (out.sum(axis=(1, 2)) > 0).all()
    ys, xs = np.mgrid[:28, :28]
    mass = out.sum(axis=(1, 2))
    assert np.abs((out * ys).sum(axis=(1, 2)) / mass - 14.0).max() < 1.5
    assert np.abs((out * xs).sum(axis=(1, 2)) / mass - 14.0).max() < 1.5


def test_elastic_distortion_is_off_by_default_and_moves_ink_when_on():
    images, _ = batch()
    x = tf.constant(images, tf.float32)
    np.testing.assert_array_equal(augment.elastic_distortion(x, SEED, NONE).numpy(), images)
    warped = augment.elastic_distortion(x, SEED, AugmentOptions(elastic=1.0)).numpy()
    assert warped.shape == images.shape and not np.array_equal(warped, images)
    # a smooth warp moves ink about, it neither creates nor destroys much of it
    ratio = warped.sum(axis=(1, 2)) / images.sum(axis=(1, 2))
    assert ((ratio > 0.7) & (ratio < 1.3)).all()


def test_thickness_variants_order_by_ink():
    images, _ = batch()
    x = tf.constant(images, tf.float32)
    ink = {}
    for name in ("much_thinner", "thinner", "thicker", "much_thicker"):
        opts = AugmentOptions(**{**NONE.__dict__, name: 1.0})
        ink[name] = (augment.vary_thickness(x, SEED, opts).numpy() > augment.INK_THRESHOLD).sum()
    np.testing.assert_array_equal(augment.vary_thickness(x, SEED, NONE).numpy(), images)
    plain = (images > augment.INK_THRESHOLD).sum()
    assert ink["much_thinner"] < ink["thinner"] <= plain < ink["thicker"] < ink["much_thicker"]
