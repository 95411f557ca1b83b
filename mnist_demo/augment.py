"""Training-time augmentation that makes MNIST look like preprocessed canvas drawings.

A drawing reaches the model through `canvas.preprocess_canvas`: cropped to its ink,
longer side scaled to 20 px, centre of mass put at (14, 14). Random shifts and zooms
of training images therefore teach variation the app never shows the model. What the
preprocessing does *not* remove is what this module varies, per image:

1. writing styles MNIST under-represents (`add_writing_styles`): slashed zeros (Ø),
   1s with a flag (a long up-stroke at the top) and sometimes a base, 7s with a cross
   bar. Each is an anti-aliased stroke added to a fraction of that class's images;
2. stroke thickness (`vary_thickness`): thicker, a little thinner, or much thinner,
   like a fat brush on a small drawing or a thin brush on a large one; optionally
   (off by default) a smooth elastic warp (`elastic_distortion`);
3. shape (`normalized_affine`): rotation, shear and aspect ratio, applied in one
   resampling together with the app's own normalisation (crop to the ink, longer
   side 20 px, centre of mass at 14, 14, ink kept inside the frame), so every
   training image is framed the way a preprocessed drawing is.

Everything is vectorised TensorFlow on whole batches and seeded statelessly: the same
batch and seed give the same images. The pipeline reads batches from the shared uint8
arrays (no per-epoch copy, the arrays are never written) and leaves pixel scaling to
the model's own `Rescaling` layer: it yields raw float32 pixels in 0..255.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .canvas import DIGIT_BOX, INK_THRESHOLD, MNIST_SIZE

SIZE = MNIST_SIZE
CENTER = 14.0  # canvas.MNIST_CENTER, as a float for the transform arithmetic


@dataclass(frozen=True)
class AugmentOptions:
    """Probabilities are per image of the named class; angles in degrees."""

    slashed_zero: float = 0.4
    flagged_one: float = 0.4
    flag_length: float = 0.3  # extra horizontal reach of a 1's flag, as a fraction of its height
    one_base: float = 0.15
    crossed_seven: float = 0.25
    thicker: float = 0.25
    thinner: float = 0.15
    much_thinner: float = 0.1
    much_thicker: float = 0.0
    rotation: float = 12.0
    shear: float = 0.25
    aspect: float = 0.15  # log of the x/y scale ratio, uniform in ±aspect
    center_jitter: float = 0.5  # px, like the canvas' rounding of the paste offset
    elastic: float = 0.0  # px, standard deviation of a smooth random displacement field
    elastic_sigma: float = 4.0  # px, its smoothness (Gaussian width)
    normalize: bool = True


DEFAULT_OPTIONS = AugmentOptions()


def _split(seed, n: int):
    import tensorflow as tf

    return tf.unstack(tf.random.experimental.stateless_split(seed, n))


def _uniform(shape, seed, low=0.0, high=1.0):
    import tensorflow as tf

    return tf.random.stateless_uniform(shape, seed, low, high, dtype=tf.float32)


def _grid():
    import tensorflow as tf

    r = tf.range(SIZE, dtype=tf.float32)
    return r[None, :, None], r[None, None, :]  # rows (y), columns (x), broadcastable to (B, H, W)


def ink_box(images):
    """Per image (top, bottom, left, right), inclusive, of pixels above the ink threshold,
    each (B,) float32. An empty image gets the whole frame."""
    import tensorflow as tf

    ink = images > INK_THRESHOLD
    rows, cols = tf.reduce_any(ink, axis=2), tf.reduce_any(ink, axis=1)

    def span(profile):
        empty = tf.logical_not(tf.reduce_any(profile, axis=1))
        first = tf.cast(tf.argmax(tf.cast(profile, tf.int32), axis=1), tf.float32)
        last = SIZE - 1 - tf.cast(tf.argmax(tf.cast(profile[:, ::-1], tf.int32), axis=1), tf.float32)
        return tf.where(empty, 0.0, first), tf.where(empty, SIZE - 1.0, last)

    top, bottom = span(rows)
    left, right = span(cols)
    return top, bottom, left, right


def _column_near(images, row, half: float = 1.0):
    """Ink-weighted mean column of the rows within `half` of `row` (B,); the image's own
    mean column if those rows are empty."""
    import tensorflow as tf

    ys, xs = _grid()
    band = tf.cast(tf.abs(ys - row[:, None, None]) <= half, tf.float32)
    weights = images * band
    total = tf.reduce_sum(weights, axis=[1, 2])
    col = tf.reduce_sum(weights * xs, axis=[1, 2]) / tf.maximum(total, 1e-6)
    fallback = tf.reduce_sum(images * xs, axis=[1, 2]) / tf.maximum(tf.reduce_sum(images, axis=[1, 2]), 1e-6)
    return tf.where(total > 0, col, fallback)


def segment_ink(y0, x0, y1, x1, half_width):
    """An anti-aliased straight stroke from (y0, x0) to (y1, x1) per image, (B, 28, 28)
    float32 in 0..255: full ink within `half_width` of the segment, a 1 px soft edge."""
    import tensorflow as tf

    ys, xs = _grid()
    y0, x0, y1, x1, hw = (v[:, None, None] for v in (y0, x0, y1, x1, half_width))
    dy, dx = y1 - y0, x1 - x0
    t = ((ys - y0) * dy + (xs - x0) * dx) / tf.maximum(dy * dy + dx * dx, 1e-6)
    t = tf.clip_by_value(t, 0.0, 1.0)
    distance = tf.sqrt((ys - y0 - t * dy) ** 2 + (xs - x0 - t * dx) ** 2)
    return 255.0 * tf.clip_by_value(hw - distance + 0.5, 0.0, 1.0)


def _with_stroke(images, chosen, y0, x0, y1, x1, half_width):
    import tensorflow as tf

    clip = lambda v: tf.clip_by_value(v, 0.5, SIZE - 1.5)  # noqa: E731
    stroke = segment_ink(clip(y0), clip(x0), clip(y1), clip(x1), half_width)
    return tf.where(chosen[:, None, None], tf.maximum(images, stroke), images)


def add_writing_styles(images, classes, seed, options: AugmentOptions = DEFAULT_OPTIONS):
    """Slashed zeros, flagged (and based) ones, crossed sevens drawn into (B, 28, 28)
    float32 images of those classes, each with its probability. `classes` (B,) int."""
    import tensorflow as tf

    n = tf.shape(images)[0]
    seeds = _split(seed, 6)
    u = _uniform((n, 16), seeds[0])
    pick = _uniform((n, 4), seeds[1])
    hw = _uniform((n,), seeds[2], 0.9, 1.5)
    top, bottom, left, right = ink_box(images)
    h, w = bottom - top + 1.0, right - left + 1.0
    cx = (left + right) / 2

    # Ø: from above right of the ring to below left, mostly reaching well beyond it;
    # one in six leans the other way.
    lean = tf.where(u[:, 0] < 1 / 6, -1.0, 1.0)
    zero = tf.logical_and(tf.equal(classes, 0), pick[:, 0] < options.slashed_zero)
    images = _with_stroke(
        images, zero,
        top - h * (0.4 * u[:, 1] - 0.05), cx + lean * w * (0.25 + 0.4 * u[:, 2]),
        bottom + h * (0.4 * u[:, 3] - 0.05), cx - lean * w * (0.25 + 0.4 * u[:, 4]),
        hw,
    )
    # 1 with a flag: an up-stroke ending at the top of the stem, starting down-left of it.
    x_top = _column_near(images, top)
    one = tf.equal(classes, 1)
    flag = tf.logical_and(one, pick[:, 1] < options.flagged_one)
    images = _with_stroke(
        images, flag,
        top + h * (0.05 + 0.35 * u[:, 5]), x_top - h * (0.1 + options.flag_length * u[:, 6]),
        top, x_top,
        hw,
    )
    # 1 with a base: a short horizontal bar under the stem.
    x_bottom = _column_near(images, bottom)
    base = tf.logical_and(one, pick[:, 2] < options.one_base)
    tilt = h * 0.06 * (u[:, 9] - 0.5)
    images = _with_stroke(
        images, base,
        bottom + tilt, x_bottom - h * (0.12 + 0.18 * u[:, 7]),
        bottom - tilt, x_bottom + h * (0.12 + 0.18 * u[:, 8]),
        hw,
    )
    # 7 with a cross bar through the middle of the stem.
    y_mid = top + h * (0.45 + 0.2 * u[:, 10])
    x_mid = _column_near(images, y_mid)
    seven = tf.logical_and(tf.equal(classes, 7), pick[:, 3] < options.crossed_seven)
    tilt = h * 0.08 * (u[:, 13] - 0.5)
    images = _with_stroke(
        images, seven,
        y_mid + tilt, x_mid - h * (0.12 + 0.18 * u[:, 11]),
        y_mid - tilt, x_mid + h * (0.12 + 0.18 * u[:, 12]),
        hw,
    )
    return images


def vary_thickness(images, seed, options: AugmentOptions = DEFAULT_OPTIONS):
    """Per image (B, 28, 28), with the options' probabilities: dilated by a 2x2 max filter
    (thicker), half-eroded (a little thinner), eroded by a 2x2 min filter and brought back
    to full intensity (much thinner), dilated by a 3x3 max filter (much thicker), or unchanged."""
    import tensorflow as tf

    x = images[..., None]
    dilated = tf.nn.max_pool2d(x, 2, 1, "SAME")[..., 0]
    eroded = -tf.nn.max_pool2d(-x, 2, 1, "SAME")[..., 0]
    eroded = tf.where(tf.reduce_max(eroded, axis=[1, 2], keepdims=True) > INK_THRESHOLD, eroded, images)
    variants = [
        (options.thicker, dilated),
        (options.thinner, 0.5 * images + 0.5 * eroded),
        (options.much_thinner, full_intensity(eroded)),
        (options.much_thicker, tf.nn.max_pool2d(x, 3, 1, "SAME")[..., 0]),
    ]
    choice = _uniform((tf.shape(images)[0], 1, 1), seed)
    out, low = images, 0.0
    for probability, variant in variants:
        if probability:
            out = tf.where((choice >= low) & (choice < low + probability), variant, out)
        low += probability
    return out


def _gaussian_kernel(sigma: float):
    radius = max(1, int(round(2.5 * sigma)))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    return (k / k.sum()).astype(np.float32)


def _bilinear_sample(images, ys, xs):
    """images (B, 28, 28) sampled at float coordinates ys, xs (B, 28, 28); zero outside."""
    import tensorflow as tf

    n = tf.shape(images)[0]
    padded = tf.reshape(tf.pad(images, [[0, 0], [1, 1], [1, 1]]), [-1])
    ys = tf.clip_by_value(ys, -1.0, float(SIZE)) + 1.0
    xs = tf.clip_by_value(xs, -1.0, float(SIZE)) + 1.0
    y0, x0 = tf.floor(ys), tf.floor(xs)
    wy, wx = ys - y0, xs - x0
    y0 = tf.clip_by_value(tf.cast(y0, tf.int32), 0, SIZE)
    x0 = tf.clip_by_value(tf.cast(x0, tf.int32), 0, SIZE)
    side = SIZE + 2
    base = tf.range(n)[:, None, None] * side * side

    def at(y, x):
        return tf.gather(padded, base + y * side + x)

    top = at(y0, x0) * (1 - wx) + at(y0, x0 + 1) * wx
    bottom = at(y0 + 1, x0) * (1 - wx) + at(y0 + 1, x0 + 1) * wx
    return top * (1 - wy) + bottom * wy


def elastic_distortion(images, seed, options: AugmentOptions = DEFAULT_OPTIONS):
    """(B, 28, 28) warped by a smooth random displacement field (Simard et al. 2003) whose
    components have a standard deviation of `options.elastic` px."""
    import tensorflow as tf

    if not options.elastic:
        return images
    n = tf.shape(images)[0]
    field = tf.random.stateless_normal((n, SIZE, SIZE, 2), seed)
    k = _gaussian_kernel(options.elastic_sigma)
    kernel = tf.constant(k)
    field = tf.nn.depthwise_conv2d(field, tf.tile(kernel[:, None, None, None], [1, 1, 2, 1]), [1, 1, 1, 1], "SAME")
    field = tf.nn.depthwise_conv2d(field, tf.tile(kernel[None, :, None, None], [1, 1, 2, 1]), [1, 1, 1, 1], "SAME")
    field = field * (options.elastic / float(np.sqrt((k**2).sum()) ** 2))
    ys, xs = _grid()
    return _bilinear_sample(images, ys + field[..., 0], xs + field[..., 1])


def full_intensity(images):
    """Each image scaled so its brightest pixel is 255, as `canvas.stretched_to_full_intensity`."""
    import tensorflow as tf

    peak = tf.reduce_max(images, axis=[1, 2], keepdims=True)
    return tf.where(peak > 0, images * (255.0 / tf.maximum(peak, 1e-6)), images)


def _random_matrices(n, seed, options: AugmentOptions):
    """(B, 2, 2) maps from output to input offsets: rotation @ shear @ aspect scaling."""
    import tensorflow as tf

    u = _uniform((n, 3), seed, -1.0, 1.0)
    angle = u[:, 0] * options.rotation * math.pi / 180
    shear = u[:, 1] * options.shear
    aspect = tf.exp(u[:, 2] * options.aspect / 2)
    c, s = tf.cos(angle), tf.sin(angle)
    # [[c, -s], [s, c]] @ [[1, shear], [0, 1]] @ diag(aspect, 1 / aspect), in (x, y) order
    a = c * aspect
    b = (c * shear - s) / aspect
    d = s * aspect
    e = (s * shear + c) / aspect
    return a, b, d, e


def normalized_affine(images, seed, options: AugmentOptions = DEFAULT_OPTIONS):
    """(B, 28, 28): a random rotation / shear / aspect change about the centre of mass,
    then framed like `canvas.preprocess_canvas` frames a drawing (longer side of the
    ink's box 20 px, centre of mass at 14 ± jitter, ink kept inside the frame), in
    one bilinear resampling, then stretched to full intensity."""
    import tensorflow as tf

    n = tf.shape(images)[0]
    seeds = _split(seed, 2)
    ys, xs = _grid()
    mass = tf.maximum(tf.reduce_sum(images, axis=[1, 2]), 1e-6)
    com_y = tf.reduce_sum(images * ys, axis=[1, 2]) / mass
    com_x = tf.reduce_sum(images * xs, axis=[1, 2]) / mass
    if options.rotation or options.shear or options.aspect:
        a, b, d, e = _random_matrices(n, seeds[0], options)
    else:
        a, e = tf.ones((n,)), tf.ones((n,))
        b, d = tf.zeros((n,)), tf.zeros((n,))
    # Where the ink pixels land (forward map = inverse matrix), relative to the centre of mass.
    det = a * e - b * d
    ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
    px, py = xs - com_x[:, None, None], ys - com_y[:, None, None]
    fx = ia[:, None, None] * px + ib[:, None, None] * py
    fy = id_[:, None, None] * px + ie[:, None, None] * py
    ink = images > INK_THRESHOLD
    has_ink = tf.reduce_any(ink, axis=[1, 2])
    big = tf.constant(1e6)
    lo_x = tf.reduce_min(tf.where(ink, fx, big), axis=[1, 2])
    hi_x = tf.reduce_max(tf.where(ink, fx, -big), axis=[1, 2])
    lo_y = tf.reduce_min(tf.where(ink, fy, big), axis=[1, 2])
    hi_y = tf.reduce_max(tf.where(ink, fy, -big), axis=[1, 2])
    extent = tf.maximum(hi_x - lo_x, hi_y - lo_y) + 1.0
    scale = tf.where(has_ink, DIGIT_BOX / tf.maximum(extent, 1.0), 1.0) if options.normalize else tf.ones((n,))
    jitter = _uniform((n, 2), seeds[1], -options.center_jitter, options.center_jitter)
    shift_x, shift_y = jitter[:, 0], jitter[:, 1]
    if options.normalize:
        # Keep the ink's box inside the frame, as canvas.paste_offset does.
        def kept_inside(shift, lo, hi):
            lo_out, hi_out = CENTER + shift + scale * lo, CENTER + shift + scale * hi
            shift = tf.where(lo_out < 0, shift - lo_out, shift)
            return tf.where(hi_out > SIZE - 1, shift - (hi_out - (SIZE - 1)), shift)

        shift_x = tf.where(has_ink, kept_inside(shift_x, lo_x, hi_x), shift_x)
        shift_y = tf.where(has_ink, kept_inside(shift_y, lo_y, hi_y), shift_y)
        center_x, center_y = CENTER + shift_x, CENTER + shift_y
    else:
        center_x, center_y = com_x + shift_x, com_y + shift_y
    # input = M / scale @ (output - centre) + com
    a, b, d, e = a / scale, b / scale, d / scale, e / scale
    transforms = tf.stack(
        [a, b, com_x - a * center_x - b * center_y,
         d, e, com_y - d * center_x - e * center_y,
         tf.zeros((n,)), tf.zeros((n,))],
        axis=1,
    )
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=images[..., None], transforms=transforms, output_shape=tf.constant([SIZE, SIZE]),
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT",
    )[..., 0]
    return full_intensity(out)


def class_ids(labels):
    """Integer classes (B,) from integer or one-hot labels."""
    import tensorflow as tf

    labels = tf.convert_to_tensor(labels)
    if labels.shape.rank == 2:
        return tf.argmax(labels, axis=-1, output_type=tf.int32)
    return tf.cast(labels, tf.int32)


def augment_batch(images, labels, seed, options: AugmentOptions = DEFAULT_OPTIONS):
    """One augmented batch: raw pixels (B, 28, 28) of any numeric dtype in, float32 0..255
    out; labels returned as they came. `seed` is a stateless seed, shape (2,) int."""
    import tensorflow as tf

    seed = tf.cast(seed, tf.int64)
    seeds = _split(seed, 4)
    x = tf.cast(images, tf.float32)
    x = add_writing_styles(x, class_ids(labels), seeds[0], options)
    x = vary_thickness(x, seeds[1], options)
    x = elastic_distortion(x, seeds[3], options)
    x = normalized_affine(x, seeds[2], options)
    return tf.clip_by_value(x, 0.0, 255.0), labels


def augmented_dataset(
    x: np.ndarray, y: np.ndarray, batch_size: int, seed: int = 0, options: AugmentOptions | None = None
):
    """A shuffled, batched, augmented `tf.data.Dataset` of (raw pixels float32 (B, 28, 28), labels).

    Each batch gets its own stateless seed from a seeded random stream that changes every
    epoch, so a run repeats exactly for the same `seed`."""
    import tensorflow as tf

    options = options or DEFAULT_OPTIONS
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
    ds = tf.data.Dataset.zip(ds, seeds)
    return ds.map(
        lambda batch, s: augment_batch(batch[0], batch[1], s, options), num_parallel_calls=tf.data.AUTOTUNE
    ).prefetch(tf.data.AUTOTUNE)


# Pre-rendered canvas images (`strokes.rendered_images`) are already drawn and framed like
# the canvas; they only get a little more shape variety, and no writing styles (those key
# on the class, and a non-digit has none).
DRAWN_OPTIONS = AugmentOptions(
    slashed_zero=0.0, flagged_one=0.0, one_base=0.0, crossed_seven=0.0,
    thicker=0.0, thinner=0.0, much_thinner=0.0, rotation=6.0, shear=0.1, aspect=0.1,
)


def uniform_targets(count: int, num_classes: int = 10) -> np.ndarray:
    """The target of a non-digit: every class equally likely (outlier exposure, Hendrycks
    et al. 2019). Cross-entropy against it is lowest when the model is unsure."""
    return np.full((count, num_classes), 1.0 / num_classes, np.float32)


def mixed_dataset(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    extras: list[tuple[np.ndarray, np.ndarray, int]],
    seed: int = 0,
    options: AugmentOptions | None = None,
):
    """`augmented_dataset` of one-hot (x, y) with, in every batch, `count` images of each
    extra pool (images (M, 28, 28), soft targets (M, 10), count) drawn at random from it,
    lightly augmented (`DRAWN_OPTIONS`). The number of batches per epoch stays that of x."""
    import tensorflow as tf

    if y.ndim != 2:
        raise ValueError("mixing in extra images needs one-hot labels (a spec with one_hot=True)")
    base = augmented_dataset(x, y, batch_size, seed, options)
    pools = []
    for i, (images, targets, count) in enumerate(extras):
        pool = tf.data.Dataset.from_tensor_slices((images, targets.astype(np.float32)))
        pools.append(pool.shuffle(len(images), seed=seed + 101 + i, reshuffle_each_iteration=True)
                     .repeat().batch(count, drop_remainder=True))
    if not pools:
        return base
    seeds = tf.data.Dataset.random(seed=seed + 7, rerandomize_each_iteration=True).batch(2)

    def joined(main, *rest):
        *parts, s = rest
        images = tf.concat([p[0] for p in parts], axis=0)
        targets = tf.concat([p[1] for p in parts], axis=0)
        drawn, _ = augment_batch(images, targets, s, DRAWN_OPTIONS)
        return tf.concat([main[0], drawn], axis=0), tf.concat([tf.cast(main[1], tf.float32), targets], axis=0)

    return tf.data.Dataset.zip(base, *pools, seeds).map(joined, num_parallel_calls=tf.data.AUTOTUNE).prefetch(
        tf.data.AUTOTUNE
    )
