"""What a model computes on the way to its answer, whichever runs it: every layer's output, the
features its last layer reads, its logits, and gradients of any of them with respect to the input.

A saved model of this app runs in numpy (`numpy_trace`), so that the shipped one explains
itself without TensorFlow; any other model (a run still in memory, a file numpy cannot read)
goes through Keras, with TensorFlow imported on first use and its functions traced once per
model. Both take the model input (`Predictor.model_input`) and give plain numpy arrays, with
the same layer names: the Keras layers' own.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from . import numpy_trace
from .numpy_model import NumpyModel

Array = np.ndarray
SKIPPED_KINDS = ("InputLayer",)
DROPOUT_KINDS = ("Dropout", "SpatialDropout2D")


class NumpyInside:
    """A NumpyModel, layer by layer."""

    backend = "numpy"

    def __init__(self, model: NumpyModel):
        self.model = model
        self.layer_kinds = [(cfg["name"], kind) for kind, cfg, _ in model.layers]
        self._last = model.layers[-1]

    def layer_outputs(self, x: Array) -> list[tuple[str, str, Array]]:
        """(name, Keras layer class, output (N, ...)) of every layer."""
        return numpy_trace.layer_outputs(self.model, x)

    def hidden_and_logits(self, x: Array) -> tuple[Array, Array]:
        """What the last layer reads (N, F), and the logits (N, 10) it makes of them."""
        hidden, _ = self.model.hidden_and_output(x)
        kind, cfg, arrays = self._last
        if kind != "Dense" or cfg.get("activation") != "softmax":
            raise ValueError("the model does not end in a softmax dense layer")
        return hidden, hidden @ arrays[0] + (arrays[1] if len(arrays) > 1 else 0)

    def values(self, x: Array, at: str) -> Array:
        """The values at `at` ("logits", "probabilities" or a layer's name) for the batch `x`."""
        return numpy_trace.record(self.model, x).output(at)

    def gradients(self, x: Array, cotangent: Array, at: str = "logits") -> Array:
        """d(sum of cotangent * the values at `at`) / d x, (M, N, *input) for a cotangent (M, N, ...)."""
        return numpy_trace.gradients(self.model, x, cotangent, at)

    def first_weights(self) -> tuple[str, str, Array] | None:
        """(layer name, Keras class, kernel) of the first layer with weights, as the file has it."""
        for kind, cfg, arrays in self.model.layers:
            if kind in ("Dense", "Conv2D"):
                return cfg["name"], kind, arrays[0]
        return None


class KerasInside:
    """A Keras model, layer by layer, through TensorFlow functions traced once."""

    backend = "keras"

    def __init__(self, model):
        import keras
        import tensorflow as tf

        self._tf = tf
        self.model = model
        layers = [layer for layer in model.layers if type(layer).__name__ not in SKIPPED_KINDS]
        self.layer_kinds = [(layer.name, type(layer).__name__) for layer in layers]
        self.input_shape = tuple(model.inputs[0].shape[1:])
        spec = [tf.TensorSpec((None, *self.input_shape), tf.float32)]
        every = keras.Model(model.inputs, [layer.output for layer in layers])
        self._every = tf.function(lambda x: every(x, training=False), input_signature=spec)
        last = model.layers[-1]
        twin = keras.Model(model.inputs, last.input)
        self._hidden = lambda x: twin(x, training=False)
        self._last = last
        self._layers = {layer.name: layer for layer in layers}
        self._gradient_functions: dict[str, object] = {}
        self._lock = threading.Lock()

    def layer_outputs(self, x: Array) -> list[tuple[str, str, Array]]:
        outputs = self._every(np.asarray(x, np.float32))
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        return [(name, kind, np.asarray(y)) for (name, kind), y in zip(self.layer_kinds, outputs, strict=True)]

    def _logits(self, x):
        last = self._last
        if type(last).__name__ != "Dense" or last.get_config().get("activation") != "softmax":
            raise ValueError("the model does not end in a softmax dense layer")
        z = self._tf.matmul(self._hidden(x), last.kernel)
        return z + last.bias if last.bias is not None else z

    def hidden_and_logits(self, x: Array) -> tuple[Array, Array]:
        x = self._tf.constant(np.asarray(x, np.float32))
        logits = self._logits(x)
        return np.asarray(self._hidden(x)), np.asarray(logits)

    def _values_at(self, at: str):
        if at == "logits":
            return self._logits
        if at == "probabilities":
            return lambda x: self.model(x, training=False)
        if at not in self._layers:
            raise ValueError(f"no layer {at!r}")
        import keras

        model = keras.Model(self.model.inputs, self._layers[at].output)
        return lambda x: model(x, training=False)

    def values(self, x: Array, at: str) -> Array:
        return np.asarray(self._values_at(at)(self._tf.constant(np.asarray(x, np.float32))))

    def gradients(self, x: Array, cotangent: Array, at: str = "logits") -> Array:
        tf = self._tf
        with self._lock:
            function = self._gradient_functions.get(at)
            if function is None:
                values_at = self._values_at(at)

                def gradient(inputs, weights):
                    with tf.GradientTape() as tape:
                        tape.watch(inputs)
                        total = tf.reduce_sum(values_at(inputs) * weights)
                    return tape.gradient(total, inputs)

                function = self._gradient_functions[at] = tf.function(gradient, reduce_retracing=True)
        x = tf.constant(np.asarray(x, np.float32))
        # One pass per cotangent, not one tiled batch: TensorFlow's values (and so which of a
        # pooling window's tied maxima gets the gradient) may depend on the batch.
        return np.stack([np.asarray(function(x, tf.constant(np.asarray(c, np.float32)))) for c in cotangent])

    def first_weights(self) -> tuple[str, str, Array] | None:
        for layer in self.model.layers:
            if type(layer).__name__ in ("Dense", "Conv2D"):
                return layer.name, type(layer).__name__, np.asarray(layer.kernel)
        return None


Inside = NumpyInside | KerasInside
_made: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_made_lock = threading.Lock()


def inside(predictor) -> Inside:
    """The inside of a `Predictor`'s model, made once per predictor."""
    with _made_lock:
        found = _made.get(predictor)
        if found is None:
            model = predictor.model
            found = _made[predictor] = NumpyInside(model) if isinstance(model, NumpyModel) else KerasInside(model)
        return found


def output_shapes(model: Inside, input_shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
    """Each layer's output shape for one input (without the batch axis), from one black input."""
    outputs = model.layer_outputs(np.zeros((1, *input_shape), np.float32))
    return {name: y.shape[1:] for name, _, y in outputs}


def penultimate_name(layer_kinds: list[tuple[str, str]]) -> str | None:
    """The layer whose output the last layer reads (dropout, the identity at prediction, skipped)."""
    names = [name for name, kind in layer_kinds[:-1] if kind not in DROPOUT_KINDS]
    return names[-1] if names else None
