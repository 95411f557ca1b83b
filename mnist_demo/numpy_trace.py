"""Every layer's output of a NumpyModel, and gradients back through them, in numpy alone.

`NumpyModel.__call__` fuses a convolution with the batch norm, activation and pooling after
it, so the layers in between never exist as arrays. Here each Keras layer of the file is one
op, run on its own and kept (a `Tape`), so that a page can show what every layer made of a
drawing, and so that a gradient can go back through them without TensorFlow: backprop of a
stride-1 convolution is another one (the kernel flipped, input and output channels swapped),
of a max pool is routing to the window's first maximum (as TensorFlow does), of an
activation a product with its derivative, read from the output kept on the way.

Every backward step takes a cotangent of shape (M, N, *output) for a batch of N inputs: M
cotangents at once share one forward pass (the answer's and the runner-up's saliency).
"""

from __future__ import annotations

import threading
from concurrent import futures
from dataclasses import dataclass, field

import numpy as np

from .numpy_model import Conv, NumpyModel, Workspace, _activation_name, _batch_norm, _cores, _helpers, one_blas_thread

Array = np.ndarray
TIE_OF_IMAGE, TIE_OF_WINDOW = 1e-6, 1e-3


def _batched(g: Array) -> Array:
    """(M, N, *rest) as (M * N, *rest)."""
    return g.reshape((-1, *g.shape[2:]))


def _unbatched(gx: Array, g: Array) -> Array:
    return gx.reshape((*g.shape[:2], *gx.shape[1:]))


class _Op:
    name: str | None = None  # the Keras layer whose output this op's output is
    kind: str = ""

    def forward(self, x: Array, ws: Workspace) -> tuple[Array, object]:
        raise NotImplementedError

    def backward(self, g: Array, kept: object) -> Array:
        raise NotImplementedError


class _Scale(_Op):
    def __init__(self, scale: float, offset: float):
        self.scale, self.offset = np.float32(scale), np.float32(offset)

    def forward(self, x, ws):
        return x * self.scale + self.offset, None

    def backward(self, g, kept):
        return g * self.scale


class _Reshape(_Op):
    def __init__(self, target: tuple[int, ...]):
        self.target = target

    def forward(self, x, ws):
        return x.reshape((len(x), *self.target)), x.shape[1:]

    def backward(self, g, shape):
        return g.reshape((*g.shape[:2], *shape))


class _Identity(_Op):
    def forward(self, x, ws):
        return x, None

    def backward(self, g, kept):
        return g


class _Affine(_Op):
    """Inference-time batch norm, x * factor + shift per channel."""

    def __init__(self, factor: Array, shift: Array):
        self.factor, self.shift = factor, shift

    def forward(self, x, ws):
        return x * self.factor + self.shift, None

    def backward(self, g, kept):
        return g * self.factor


class _Bias(_Op):
    def __init__(self, bias: Array):
        self.bias = bias

    def forward(self, x, ws):
        return x + self.bias, None

    def backward(self, g, kept):
        return g


class _Activation(_Op):
    def __init__(self, activation: str):
        self.activation = activation

    def forward(self, x, ws):
        a = self.activation
        if a == "linear":
            y = x
        elif a == "relu":
            y = np.maximum(x, 0)
        elif a == "sigmoid":
            y = 1 / (1 + np.exp(-x))
        elif a == "tanh":
            y = np.tanh(x)
        else:  # softmax
            e = np.exp(x - x.max(axis=-1, keepdims=True))
            y = e / e.sum(axis=-1, keepdims=True)
        return y, y

    def backward(self, g, y):
        a = self.activation
        if a == "linear":
            return g
        if a == "relu":
            return g * (y > 0)
        if a == "sigmoid":
            return g * (y * (1 - y))
        if a == "tanh":
            return g * (1 - y * y)
        return y * (g - (g * y).sum(axis=-1, keepdims=True))


class _Dense(_Op):
    def __init__(self, kernel: Array):
        self.kernel = np.ascontiguousarray(kernel, np.float32)

    def forward(self, x, ws):
        return x @ self.kernel, None

    def backward(self, g, kept):
        return g @ self.kernel.T


