"""Running a saved model with numpy alone, so that a prediction never waits for TensorFlow.

On a cold server, importing TensorFlow and tracing a Keras model takes seconds; the shipped
CNN needs ~18 M multiply-adds per digit, which numpy does in a few milliseconds. A `.keras`
file is a zip of `config.json` (the layers, as data) and `model.weights.h5` (the weights).
This module reads plain chains of the layers `models.build_model` makes. Anything else
(another layer type, branches, other dtypes or options) raises `Unsupported`, and the caller
loads the file with Keras (in safe mode) instead. Nothing in the file is ever executed.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

Array = np.ndarray
CHUNK = 16


class Unsupported(Exception):
    """This file is not one numpy can run; load it with Keras."""


def _snake_case(name: str) -> str:
    """Keras' `to_snake_case`: how a layer class names its group in `model.weights.h5`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _softmax(x: Array) -> Array:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "softmax": _softmax,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
}


def _activation(config: dict) -> Callable[[Array], Array]:
    name = config.get("activation", "linear")
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise Unsupported(f"activation {name!r}")
    return ACTIVATIONS[name]


def _require(config: dict, **expected) -> None:
    for key, value in expected.items():
        if key in config and config[key] != value:
            raise Unsupported(f"{key}={config[key]!r}")


def conv2d(x: Array, kernel: Array, padding: str) -> Array:
    """A stride-1 convolution of NHWC `x` as one matrix product: the kh*kw shifted copies of the
    image side by side (im2col), times the kernel flattened the same way."""
    kh, kw, cin, filters = kernel.shape
    if padding == "same":  # TensorFlow puts the odd pixel of padding after, not before
        x = np.pad(x, ((0, 0), ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0)))
    n, h, w, _ = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    columns = np.concatenate([x[:, i : i + oh, j : j + ow] for i in range(kh) for j in range(kw)], axis=-1)
    return (columns.reshape(-1, kh * kw * cin) @ kernel.reshape(-1, filters)).reshape(n, oh, ow, filters)


