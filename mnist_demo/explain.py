"""The inside of the learner's own model on the learner's own drawing, as plain arrays for a page.

For one 28x28 image (what `canvas.preprocess_canvas` made of a drawing) and a `Predictor`:
what every layer made of it (`inside_view`), what a unit looks for (`first_layer_weights`),
where on the drawing a feature map or a unit fires (`channel_map`, `unit_map`), the saliency
of the answer and the runner-up (`saliency.saliencies`), the nearest training images (`neighbours`),
and all of that at once for the CLI (`explain`). Maps on the 28x28 input go back onto the
canvas with `on_canvas`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import neighbours as neighbours_module
from .canvas import MNIST_CENTER, MNIST_SIZE, Preprocessed, PreprocessOptions, paste_offset, resized
from .inside import DROPOUT_KINDS, inside, penultimate_name
from .saliency import DEFAULT_STEPS, Attribution, Saliency, saliencies, unit_attribution

Array = np.ndarray
REARRANGING_KINDS = ("Rescaling", "Reshape", "Flatten", *DROPOUT_KINDS)
# A feature map the next layer only rescales or passes through an activation is not shown:
# the activation's output is (what the numpy path fuses into one step).
FINISHED_BY = ("BatchNormalization", "Activation")
RED, BLUE = (230, 40, 40), (40, 100, 235)
UNSURE_MARGIN = 0.5  # below it, the answer is shown beside the runner-up


@dataclass(frozen=True)
class LayerView:
    """One layer's output for one image: `maps` (H, W, C) for a convolution's feature maps,
    a vector (units,) for a dense layer. `kind` is the Keras layer class."""

    name: str
    kind: str
    output: Array

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.output.shape)

    @property
    def is_maps(self) -> bool:
        return self.output.ndim == 3

    def strengths(self) -> Array:
        """How strongly each channel (maps: the mean |activation| over the map) or unit fires."""
        return np.abs(self.output).mean(axis=(0, 1)) if self.is_maps else np.abs(self.output)

    def strongest_first(self) -> Array:
        """Channel (or unit) indices, strongest first; ties keep their order."""
        return np.argsort(-self.strengths(), kind="stable")

    def channel(self, index: int) -> Array:
        """One feature map (H, W)."""
        return self.output[:, :, index]


@dataclass(frozen=True)
class InsideView:
    """What each layer of the model made of one image, in order, and its answer."""

    image: Array
    layers: tuple[LayerView, ...]
    probabilities: Array

    @property
    def digit(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def runner_up(self) -> int:
        return int(np.argsort(-self.probabilities, kind="stable")[1])

    @property
    def margin(self) -> float:
        """The answer's probability minus the runner-up's: near 0, the model hesitated between them."""
        return float(self.probabilities[self.digit] - self.probabilities[self.runner_up])

    @property
    def unsure(self) -> bool:
        return self.margin < UNSURE_MARGIN

    def layer(self, name: str) -> LayerView:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no layer {name!r}")

    def feature_maps(self) -> tuple[LayerView, ...]:
        """The layers worth showing as maps: each convolution's (after its batch norm and
        activation) and each pooling's."""
        steps = [layer for layer in self.layers if layer.kind not in DROPOUT_KINDS]
        after = [*(step.kind for step in steps[1:]), None]
        return tuple(layer for layer, next_kind in zip(steps, after, strict=True)
                     if layer.is_maps and layer.kind not in REARRANGING_KINDS and next_kind not in FINISHED_BY)

    def dense_layers(self) -> tuple[LayerView, ...]:
        """The hidden dense layers (the last layer, the probabilities, is not one)."""
        return tuple(layer for layer in self.layers[:-1] if layer.kind == "Dense")

    def finished(self, name: str) -> LayerView:
        """The layer `name`'s output after the batch norm and activation that follow it (what a
        convolution without batch norm gives at once): where a filter of `name` fires."""
        at = next(i for i, layer in enumerate(self.layers) if layer.name == name)
        found = self.layers[at]
        for layer in self.layers[at + 1 :]:
            if layer.kind not in (*FINISHED_BY, *DROPOUT_KINDS):
                break
            found = layer if layer.kind in FINISHED_BY else found
        return found

    def penultimate(self) -> LayerView:
        """The layer whose output the last layer reads: the space the neighbours are found in."""
        return self.layer(penultimate_name([(layer.name, layer.kind) for layer in self.layers]))