class _Conv(_Op):
    """A stride-1 convolution without bias; its gradient is the full correlation of the
    cotangent with the flipped, transposed kernel, cropped to the unpadded input."""

    def __init__(self, kernel: Array, padding: str):
        kh, kw = kernel.shape[:2]
        self.forward_conv = Conv(kernel, None, padding, "linear")
        (top, bottom), (left, right) = self.forward_conv.pad_in
        flipped = np.ascontiguousarray(kernel[::-1, ::-1].transpose(0, 1, 3, 2))
        self.backward_conv = Conv(flipped, None, "valid", "linear")
        self.backward_conv.pad_in = ((kh - 1 - top, kh - 1 - bottom), (kw - 1 - left, kw - 1 - right))

    def forward(self, x, ws):
        return self.forward_conv(np.ascontiguousarray(x), ws), None

    def backward(self, g, kept):
        return _unbatched(self.backward_conv(np.ascontiguousarray(_batched(g)), Workspace()), g)


class _Pool(_Op):
    """Max pooling ("valid"); the gradient goes to each window's first maximum.

    Ties are everywhere: on the blank background every window sees the same patch. TensorFlow
    computes them equal and routes to the first; a BLAS may round equal patches differently
    (by a share of the terms summed, not of the result), so a value counts as tied with the
    window's maximum when it is within TIE_OF_IMAGE of the image's largest activation from it,
    and within TIE_OF_WINDOW of the maximum itself (a ReLU's exact zero is never tied with a
    small positive maximum)."""

    def __init__(self, pool: tuple[int, int], strides: tuple[int, int]):
        self.pool, self.strides = pool, strides

    def _windows(self, x: Array) -> list[Array]:
        """Each of the ph * pw positions of every window, in row-major order: (n, oh, ow, c) views."""
        (ph, pw), (sh, sw) = self.pool, self.strides
        oh, ow = (x.shape[1] - ph) // sh + 1, (x.shape[2] - pw) // sw + 1
        return [x[:, r : r + sh * (oh - 1) + 1 : sh, c : c + sw * (ow - 1) + 1 : sw]
                for r in range(ph) for c in range(pw)]

    def forward(self, x, ws):
        parts = self._windows(x)
        y = parts[0].copy()
        for part in parts[1:]:
            np.maximum(y, part, out=y)
        largest = np.abs(y).max(axis=tuple(range(1, y.ndim)), keepdims=True)
        tied = y - np.minimum(TIE_OF_IMAGE * largest, TIE_OF_WINDOW * np.abs(y))
        first = np.full(y.shape, len(parts) - 1, np.int8)
        for k in range(len(parts) - 2, -1, -1):
            first[parts[k] >= tied] = k
        return y, (x.shape, first)

    def backward(self, g, kept):
        shape, first = kept
        gx = np.zeros((len(g), *shape), np.float32)
        for k, part in enumerate(self._windows(gx.reshape((-1, *shape[1:])))):
            # np.add: overlapping windows may send two gradients to one pixel
            part += _batched(g * (first == k))
        return gx


def _ops(kind: str, cfg: dict, arrays: list[Array]) -> list[_Op]:
    """One Keras layer as ops; the last one's output is the layer's."""
    if kind == "Rescaling":
        return [_Scale(cfg.get("scale", 1.0), cfg.get("offset", 0.0))]
    if kind == "Reshape":
        return [_Reshape(tuple(cfg["target_shape"]))]
    if kind == "Flatten":
        return [_Reshape((-1,))]
    if kind in ("Dropout", "SpatialDropout2D"):
        return [_Identity()]
    if kind == "BatchNormalization":
        return [_Affine(*_batch_norm(cfg, arrays))]
    if kind == "Activation":
        return [_Activation(_activation_name(cfg))]
    if kind == "MaxPooling2D":
        pool = tuple(cfg["pool_size"])
        return [_Pool(pool, tuple(cfg.get("strides") or pool))]
    use_bias = cfg.get("use_bias", True)
    bias = [_Bias(arrays[1])] if use_bias else []
    if kind == "Dense":
        return [_Dense(arrays[0]), *bias, _Activation(_activation_name(cfg))]
    if kind == "Conv2D":
        return [_Conv(arrays[0], cfg.get("padding", "valid")), *bias, _Activation(_activation_name(cfg))]
    raise ValueError(f"layer type {kind!r}")


def model_ops(model: NumpyModel) -> list[_Op]:
    """The model's layers as ops, made once per model: each layer's last op carries its name."""
    made = model.__dict__.get("_trace_ops")
    if made is None:
        made = []
        for kind, cfg, arrays in model.layers:
            ops = _ops(kind, cfg, arrays)
            ops[-1].name, ops[-1].kind = cfg["name"], kind
            made += ops
        model.__dict__["_trace_ops"] = made
    return made


