"""Predicting digits with a trained model, from images or straight from the canvas.

Every prediction also says whether the drawing looks like a digit at all (`is_digit`),
beside the forced answer: by the model's own detector (`novelty`, saved next to the
`.keras` file) when it has one, else by `novelty.generic_is_digit`."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import novelty, numpy_model
from .canvas import Preprocessed, PreprocessOptions, preprocess_canvas
from .models import SCALING_LAYER, model_uses_scaling_layer
from .numpy_model import NumpyModel
from .storage import ModelInfo, check_model_file, check_model_shapes, load_keras_model, read_info


@dataclass(frozen=True)
class Prediction:
    digit: int
    probabilities: np.ndarray
    image: np.ndarray
    steps: Preprocessed | None = None
    is_digit: bool | None = None

    @property
    def confidence(self) -> float:
        return float(self.probabilities[self.digit])


class Predictor:
    """A loaded model plus what it needs to see: the input shape and the pixel scaling.

    Saved files that numpy can run (every model this app builds) run without TensorFlow,
    through `numpy_model`: a cold server predicts without a multi-second TF import, at ~2 ms
    a digit. Other models, and runs still in memory, go through a compiled Keras function:
    `model.predict` costs ~70 ms of set-up per call, which a drawing canvas cannot afford."""

    def __init__(
        self, model, info: ModelInfo | None = None, path: str | os.PathLike | None = None,
        detector: novelty.Detector | None = None,
    ):
        self.model = model
        self.info = info or ModelInfo(name=getattr(model, "name", "model"))
        self.path = Path(path) if path else None
        self.detector = None
        self.detector_problem: str | None = None
        self._hidden_call = None
        if isinstance(model, NumpyModel):
            self.input_shape = model.input_shape
            self.scales_inside = SCALING_LAYER in model.layer_names
            self._call = model
        else:
            import tensorflow as tf

            check_model_shapes(model)
            self.input_shape = tuple(model.inputs[0].shape[1:])
            self.scales_inside = model_uses_scaling_layer(model)
            self._call = tf.function(
                lambda x: model(x, training=False),
                input_signature=[tf.TensorSpec((None, *self.input_shape), tf.float32)],
            )
        if detector is not None:
            self._use_detector(detector)

    def _use_detector(self, detector: novelty.Detector) -> None:
        """Take the detector if its last layer is this model's, else keep the generic rule
        and say why in `detector_problem`."""
        if not isinstance(self.model, NumpyModel):
            import keras
            import tensorflow as tf

            twin = keras.Model(self.model.inputs, [self.model.layers[-2].output, self.model.outputs[0]])
            call = tf.function(lambda x: twin(x, training=False),
                               input_signature=[tf.TensorSpec((None, *self.input_shape), tf.float32)])
            self._hidden_call = lambda x: tuple(np.asarray(t) for t in call(x))
        else:
            self._hidden_call = self.model.hidden_and_output
        probe = np.random.default_rng(0).integers(0, 256, (2, 28, 28)).astype(np.uint8)
        hidden, probabilities = self._hidden_call(self.model_input(probe))
        try:
            detector.check_matches(hidden, probabilities)
        except novelty.DetectorFileError as e:
            self.detector_problem, self._hidden_call = str(e), None
            return
        self.detector = detector

    @classmethod
    def load(cls, path: str | os.PathLike) -> Predictor:
        """The model in a `.keras` file: read by numpy when it can, else by Keras in safe mode."""
        path = check_model_file(path)
        info = read_info(path)
        try:
            model = numpy_model.load(path)
        except numpy_model.Unsupported:
            model = load_keras_model(path)
        detector, problem = None, None
        if novelty.detector_path(path).is_file():
            try:
                detector = novelty.Detector.load(novelty.detector_path(path))
            except novelty.DetectorFileError as e:
                problem = str(e)
        predictor = cls(model, info, path, detector)
        predictor.detector_problem = predictor.detector_problem or problem
        return predictor

    @property
    def detector_kind(self) -> str:
        """The score that decides `is_digit`: the detector's, or "generic" (`novelty.generic_is_digit`)."""
        return self.detector.kind if self.detector is not None else "generic"

    @property
    def input_scale(self) -> float:
        """What pixels are multiplied by before the model: the app's models scale inside."""
        if self.scales_inside:
            return 1.0
        return 1.0 / 255.0 if self.info.normalize else 1.0

    @property
    def backend(self) -> str:
        return "numpy" if isinstance(self.model, NumpyModel) else "keras"

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

    def predict_images(self, images: np.ndarray, batch_size: int = 1000,
                       on_progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Class probabilities (N, 10) for uint8 images (N, 28, 28), `batch_size` at a time;
        `on_progress(done, total)` is called after each batch, e.g. for a progress bar."""
        x = self.model_input(images)
        parts = []
        for i in range(0, len(x), batch_size):
            parts.append(np.asarray(self._call(x[i : i + batch_size])))
            if on_progress:
                on_progress(min(i + batch_size, len(x)), len(x))
        return np.concatenate(parts) if parts else np.zeros((0, 10), np.float32)

    def hidden_features(self, images: np.ndarray) -> np.ndarray:
        """What the model's last layer receives for uint8 images (N, 28, 28): the features the
        detector reads. Only for a predictor with a detector."""
        if self._hidden_call is None:
            raise ValueError("this predictor has no detector")
        return self._hidden_call(self.model_input(images))[0]

    def predict_with_verdicts(self, images: np.ndarray, batch_size: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities (N, 10) and whether each image looks like a digit (N,) bool."""
        if self._hidden_call is None:
            probs = self.predict_images(images, batch_size)
            return probs, novelty.generic_is_digit(probs)
        x = self.model_input(images)
        parts = [self._hidden_call(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        if not parts:
            return np.zeros((0, 10), np.float32), np.zeros((0,), bool)
        hidden = np.concatenate([h for h, _ in parts])
        probs = np.concatenate([np.asarray(p) for _, p in parts])
        return probs, self.detector.is_digit(hidden)

    def predict_canvas(self, rgba: np.ndarray, options: PreprocessOptions | None = None) -> Prediction | None:
        """The digit drawn on a canvas image (H, W, 4), and whether it looks like one; None when
        nothing is drawn."""
        steps = preprocess_canvas(rgba, options)
        if steps is None:
            return None
        probs, verdicts = self.predict_with_verdicts(steps.image[None])
        return Prediction(int(np.argmax(probs[0])), probs[0], steps.image, steps, bool(verdicts[0]))