def max_pool(x: Array, pool: tuple[int, int], strides: tuple[int, int]) -> Array:
    n, h, w, c = x.shape
    (ph, pw), (sh, sw) = pool, strides
    if (ph, pw) == (sh, sw):
        x = x[:, : h - h % ph, : w - w % pw]
        return x.reshape(n, h // ph, ph, w // pw, pw, c).max(axis=(2, 4))
    windows = np.lib.stride_tricks.sliding_window_view(x, pool, axis=(1, 2))[:, ::sh, ::sw]
    return windows.max(axis=(-2, -1))


def _dtype_name(config: dict) -> str:
    dtype = config.get("dtype", "float32")
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name")
    return dtype


class NumpyModel:
    """A chain of numpy functions equal, up to float rounding, to the Keras model it was read from."""

    def __init__(self, name: str, input_shape: tuple[int, ...], layers: list[tuple[str, Callable[[Array], Array]]]):
        self.name = name
        self.input_shape = input_shape
        self.layer_names = [layer_name for layer_name, _ in layers]
        self._layers = layers

    def __call__(self, x: Array) -> Array:
        """Class probabilities for a float32 batch of shape (N, *input_shape), in chunks that keep
        the convolution's patch matrix small."""
        x = np.asarray(x, np.float32)
        if x.shape[1:] != self.input_shape:
            raise ValueError(f"expected input of shape (N, {self.input_shape}), got {x.shape}")
        parts = [self._forward(x[i : i + CHUNK]) for i in range(0, len(x), CHUNK)]
        return np.concatenate(parts) if parts else np.zeros((0, 10), np.float32)

    def hidden_and_output(self, x: Array) -> tuple[Array, Array]:
        """(what the last layer receives (N, F), class probabilities (N, 10)) in one pass:
        the features a novelty detector reads beside the prediction."""
        x = np.asarray(x, np.float32)
        if x.shape[1:] != self.input_shape:
            raise ValueError(f"expected input of shape (N, {self.input_shape}), got {x.shape}")
        hidden, output = [], []
        for i in range(0, len(x), CHUNK):
            h = self._forward(x[i : i + CHUNK], self._layers[:-1])
            hidden.append(h)
            output.append(self._forward(h, self._layers[-1:]))
        if not hidden:
            return np.zeros((0, 0), np.float32), np.zeros((0, 10), np.float32)
        return np.concatenate(hidden), np.concatenate(output)

    def _forward(self, x: Array, layers=None) -> Array:
        for _, layer in self._layers if layers is None else layers:
            x = layer(x)
        return x.astype(np.float32, copy=False)


def load(path: str | Path) -> NumpyModel:
    """The model in a `.keras` file as a NumpyModel; raises Unsupported when numpy cannot run it."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            weights = archive.read("model.weights.h5")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise Unsupported(f"unreadable: {e}") from e
    try:
        return _build(config, weights)
    except Unsupported:
        raise
    except Exception as e:  # a malformed config or weight file: let Keras give the verdict
        raise Unsupported(f"{type(e).__name__}: {e}") from e


def _build(config: dict, weights: bytes) -> NumpyModel:
    import h5py

    if config.get("class_name") != "Functional":
        raise Unsupported(f"model class {config.get('class_name')!r}")
    body = config["config"]
    specs = body["layers"]
    _check_chain(body, specs)
    layers, used, input_shape = [], {}, None
    with h5py.File(io.BytesIO(weights), "r") as h5:
        for spec in specs:
            kind, cfg = spec["class_name"], spec["config"]
            group = _snake_case(kind)
            used[group] = used.get(group, -1) + 1
            if used[group]:
                group = f"{group}_{used[group]}"
            variables = h5.get(f"layers/{group}/vars")
            arrays = [np.asarray(variables[str(i)], np.float32) for i in range(len(variables))] if variables else []
            if _dtype_name(cfg) != "float32":
                raise Unsupported(f"dtype {_dtype_name(cfg)!r}")
            if kind == "InputLayer":
                input_shape = tuple(cfg["batch_shape"][1:])
                continue
            layers.append((spec["name"], _layer(kind, cfg, arrays)))
    if input_shape not in ((28, 28), (28, 28, 1), (784,)):
        raise Unsupported(f"input shape {input_shape}")
    model = NumpyModel(body.get("name", "model"), input_shape, layers)
    out = model(np.zeros((1, *input_shape), np.float32))
    if out.shape != (1, 10):
        raise Unsupported(f"output shape {out.shape[1:]}")
    return model


def _check_chain(body: dict, specs: list[dict]) -> None:
    """One input, one output, and every layer fed by the one before it: no branches, no extra arguments."""
    if not specs or specs[0]["class_name"] != "InputLayer":
        raise Unsupported("the first layer is not an input")
    names = [s["name"] for s in specs]
    inputs, outputs = body.get("input_layers"), body.get("output_layers")
    if inputs not in ([names[0], 0, 0], [[names[0], 0, 0]]) or outputs not in ([names[-1], 0, 0], [[names[-1], 0, 0]]):
        raise Unsupported("not a single chain from input to output")
    for previous, spec in zip(names, specs[1:]):
        nodes = spec.get("inbound_nodes", [])
        extra = {k: v for k, v in nodes[0].get("kwargs", {}).items() if v not in (None, False)} if nodes else {}
        if len(nodes) != 1 or extra or len(nodes[0].get("args", [])) != 1:
            raise Unsupported(f"layer {spec['name']!r} is not a plain chain link")
        history = nodes[0]["args"][0].get("config", {}).get("keras_history", [])
        if not history or history[0] != previous:
            raise Unsupported(f"layer {spec['name']!r} is not fed by {previous!r}")


def _layer(kind: str, cfg: dict, arrays: list[Array]) -> Callable[[Array], Array]:
    if kind == "Rescaling":
        scale, offset = cfg.get("scale", 1.0), cfg.get("offset", 0.0)
        if not all(isinstance(v, (int, float)) for v in (scale, offset)):
            raise Unsupported("per-channel rescaling")
        return lambda x: x * np.float32(scale) + np.float32(offset)
    if kind == "Reshape":
        target = tuple(cfg["target_shape"])
        return lambda x: x.reshape((len(x), *target))
    if kind == "Flatten":
        _require(cfg, data_format="channels_last")
        return lambda x: x.reshape((len(x), -1))
    if kind in ("Dropout", "SpatialDropout2D"):
        return lambda x: x
    if kind == "Activation":
        return _activation(cfg)
    if kind == "Dense":
        kernel, bias = arrays[0], arrays[1] if cfg.get("use_bias", True) else 0
        activation = _activation(cfg)
        return lambda x: activation(x @ kernel + bias)
    if kind == "Conv2D":
        _require(cfg, strides=[1, 1], dilation_rate=[1, 1], groups=1, data_format="channels_last")
        padding = cfg.get("padding", "valid")
        if padding not in ("same", "valid"):
            raise Unsupported(f"padding {padding!r}")
        kernel, bias = arrays[0], arrays[1] if cfg.get("use_bias", True) else 0
        activation = _activation(cfg)
        return lambda x: activation(conv2d(x, kernel, padding) + bias)
    if kind == "BatchNormalization":
        if cfg.get("axis", -1) not in (-1, 3, [-1], [3]):
            raise Unsupported(f"batch norm axis {cfg.get('axis')}")
        values = list(arrays)
        gamma = values.pop(0) if cfg.get("scale", True) else 1.0
        beta = values.pop(0) if cfg.get("center", True) else 0.0
        mean, variance = values
        factor = (gamma / np.sqrt(variance + np.float32(cfg.get("epsilon", 1e-3)))).astype(np.float32)
        shift = (beta - mean * factor).astype(np.float32)
        return lambda x: x * factor + shift
    if kind == "MaxPooling2D":
        _require(cfg, padding="valid", data_format="channels_last")
        pool = tuple(cfg["pool_size"])
        strides = tuple(cfg.get("strides") or pool)
        return lambda x: max_pool(x, pool, strides)
    raise Unsupported(f"layer type {kind!r}")