@dataclass
class Tape:
    """One forward pass of a batch, layer by layer, with what its backward pass needs.

    `outputs`: (layer name, Keras layer class, output (N, ...)) for every layer, in order.
    `logits`: what the final softmax reads (None when the model ends otherwise)."""

    ops: list[_Op]
    inputs: Array
    kept: list[object] = field(default_factory=list)
    values: list[Array] = field(default_factory=list)  # each op's output

    @property
    def outputs(self) -> list[tuple[str, str, Array]]:
        return [(op.name, op.kind, y) for op, y in zip(self.ops, self.values, strict=True) if op.name]

    @property
    def probabilities(self) -> Array:
        return self.values[-1]

    @property
    def _logits_index(self) -> int | None:
        last = self.ops[-1]
        softmax = isinstance(last, _Activation) and last.activation == "softmax"
        return len(self.ops) - 2 if softmax and len(self.ops) > 1 else None

    @property
    def logits(self) -> Array | None:
        i = self._logits_index
        return None if i is None else self.values[i]

    def output(self, at: str) -> Array:
        """The batch's values at `at`: "logits", "probabilities" or a layer's name."""
        return self.values[self._index(at)]

    def _index(self, at: str) -> int:
        if at == "logits":
            if self._logits_index is None:
                raise ValueError("this model does not end in a softmax: it has no logits")
            return self._logits_index
        if at == "probabilities":
            return len(self.ops) - 1
        for i, op in enumerate(self.ops):
            if op.name == at:
                return i
        raise ValueError(f"no layer {at!r}")

    def gradient(self, cotangent: Array, at: str = "logits") -> Array:
        """d(sum of cotangent * values at `at`) / d inputs, (M, N, *input) for a cotangent of
        shape (M, N, *values at `at`): M gradients for each of the N inputs, from this one pass."""
        i = self._index(at)
        g = np.asarray(cotangent, np.float32)
        if g.shape[1:] != self.values[i].shape:
            raise ValueError(f"cotangent of shape (M, {self.values[i].shape}) expected, got {g.shape}")
        one_blas_thread()
        for op, kept in zip(self.ops[i::-1], self.kept[i::-1], strict=True):
            g = op.backward(g, kept)
        return g


def record(model: NumpyModel, x: Array) -> Tape:
    """The tape of one forward pass of the model input `x` (N, *model.input_shape)."""
    x = np.asarray(x, np.float32)
    if x.shape[1:] != model.input_shape:
        raise ValueError(f"expected input of shape (N, {model.input_shape}), got {x.shape}")
    tape, ws = Tape(model_ops(model), x), Workspace()
    one_blas_thread()
    for op in tape.ops:
        x, kept = op.forward(x, ws)
        tape.values.append(x)
        tape.kept.append(kept)
    return tape


def layer_outputs(model: NumpyModel, x: Array) -> list[tuple[str, str, Array]]:
    """(name, Keras layer class, output (N, ...)) of every layer for the model input `x`."""
    return record(model, x).outputs


def gradients(model: NumpyModel, x: Array, cotangent: Array, at: str = "logits", min_part: int = 4) -> Array:
    """`record(model, x).gradient(cotangent, at)`, the batch cut in one part per core (of at
    least `min_part` inputs) run side by side: the calling thread and NumpyModel's helper
    threads take parts until none is left, so a helper busy with another call never holds
    this one up."""
    x, cotangent = np.asarray(x, np.float32), np.asarray(cotangent, np.float32)
    count = max(1, min(_cores(), len(x) // min_part))
    bounds = np.linspace(0, len(x), count + 1).astype(int)
    out = np.empty((cotangent.shape[0], *x.shape), np.float32)
    parts, lock = iter(range(count)), threading.Lock()

    def take() -> None:
        while True:
            with lock:
                i = next(parts, None)
            if i is None:
                return
            a, b = bounds[i], bounds[i + 1]
            out[:, a:b] = record(model, x[a:b]).gradient(cotangent[:, a:b], at)

    helpers = [_helpers().submit(take) for _ in range(count - 1)]
    try:
        take()
    finally:
        for helper in helpers:
            helper.cancel()
        futures.wait(helpers)
    for helper in helpers:
        if not helper.cancelled():
            helper.result()
    return out

