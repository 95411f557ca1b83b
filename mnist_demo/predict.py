"""Predicting digits with a trained model, from images or straight from the canvas."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .canvas import Preprocessed, PreprocessOptions, preprocess_canvas
from .models import model_uses_scaling_layer
from .storage import ModelInfo, check_model_shapes, load_keras_model, read_info


@dataclass(frozen=True)
class Prediction:
    digit: int
    probabilities: np.ndarray
    image: np.ndarray
    steps: Preprocessed | None = None

    @property
    def confidence(self) -> float:
        return float(self.probabilities[self.digit])


class Predictor:
    """A loaded model plus what it needs to see: the input shape and the pixel scaling.

    Single predictions call a compiled function directly: `model.predict` costs
    ~70 ms of set-up per call, which a drawing canvas cannot afford."""

    def __init__(self, model, info: ModelInfo | None = None, path: str | os.PathLike | None = None):
        import tensorflow as tf

        check_model_shapes(model)
        self.model = model
        self.info = info or ModelInfo(name=getattr(model, "name", "model"))
        self.path = Path(path) if path else None
        self.input_shape = tuple(model.inputs[0].shape[1:])
        if model_uses_scaling_layer(model):
            self.input_scale = 1.0
        else:
            self.input_scale = 1.0 / 255.0 if self.info.normalize else 1.0
        self._call = tf.function(
            lambda x: model(x, training=False),
            input_signature=[tf.TensorSpec((None, *self.input_shape), tf.float32)],
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> Predictor:
        return cls(load_keras_model(path), read_info(path), path)

    @property
    def scaling_text(self) -> str:
        """How pixels reach the first layer: "0-1" (divided by 255) or "0-255" (raw)."""
        return "0-1" if self.info.normalize else "0-255"

    @property
    def name(self) -> str:
        return self.info.name

    def model_input(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images)
        if images.ndim == 2:
            images = images[None]
        if images.shape[1:] != (28, 28):
            raise ValueError(f"expected images of shape (N, 28, 28), got {images.shape}")
        x = images.astype(np.float32) * np.float32(self.input_scale)
        return x.reshape((len(x), *self.input_shape))

    def predict_images(self, images: np.ndarray, batch_size: int = 2000) -> np.ndarray:
        """Class probabilities (N, 10) for uint8 images (N, 28, 28)."""
        x = self.model_input(images)
        parts = [np.asarray(self._call(x[i : i + batch_size])) for i in range(0, len(x), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, 10), np.float32)

    def predict_canvas(self, rgba: np.ndarray, options: PreprocessOptions | None = None) -> Prediction | None:
        """The digit drawn on a canvas image (H, W, 4); None when nothing is drawn."""
        steps = preprocess_canvas(rgba, options)
        if steps is None:
            return None
        probs = self.predict_images(steps.image[None])[0]
        return Prediction(int(np.argmax(probs)), probs, steps.image, steps)
