"""Running a saved model with numpy alone, so that a prediction never waits for TensorFlow.

On a cold server, importing TensorFlow and tracing a Keras model takes seconds; the shipped
CNN needs ~18 M multiply-adds per digit, which numpy does in a few milliseconds. A `.keras`
file is a zip of `config.json` (the layers, as data) and `model.weights.h5` (the weights).
This module reads plain chains of the layers `models.build_model` makes. Anything else
(another layer type, branches, other dtypes or options) raises `Unsupported`, and the caller
loads the file with Keras (in safe mode) instead. Nothing in the file is ever executed.

Almost all the work is one BLAS matrix product per layer. Around them: a convolution takes in
the batch norm, activation and max pool after it (`Conv`), writes straight into the zero-padded
array the next convolution reads, and every array lives in a `Workspace` made once per call.
"""

from __future__ import annotations

import ctypes
import functools
import io
import os
import re
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import model_files
from .storage import ModelFileError

Array = np.ndarray
Kept = TypeVar("Kept")
OUTPUTS = 10
# Both chosen by measurement (bench/numpy_batch.py). A convolution makes its patch matrix for
# as many images at a time as fit in PATCH_BYTES, so that the product reads it from cache; a
# chunk (the images that go through the model together) is as many as fit their other arrays
# in CHUNK_BYTES: enough images to read the dense kernels once for many.
PATCH_BYTES = 2**20
CHUNK_BYTES = 16 * 2**20


class Unsupported(Exception):
    """This file is not one numpy can run; load it with Keras."""


def _snake_case(name: str) -> str:
    """Keras' `to_snake_case`: how a layer class names its group in `model.weights.h5`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _linear(x: Array, out: Array) -> Array:
    if out is not x:
        np.copyto(out, x)
    return out


def _sigmoid(x: Array, out: Array) -> Array:
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def _softmax(x: Array, out: Array) -> Array:
    np.subtract(x, x.max(axis=-1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


# f(x, out) writes the activation of x into out (which may be x itself) and returns out.
ACTIVATIONS: dict[str, Callable[[Array, Array], Array]] = {
    "linear": _linear,
    "relu": lambda x, out: np.maximum(x, 0, out=out),
    "softmax": _softmax,
    "sigmoid": _sigmoid,
    "tanh": lambda x, out: np.tanh(x, out=out),
}
# Max pooling gives exactly the same floats before these as after them (they never decrease).
POOLS_FIRST = ("linear", "relu")
NO_PADDING = ((0, 0), (0, 0))


def _activation_name(config: dict) -> str:
    name = config.get("activation", "linear")
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise Unsupported(f"activation {name!r}")
    return name


def _require(config: dict, **expected) -> None:
    for key, value in expected.items():
        if key in config and config[key] != value:
            raise Unsupported(f"{key}={config[key]!r}")


class Workspace:
    """The arrays one call's steps compute into, made once per step and chunk size and used again
    for every chunk, so that a batch allocates (and page-faults) them once. One per call and
    thread: a NumpyModel is shared by the app's threads."""

    def __init__(self):
        self._kept: dict[tuple[object, int], object] = {}
        self.growing = 0  # bytes of the arrays made whose size grows with the chunk

    def kept(self, owner: object, n: int, make: Callable[[int, Workspace], Kept]) -> Kept:
        """What `make(n, self)` returned the first time `owner` asked for chunks of `n`."""
        found = self._kept.get((owner, n))
        if found is None:
            found = self._kept[owner, n] = make(n, self)
        return found

    def array(self, shape: tuple[int, ...], zeros: bool = False, grows: bool = True) -> Array:
        """A new float32 array; with `zeros`, zero where never written."""
        made = (np.zeros if zeros else np.empty)(shape, np.float32)
        self.growing += made.nbytes if grows else 0
        return made


def _same_padding(kh: int, kw: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """TensorFlow's "same": the odd pixel of padding goes after, not before."""
    return ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)


def _patches(x: Array, kh: int, kw: int) -> Array:
    """Every kh x kw patch of the C-contiguous NHWC `x`, as a read-only view laid out like the
    patch matrix, (n, oh, ow, kh, kw * c): a patch's row of kw pixels is kw * c consecutive
    floats of x. With one channel, (n, kh, kw, oh, ow): copied into a patch matrix stored
    transposed, each patch pixel over all positions is a shifted image, copied row by row."""
    n, h, w, c = x.shape
    s0, s1, s2, s3 = x.strides
    oh, ow = h - kh + 1, w - kw + 1
    if c == 1:
        return as_strided(x, (n, kh, kw, oh, ow), (s0, s1, s2, s1, s2), writeable=False)
    return as_strided(x, (n, oh, ow, kh, kw * c), (s0, s1, s2, s1, s3), writeable=False)