def inside_view(predictor, image: Array) -> InsideView:
    """Every layer's output for one uint8 image (28, 28), with the model's answer."""
    image = np.asarray(image)
    outputs = inside(predictor).layer_outputs(predictor.model_input(image[None]))
    layers = tuple(LayerView(name, kind, y[0]) for name, kind, y in outputs)
    return InsideView(image, layers, layers[-1].output)


def upsampled(values: Array, size: int = MNIST_SIZE) -> Array:
    """A map (h, w) stretched to size x size (bilinear), to lay over the input it was computed from."""
    values = np.asarray(values, np.float32)
    return values if values.shape == (size, size) else resized(values, size, size)


def channel_map(view: InsideView, layer: str, channel: int) -> Array:
    """Where on the 28x28 input one feature map fires: the map stretched to 28x28."""
    return upsampled(view.layer(layer).channel(channel))


def unit_map(predictor, image: Array, layer: str, unit: int, steps: int = DEFAULT_STEPS // 2) -> Attribution:
    """Which pixels of one uint8 image (28, 28) made a dense unit fire (integrated gradients of
    its output; for a first dense layer, exactly its weights times the pixels)."""
    return unit_attribution(predictor, image, layer, unit, steps)


@dataclass(frozen=True)
class FirstLayerWeights:
    """What the first layer's units look for, as pictures: a first dense layer's kernel
    (784, units) as (units, 28, 28), or a first convolution's filters (h, w, 1, filters) as
    (filters, h, w). Signed floats, as trained; `kind` is "dense" or "conv"."""

    layer: str
    kind: str
    pictures: Array


def first_layer_weights(predictor) -> FirstLayerWeights | None:
    """The first layer's weights as pictures, or None when they are not pictures of the input
    (a dense layer after a convolution, a convolution of several channels)."""
    found = inside(predictor).first_weights()
    if found is None:
        return None
    name, kind, kernel = found
    return weights_as_pictures(name, kind, kernel)


def weights_as_pictures(name: str, kind: str, kernel: Array) -> FirstLayerWeights | None:
    kernel = np.asarray(kernel, np.float32)
    if kind == "Dense" and kernel.shape[0] == MNIST_SIZE * MNIST_SIZE:
        return FirstLayerWeights(name, "dense", kernel.T.reshape(-1, MNIST_SIZE, MNIST_SIZE))
    if kind == "Conv2D" and kernel.ndim == 4 and kernel.shape[2] == 1:
        return FirstLayerWeights(name, "conv", kernel[:, :, 0].transpose(2, 0, 1))
    return None


def on_canvas(values: Array, steps: Preprocessed, options: PreprocessOptions | None = None) -> Array:
    """A map over the 28x28 input laid back over the canvas it was made from, (H, W) float32:
    the inverse of the crop, scale and centring `preprocess_canvas` did (zero off the crop)."""
    options = options or PreprocessOptions()
    values = np.asarray(values, np.float32)
    h, w = steps.scaled.shape
    scaled = steps.scaled.astype(np.float32)
    target = MNIST_CENTER if options.center else None
    top, left = paste_offset(scaled.sum(axis=1), target), paste_offset(scaled.sum(axis=0), target)
    window = np.zeros((h, w), np.float32)
    rows = slice(max(0, top), min(MNIST_SIZE, top + h))
    cols = slice(max(0, left), min(MNIST_SIZE, left + w))
    window[rows.start - top : rows.stop - top, cols.start - left : cols.stop - left] = values[rows, cols]
    out = np.zeros(steps.ink.shape, np.float32)
    if options.crop:
        t, l_, b, r = steps.bbox
    else:
        t, l_, b, r = 0, 0, *steps.ink.shape
    out[t:b, l_:r] = resized(window, b - t, r - l_)
    return out


def heat_rgb(values: Array, scale: float | None = None) -> Array:
    """A signed map as an RGB picture (H, W, 3) uint8: red where positive, blue where
    negative, white at zero; `scale` (default: the largest |value|) is full colour."""
    values = np.asarray(values, np.float32)
    scale = float(scale if scale is not None else np.abs(values).max()) or 1.0
    t = np.clip(values / scale, -1, 1)[..., None]
    white, red, blue = np.float32(255), np.array(RED, np.float32), np.array(BLUE, np.float32)
    rgb = np.where(t >= 0, white + t * (red - white), white - t * (blue - white))
    return np.rint(rgb).astype(np.uint8)


def over_image(image: Array, values: Array, scale: float | None = None) -> Array:
    """A signed map laid over a grey image (H, W) uint8 as RGB (H, W, 3): the image dimmed,
    red where the map is positive and blue where negative, the more opaque the stronger
    (square root, so that weak attributions still show)."""
    dim = np.repeat(np.asarray(image, np.float32)[..., None] * np.float32(0.45), 3, axis=2)
    values = np.asarray(values, np.float32)
    scale = float(scale if scale is not None else np.abs(values).max()) or 1.0
    alpha = np.sqrt(np.clip(np.abs(values) / scale, 0, 1))[..., None]
    colour = np.where(values[..., None] >= 0, np.array(RED, np.float32), np.array(BLUE, np.float32))
    return np.rint(dim * (1 - alpha) + colour * alpha).astype(np.uint8)


def grey_pictures(values: Array, signed: bool = False) -> Array:
    """Float pictures (K, h, w) as uint8 with one scale for all: 0..max as black..white, or
    with `signed`, -m..m as black..white around grey 128 (m the largest |value|)."""
    values = np.asarray(values, np.float32)
    if signed:
        m = float(np.abs(values).max()) or 1.0
        return np.clip(np.rint(128 + values * (127 / m)), 0, 255).astype(np.uint8)
    m = float(values.max()) if values.size and values.max() > 0 else 1.0
    return np.clip(np.rint(values * (255 / m)), 0, 255).astype(np.uint8)


def units_picture(values: Array, columns: int = 32, scale: int = 10) -> Array:
    """A dense layer's activations (units,) as a heat strip: one cell per unit, in order, `columns`
    to a row, white at zero, red the strongest (blue below zero), one scale for all."""
    values = np.asarray(values, np.float32)
    rows = -(-len(values) // columns)
    padded = np.zeros(rows * columns, np.float32)
    padded[: len(values)] = values
    cells = heat_rgb(padded, float(np.abs(values).max()) if values.size else None).reshape(rows * columns, 1, 1, 3)
    return picture_grid(cells[: len(values)], columns, scale, background=200)


def picture_grid(pictures: Array, columns: int = 8, scale: int = 1, gap: int = 1, background: int = 255) -> Array:
    """Pictures (K, h, w) or (K, h, w, 3) uint8 in a grid of `columns`, each blown up `scale`
    times with hard pixel edges, `gap` pixels apart."""
    pictures = np.asarray(pictures, np.uint8)
    pictures = np.repeat(np.repeat(pictures, scale, axis=1), scale, axis=2)
    k, h, w = pictures.shape[:3]
    columns = max(1, min(columns, k))
    rows = -(-k // columns)
    grid = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap, *pictures.shape[3:]), background, np.uint8)
    for i, picture in enumerate(pictures):
        r, c = divmod(i, columns)
        grid[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = picture
    return grid


@dataclass(frozen=True)
class Explanation:
    """Everything the inside view shows for one image."""

    view: InsideView
    saliencies: tuple[Saliency, ...]
    neighbours: neighbours_module.Neighbours | None

    def to_dict(self) -> dict:
        """Plain data: what `python -m mnist_demo explain` writes as explain.json."""
        view = self.view
        return {
            "digit": view.digit,
            "probabilities": [round(float(p), 6) for p in view.probabilities],
            "runner_up": view.runner_up,
            "margin": round(view.margin, 6),
            "layers": [{"name": layer.name, "kind": layer.kind, "output_shape": list(layer.shape)}
                       for layer in view.layers],
            "saliency": [{"digit": s.digit, "score": s.score, "total": round(s.total, 6), "sum": round(
                float(s.map.sum()), 6), "steps": s.steps} for s in self.saliencies],
            "neighbours": None if self.neighbours is None else self.neighbours.to_dict(),
        }


def explain(predictor, image: Array, index: neighbours_module.NeighbourIndex | None = None,
            runner_up: bool = True, steps: int = DEFAULT_STEPS) -> Explanation:
    """The inside view, the saliency of the answer (and runner-up), and the nearest training
    images when an index is given, for one uint8 image (28, 28)."""
    view = inside_view(predictor, image)
    digits = [view.digit, view.runner_up] if runner_up else [view.digit]
    found = tuple(saliencies(predictor, image, digits, steps))
    near = None
    if index is not None:
        near = index.query(view.penultimate().output)
    return Explanation(view, found, near)
