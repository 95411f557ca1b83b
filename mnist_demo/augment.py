"""Training-time augmentation: small shifts, scales, rotations and stroke-thickness changes.

Drawn digits vary in all of these more than MNIST does. The pipeline works on
batches from the shared uint8 arrays (no per-epoch copy) and leaves pixel scaling
to the model's own `Rescaling` layer.
"""

from __future__ import annotations

import numpy as np

ROTATION = 0.03  # fraction of a full turn: about ±11°
ZOOM = 0.15
SHIFT = 0.08


def augmentation_layers(seed: int = 0):
    from keras import layers

    return [
        layers.RandomRotation(ROTATION, fill_mode="constant", seed=seed),
        layers.RandomZoom(ZOOM, fill_mode="constant", seed=seed + 1),
        layers.RandomTranslation(SHIFT, SHIFT, fill_mode="constant", seed=seed + 2),
    ]


def vary_thickness(images, seed: int = 0):
    """Per image, one of: unchanged, dilated by a 2x2 max filter (thicker), or half-eroded (thinner)."""
    import tensorflow as tf

    dilated = tf.nn.max_pool2d(images, 2, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-images, 2, 1, "SAME")
    thinner = 0.5 * images + 0.5 * eroded
    choice = tf.random.uniform((tf.shape(images)[0], 1, 1, 1), seed=seed)
    return tf.where(choice < 0.3, dilated, tf.where(choice < 0.5, thinner, images))


def augmented_dataset(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int = 0):
    """A shuffled, batched, augmented `tf.data.Dataset` of (raw pixels float32 (B, 28, 28), labels)."""
    import tensorflow as tf

    transforms = augmentation_layers(seed)

    def augment(images, labels):
        images = tf.cast(images, tf.float32)[..., None]
        for layer in transforms:
            images = layer(images, training=True)
        images = vary_thickness(images, seed)
        return tf.clip_by_value(images[..., 0], 0.0, 255.0), labels

    ds = tf.data.Dataset.from_tensor_slices((x, y))
    ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    return ds.map(augment, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