def _max_of(parts: list[Array], out: Array) -> Array:
    np.copyto(out, parts[0]) if len(parts) == 1 else np.maximum(parts[0], parts[1], out=out)
    for part in parts[2:]:
        np.maximum(out, part, out=out)
    return out


def _pool_arrays(shape: tuple[int, ...], pool: tuple[int, int], ws: Workspace) -> SimpleNamespace:
    n, h, w, c = shape
    oh, ow = h // pool[0], w // pool[1]
    return SimpleNamespace(rows=ws.array((n, oh, ow * pool[1], c)), out=ws.array((n, oh, ow, c)))


def _pool_into(x: Array, pool: tuple[int, int], rows: Array, out: Array) -> Array:
    """Non-overlapping max pooling of `x` into `out`: the max over each window's rows first
    (whole image rows at a time, into `rows`), then over its columns."""
    (ph, pw), (n, oh, ow, c) = pool, out.shape
    windows = x[:, : oh * ph].reshape(n, oh, ph, x.shape[2], c)[:, :, :, : ow * pw]
    _max_of([windows[:, :, i] for i in range(ph)], rows)
    columns = rows.reshape(n, oh, ow, pw, c)
    return _max_of([columns[:, :, :, j] for j in range(pw)], out)


def max_pool(x: Array, pool: tuple[int, int], strides: tuple[int, int], workspace: Workspace | None = None,
             key: object = None) -> Array:
    """Max pooling ("valid") of NHWC `x`."""
    if tuple(pool) != tuple(strides):
        windows = np.lib.stride_tricks.sliding_window_view(x, pool, axis=(1, 2))[:, :: strides[0], :: strides[1]]
        return windows.max(axis=(-2, -1))
    ws = workspace or Workspace()
    arrays = ws.kept(key or max_pool, len(x), lambda n, ws: _pool_arrays((n, *x.shape[1:]), pool, ws))
    return _pool_into(x, pool, arrays.rows, arrays.out)


Step = Callable[[Array, Workspace], Array]
Layer = tuple[str, dict, list[Array]]  # a layer of the file: Keras class, config, weights


