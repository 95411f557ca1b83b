"""Training the drawing-ready default model: MNIST plus pen-drawn digits plus non-digits.

Every training batch holds augmented MNIST (`augment`), canvas renderings of the
drawn-digits dev strokes (`drawn`, `strokes`: many random drawings of each, minus the
sources held out for measuring), and canvas renderings of generated non-digits
(`negatives`) whose target is "every digit equally likely". The classifier keeps its
10 softmax outputs; the non-digits only teach it to be unsure, which the detector in
`novelty` reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import negatives
from .augment import uniform_targets
from .data import one_hot
from .strokes import as_stroke_set, rendered_images
from .training import TrainingRun


@dataclass(frozen=True)
class DrawingRecipe:
    """What goes into the batches beside MNIST."""

    drawn_digits: bool = True
    hold_out_sources: tuple[str, ...] = ()
    drawn_variants: int = 12
    drawn_per_batch: int = 24
    negatives: bool = True
    negatives_per_kind: dict = field(
        default_factory=lambda: {"letters": 6000, "shapes": 2600, "scribbles": 2000, "crossed_digits": 2000}
    )
    negatives_per_batch: int = 24
    seed: int = 0

    def to_dict(self) -> dict:
        return {
            "drawn_digits": self.drawn_digits, "hold_out_sources": list(self.hold_out_sources),
            "drawn_variants": self.drawn_variants, "drawn_per_batch": self.drawn_per_batch,
            "negatives": self.negatives, "negatives_per_kind": dict(self.negatives_per_kind),
            "negatives_per_batch": self.negatives_per_batch, "seed": self.seed,
        }


def drawn_training_images(recipe: DrawingRecipe, samples=None) -> tuple[np.ndarray, np.ndarray]:
    """Random canvas drawings of the dev digits outside the held-out sources: images (M, 28, 28)
    uint8 and integer labels (M,)."""
    from .drawn import load_samples, without_sources

    samples = without_sources(samples if samples is not None else load_samples(), set(recipe.hold_out_sources))
    rng = np.random.default_rng([recipe.seed, 17])
    images, owners = rendered_images([as_stroke_set(s.strokes) for s in samples], rng, recipe.drawn_variants)
    labels = np.array([s.label for s in samples], np.int64)[owners]
    return images, labels


def negative_training_images(recipe: DrawingRecipe) -> np.ndarray:
    parts = negatives.negative_images(negatives.TRAIN, recipe.negatives_per_kind)
    return np.concatenate(list(parts.values()))


def extra_pools(recipe: DrawingRecipe, samples=None) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """The (images, soft targets, count per batch) pools `augment.mixed_dataset` mixes in."""
    pools = []
    if recipe.drawn_digits:
        images, labels = drawn_training_images(recipe, samples)
        pools.append((images, one_hot(labels), recipe.drawn_per_batch))
    if recipe.negatives:
        images = negative_training_images(recipe)
        pools.append((images, uniform_targets(len(images)), recipe.negatives_per_batch))
    return pools


class DrawingRun(TrainingRun):
    """A TrainingRun (progress, stop, validation on the MNIST test set) whose augmented
    batches also hold the recipe's drawn digits and non-digits."""

    def __init__(self, spec, dataset, config=None, *, recipe: DrawingRecipe, pools=None, **kwargs):
        super().__init__(spec, dataset, config, **kwargs)
        self.recipe = recipe
        self.pools = pools

    def _training_input(self, x_train, y_train):
        from .augment import mixed_dataset

        if self.pools is None:
            self.pools = extra_pools(self.recipe)
        return mixed_dataset(x_train, y_train, self.spec.batch_size, self.pools, seed=self.config.seed)


def hidden_and_probabilities(model, images: np.ndarray, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """What a Keras model's last layer receives (N, F) and its probabilities (N, 10)."""
    import keras

    twin = keras.Model(model.inputs, [model.layers[-2].output, model.outputs[0]])
    hidden, probabilities = twin.predict(np.asarray(images, np.float32), batch_size=batch_size, verbose=0)
    return np.asarray(hidden), np.asarray(probabilities)


def last_layer(model) -> tuple[np.ndarray, np.ndarray]:
    kernel, bias = model.layers[-1].get_weights()
    return kernel, bias


def fit_detector(
    model, dataset, recipe: DrawingRecipe, samples=None, flag_rate: float = 0.002, kind: str = "logistic",
    mnist_count: int = 20000,
):
    """A `novelty.Detector` for a trained model: fitted on MNIST training digits and fresh
    drawings of the kept dev sources' digits against fresh drawings of the training
    non-digits; thresholds flag `flag_rate` of those drawn digits."""
    from .drawn import load_samples, without_sources
    from .novelty import fitted_detector

    samples = without_sources(samples if samples is not None else load_samples(), set(recipe.hold_out_sources))
    rng = np.random.default_rng([recipe.seed, 23])
    drawn, owners = rendered_images([as_stroke_set(s.strokes) for s in samples], rng, 3)
    drawn_labels = np.array([s.label for s in samples], np.int64)[owners]
    non_digits = np.concatenate(list(negatives.negative_images(negatives.TRAIN, recipe.negatives_per_kind,
                                                                seed=1).values()))
    images = np.concatenate([dataset.x_train[:mnist_count], drawn])
    labels = np.concatenate([dataset.y_train[:mnist_count], drawn_labels])
    hidden, _ = hidden_and_probabilities(model, images)
    non_digit_hidden, _ = hidden_and_probabilities(model, non_digits)
    kernel, bias = last_layer(model)
    return fitted_detector(kernel, bias, (hidden, labels), non_digit_hidden, hidden[mnist_count:], flag_rate, kind)