class Conv:
    """A stride-1 convolution as one matrix product: every kh x kw patch of the input is a row
    of the patch matrix (im2col), times the kernel flattened the same way. What follows it in
    the model is folded in: a batch norm into its kernel and bias; a non-overlapping max pool,
    taken before the bias and the activation (the max of x + b is the max of x, plus b) so
    that both run on the smaller array; and the zero padding of the convolution after it,
    `pad_out`, which it writes its output into (that one then reads it unpadded)."""

    def __init__(self, kernel: Array, bias: Array | None, padding: str, activation: str,
                 pool: tuple[int, int] | None = None):
        self.shape = kernel.shape
        self.kernel = np.ascontiguousarray(kernel.reshape(-1, kernel.shape[-1]), np.float32)
        self.bias, self.activation, self.pool = bias, ACTIVATIONS[activation], pool
        self.pad_in = _same_padding(*kernel.shape[:2]) if padding == "same" else NO_PADDING
        self.pad_out = NO_PADDING

    def __call__(self, x: Array, ws: Workspace) -> Array:
        a = ws.kept(self, len(x), functools.partial(self._arrays, x.shape[1:]))
        if a.interior is not None:
            np.copyto(a.interior, x)
        elif x is not a.source:
            a.source = np.ascontiguousarray(x)
            a.windows = _patches(a.source, *self.shape[:2])
        for i in range(0, len(x), a.block):
            k = min(a.block, len(x) - i)
            rows = a.product[i * a.rows_per_image : (i + k) * a.rows_per_image]
            np.copyto(a.columns[:k], a.windows[i : i + k])
            np.matmul(a.patches[: len(rows)], self.kernel, out=rows)
        y = a.image
        if self.pool:
            y = _pool_into(y, self.pool, a.pool.rows, a.pool.out)
        if self.bias is not None:
            np.add(y, self.bias, out=y)
        self.activation(y, a.out_interior if a.out_interior is not None else y)
        return a.out if a.out is not None else y

    def _arrays(self, shape: tuple[int, int, int], n: int, ws: Workspace) -> SimpleNamespace:
        """The arrays for chunks of `n` inputs of `shape`, with views of them in the shapes used.
        The patch matrix holds `block` images (with one channel, it is small: all `n`)."""
        kh, kw, cin, filters = self.shape
        (top, bottom), (left, right) = self.pad_in
        h, w = shape[0] + top + bottom, shape[1] + left + right
        oh, ow = h - kh + 1, w - kw + 1
        a = SimpleNamespace(interior=None, source=None, windows=None, pool=None, out=None, out_interior=None,
                            rows_per_image=oh * ow)
        if self.pad_in != NO_PADDING:
            a.source = ws.array((n, h, w, cin), zeros=True)
            a.interior = a.source[:, top : top + shape[0], left : left + shape[1]]
            a.windows = _patches(a.source, kh, kw)
        if cin == 1:
            a.block = n
            transposed = ws.array((kh, kw, n, oh, ow))
            a.patches = transposed.reshape(kh * kw, -1).T
            a.columns = transposed.transpose(2, 0, 1, 3, 4)
        else:
            a.block = max(1, min(n, PATCH_BYTES // (oh * ow * kh * kw * cin * 4)))
            a.columns = ws.array((a.block, oh, ow, kh, kw * cin), grows=False)
            a.patches = a.columns.reshape(-1, kh * kw * cin)
        a.product = ws.array((n * oh * ow, filters))
        a.image = a.product.reshape(n, oh, ow, filters)
        if self.pool:
            oh, ow = oh // self.pool[0], ow // self.pool[1]
            a.pool = _pool_arrays(a.image.shape, self.pool, ws)
        if self.pad_out != NO_PADDING:
            (top, bottom), (left, right) = self.pad_out
            a.out = ws.array((n, top + oh + bottom, left + ow + right, filters), zeros=True)
            a.out_interior = a.out[:, top : top + oh, left : left + ow]
        return a


def conv2d(x: Array, kernel: Array, padding: str) -> Array:
    """A stride-1 convolution of NHWC `x` with a (kh, kw, cin, filters) kernel, no bias."""
    return Conv(kernel, None, padding, "linear")(np.asarray(x, np.float32), Workspace())


class Dense:
    def __init__(self, kernel: Array, bias: Array | None, activation: str):
        self.kernel, self.bias, self.activation = kernel, bias, ACTIVATIONS[activation]

    def __call__(self, x: Array, ws: Workspace) -> Array:
        out = ws.kept(self, len(x), lambda n, ws: ws.array((n, self.kernel.shape[1])))
        np.matmul(x, self.kernel, out=out)
        if self.bias is not None:
            out += self.bias
        return self.activation(out, out)


def _dtype_name(config: dict) -> str:
    dtype = config.get("dtype", "float32")
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name")
    return dtype


class NumpyModel:
    """A chain of numpy steps equal, up to float rounding, to the Keras model it was read from.

    `layers` keeps the file's layers as read, (Keras class, config, weights), for `numpy_trace`,
    which runs them one by one to show and differentiate what the fused steps never store."""

    def __init__(self, name: str, input_shape: tuple[int, ...], layer_names: list[str], steps: list[Step],
                 chunk: int = 1, layers: tuple[Layer, ...] = ()):
        self.name = name
        self.input_shape = input_shape
        self.layer_names = layer_names
        self.chunk = chunk
        self.layers = layers
        self._steps = steps

    def __call__(self, x: Array) -> Array:
        """Class probabilities (N, 10) for a float32 batch of shape (N, *input_shape).

        The batch goes `chunk` images at a time, one chunk per core at once, each on one BLAS
        thread (`one_blas_thread`): a chunk then only slows down on a core another process holds."""
        x = np.asarray(x, np.float32)
        if x.shape[1:] != self.input_shape:
            raise ValueError(f"expected input of shape (N, {self.input_shape}), got {x.shape}")
        out, chunk = np.empty((len(x), OUTPUTS), np.float32), self.chunk
        starts, lock = iter(range(0, len(x), chunk)), threading.Lock()
        workers = min(_cores(), -(-len(x) // chunk))
        one_blas_thread()
        helpers = [_helpers().submit(self._run, x, out, chunk, starts, lock) for _ in range(workers - 1)]
        try:
            self._run(x, out, chunk, starts, lock)
        finally:
            for helper in helpers:
                helper.cancel()  # still queued behind another call's: nothing is left for it
            futures.wait(helpers)
        for helper in helpers:
            if not helper.cancelled():
                helper.result()
        return out

    def _run(self, x: Array, out: Array, chunk: int, starts: Iterator[int], lock: threading.Lock) -> None:
        """Take chunks from `starts` until none are left, writing their probabilities into `out`."""
        one_blas_thread()
        ws = Workspace()
        while True:
            with lock:
                i = next(starts, None)
            if i is None:
                return
            out[i : i + chunk] = self._forward(x[i : i + chunk], ws)

    def _forward(self, x: Array, ws: Workspace, steps: list[Step] | None = None) -> Array:
        for step in self._steps if steps is None else steps:
            x = step(x, ws)
        return x

    def hidden_and_output(self, x: Array) -> tuple[Array, Array]:
        """(what the last layer receives (N, F), class probabilities (N, 10)) in one pass:
        the features a novelty detector reads beside the prediction."""
        x = np.asarray(x, np.float32)
        if x.shape[1:] != self.input_shape:
            raise ValueError(f"expected input of shape (N, {self.input_shape}), got {x.shape}")
        hidden, output = [], []
        ws = Workspace()
        one_blas_thread()
        for i in range(0, len(x), self.chunk):
            h = self._forward(x[i : i + self.chunk], ws, self._steps[:-1]).reshape(len(x[i : i + self.chunk]), -1)
            hidden.append(h.copy())  # the workspace's buffers are reused by the next chunk
            output.append(self._forward(h, ws, self._steps[-1:]).copy())
        if not hidden:
            return np.zeros((0, 0), np.float32), np.zeros((0, OUTPUTS), np.float32)
        return np.concatenate(hidden), np.concatenate(output)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@functools.cache
def _helpers() -> futures.ThreadPoolExecutor:
    """The threads that run chunks beside the calling one: one per other core, for all models."""
    return futures.ThreadPoolExecutor(_cores() - 1, thread_name_prefix="numpy-model")


_blas_set = threading.local()


def one_blas_thread() -> None:
    """numpy's BLAS on one thread for the calling thread, from now on (once per thread).

    numpy models run one chunk per core at once, and BLAS splits each product evenly between its
    own threads: when another process holds a core, every product waits for it, so two BLAS
    threads per chunk made a forward pass several times slower on a busy server. OpenBLAS keeps
    the count per thread once a thread has used it, and ignores a process-wide change made from
    such a thread (seen with 0.3.31; threadpoolctl's `limit()` changed nothing in a page's
    thread), so each thread that runs a model sets its own count, with the per-thread call where
    the library has one."""
    if getattr(_blas_set, "done", False):
        return
    for lib in _blas().lib_controllers:
        lib.set_num_threads(1)
        local = getattr(getattr(lib, "dynlib", None), "openblas_set_num_threads_local", None)
        if local is not None:
            local.argtypes, local.restype = [ctypes.c_int], ctypes.c_int
            local(1)
    _blas_set.done = True


@functools.cache
def _blas():
    from threadpoolctl import ThreadpoolController  # on first use: not on the cold start path

    return ThreadpoolController().select(user_api="blas")


def load(path: str | Path, name: str | None = None) -> NumpyModel:
    """The model in a `.keras` file as a NumpyModel. `model_files` looks inside the file first
    and raises ModelFileError for one it refuses (`name` is the file's name in messages);
    Unsupported means numpy cannot run it, and the caller loads it with Keras instead."""
    name = name or Path(path).name
    archive = model_files.read_archive(path, name)
    try:
        return _build(archive.config, archive.weights)
    except Unsupported:
        raise
    except MemoryError as e:  # one forward pass needs more than the process may have
        raise ModelFileError("too_much_memory", name=name) from e
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
            layers.append((kind, cfg, arrays))
    if input_shape not in ((28, 28), (28, 28, 1), (784,)):
        raise Unsupported(f"input shape {input_shape}")
    names = [spec["name"] for spec in specs[1:]]
    model = NumpyModel(body.get("name", "model"), input_shape, names, _steps(layers), layers=tuple(layers))
    ws = Workspace()
    out = model._forward(np.zeros((1, *input_shape), np.float32), ws)
    if out.shape != (1, OUTPUTS):
        raise Unsupported(f"output shape {out.shape[1:]}")
    model.chunk = max(1, CHUNK_BYTES // max(1, ws.growing))
    return model


def _check_chain(body: dict, specs: list[dict]) -> None:
    """One input, one output, and every layer fed by the one before it: no branches, no extra arguments."""
    if not specs or specs[0]["class_name"] != "InputLayer":
        raise Unsupported("the first layer is not an input")
    names = [s["name"] for s in specs]
    inputs, outputs = body.get("input_layers"), body.get("output_layers")
    if inputs not in ([names[0], 0, 0], [[names[0], 0, 0]]) or outputs not in ([names[-1], 0, 0], [[names[-1], 0, 0]]):
        raise Unsupported("not a single chain from input to output")
    for previous, spec in zip(names[:-1], specs[1:], strict=True):
        nodes = spec.get("inbound_nodes", [])
        extra = {k: v for k, v in nodes[0].get("kwargs", {}).items() if v not in (None, False)} if nodes else {}
        if len(nodes) != 1 or extra or len(nodes[0].get("args", [])) != 1:
            raise Unsupported(f"layer {spec['name']!r} is not a plain chain link")
        history = nodes[0]["args"][0].get("config", {}).get("keras_history", [])
        if not history or history[0] != previous:
            raise Unsupported(f"layer {spec['name']!r} is not fed by {previous!r}")



def _steps(layers: list[Layer]) -> list[Step]:
    """The layers as steps; a convolution takes in the batch norm, activation and max pool after
    it, and the padding of a convolution right after it."""
    layers = [layer for layer in layers if layer[0] not in ("Dropout", "SpatialDropout2D")]
    steps: list[Step] = []
    while layers:
        step = _conv(layers) if layers[0][0] == "Conv2D" else _layer(*layers.pop(0))
        if isinstance(step, Conv) and steps and isinstance(steps[-1], Conv):
            steps[-1].pad_out, step.pad_in = step.pad_in, NO_PADDING
        steps.append(step)
    return steps


def _conv(layers: list[Layer]) -> Conv:
    """A Conv step for the convolution at the front of `layers`, taking the layers it absorbs off the front."""
    _, cfg, arrays = layers.pop(0)
    _require(cfg, strides=[1, 1], dilation_rate=[1, 1], groups=1, data_format="channels_last")
    padding = cfg.get("padding", "valid")
    if padding not in ("same", "valid"):
        raise Unsupported(f"padding {padding!r}")
    kernel, bias = arrays[0], arrays[1] if cfg.get("use_bias", True) else None
    activation = _activation_name(cfg)

    def next_is(kind: str) -> bool:
        return bool(layers) and layers[0][0] == kind

    if activation == "linear" and next_is("BatchNormalization"):
        factor, shift = _batch_norm(*layers.pop(0)[1:])
        kernel = kernel * factor
        bias = shift if bias is None else bias * factor + shift
    if activation == "linear" and next_is("Activation"):
        activation = _activation_name(layers.pop(0)[1])
    pool = None
    if activation in POOLS_FIRST and next_is("MaxPooling2D"):
        window, strides = _pool_args(layers[0][1])
        if window == strides:
            pool = window
            layers.pop(0)
    return Conv(kernel, bias, padding, activation, pool)


def _batch_norm(cfg: dict, arrays: list[Array]) -> tuple[Array, Array]:
    """Inference-time batch norm as x * factor + shift, per channel."""
    if cfg.get("axis", -1) not in (-1, 3, [-1], [3]):
        raise Unsupported(f"batch norm axis {cfg.get('axis')}")
    values = list(arrays)
    gamma = values.pop(0) if cfg.get("scale", True) else np.float32(1)
    beta = values.pop(0) if cfg.get("center", True) else np.float32(0)
    mean, variance = values
    factor = gamma / np.sqrt(variance + np.float32(cfg.get("epsilon", 1e-3)))
    return factor, beta - mean * factor


def _pool_args(cfg: dict) -> tuple[tuple[int, int], tuple[int, int]]:
    _require(cfg, padding="valid", data_format="channels_last")
    pool = tuple(cfg["pool_size"])
    return pool, tuple(cfg.get("strides") or pool)


def _layer(kind: str, cfg: dict, arrays: list[Array]) -> Step:
    if kind == "Rescaling":
        scale, offset = cfg.get("scale", 1.0), cfg.get("offset", 0.0)
        if not all(isinstance(v, (int, float)) for v in (scale, offset)):
            raise Unsupported("per-channel rescaling")
        if (scale, offset) == (1, 0):
            return lambda x, ws: x
        return lambda x, ws: x * np.float32(scale) + np.float32(offset)
    if kind == "Reshape":
        target = tuple(cfg["target_shape"])
        return lambda x, ws: x.reshape((len(x), *target))
    if kind == "Flatten":
        _require(cfg, data_format="channels_last")
        return lambda x, ws: x.reshape((len(x), -1))
    if kind == "Activation":
        activation = ACTIVATIONS[_activation_name(cfg)]
        return lambda x, ws: activation(x, np.empty_like(x))
    if kind == "Dense":
        return Dense(arrays[0], arrays[1] if cfg.get("use_bias", True) else None, _activation_name(cfg))
    if kind == "BatchNormalization":
        factor, shift = _batch_norm(cfg, arrays)
        return lambda x, ws: x * factor + shift
    if kind == "MaxPooling2D":
        (pool, strides), key = _pool_args(cfg), object()
        return lambda x, ws: max_pool(x, pool, strides, ws, key)
    raise Unsupported(f"layer type {kind!r}")
