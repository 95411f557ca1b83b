"""Model specs, the tutorial presets, and building a Keras model from a spec.

Every model takes raw pixels (N, 28, 28) as uint8 or float and starts with a
`Rescaling` layer named "scaling": 1/255 when the run normalizes, 1.0 when it
doesn't. The scaling therefore travels inside the `.keras` file and prediction
can never apply a different one than training did.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

OPTIMIZERS = ("sgd", "rmsprop", "adam", "adadelta")
SCHEDULES = ("constant", "one-cycle")
KINDS = ("mlp", "cnn")
SCALING_LAYER = "scaling"


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to build, compile and train one model, and nothing else."""

    kind: str = "mlp"
    dense_units: tuple[int, ...] = (512, 512)
    dropout: float = 0.0
    conv_filters: tuple[int, ...] = ()
    kernel_size: int = 3
    pool_after: tuple[bool, ...] = ()
    conv_dropout: float = 0.0
    batch_norm: bool = False
    optimizer: str = "rmsprop"
    learning_rate: float = 0.001
    schedule: str = "constant"
    batch_size: int = 128
    epochs: int = 1
    one_hot: bool = True
    label_smoothing: float = 0.0

    def __post_init__(self):
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        p = []
        if self.kind not in KINDS:
            p.append(f"kind must be one of {KINDS}")
        if self.optimizer not in OPTIMIZERS:
            p.append(f"optimizer must be one of {OPTIMIZERS}")
        if self.schedule not in SCHEDULES:
            p.append(f"schedule must be one of {SCHEDULES}")
        if not 0.0 <= self.dropout < 1.0 or not 0.0 <= self.conv_dropout < 1.0:
            p.append("dropout must be in [0, 1)")
        if not 0.0 < self.learning_rate <= 10.0:
            p.append("learning rate must be in (0, 10]")
        if not 1 <= self.batch_size <= 60000:
            p.append("batch size must be in 1..60000")
        if not 1 <= self.epochs <= 1000:
            p.append("epochs must be in 1..1000")
        if not 0.0 <= self.label_smoothing < 0.5:
            p.append("label smoothing must be in [0, 0.5)")
        if self.label_smoothing and not self.one_hot:
            p.append("label smoothing needs one-hot labels")
        if any(u < 1 for u in self.dense_units) or any(f < 1 for f in self.conv_filters):
            p.append("layer sizes must be positive")
        if self.kind == "cnn" and not self.conv_filters:
            p.append("a CNN needs at least one convolution")
        if self.kind == "cnn" and len(self.pool_after) != len(self.conv_filters):
            p.append("pool_after needs one entry per convolution")
        if self.kind == "cnn" and self.kernel_size not in (3, 5):
            p.append("kernel size must be 3 or 5")
        return p

    def replace(self, **changes) -> ModelSpec:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for k in ("dense_units", "conv_filters", "pool_after"):
            d[k] = list(d[k])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ModelSpec:
        names = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        for k in ("dense_units", "conv_filters", "pool_after"):
            if k in kw:
                kw[k] = tuple(kw[k])
        return cls(**kw)


# What each preset is, in words, is in the catalogs (`common.preset.<name>`), in every language.
PRESETS: dict[str, ModelSpec] = {
    "mlp-512x2": ModelSpec(
        kind="mlp", dense_units=(512, 512), dropout=0.2, optimizer="rmsprop",
        learning_rate=0.001, batch_size=128, epochs=20,
    ),
    "mlp-64": ModelSpec(
        kind="mlp", dense_units=(64,), optimizer="rmsprop", learning_rate=0.001,
        batch_size=100, epochs=12,
    ),
    "mlp-256-100": ModelSpec(
        kind="mlp", dense_units=(256, 100), optimizer="sgd", learning_rate=0.01,
        batch_size=100, epochs=10,
    ),
    "keras-mnist-cnn": ModelSpec(
        kind="cnn", conv_filters=(32, 64), pool_after=(False, True), conv_dropout=0.25,
        dense_units=(128,), dropout=0.5, optimizer="adadelta", learning_rate=1.0,
        batch_size=128, epochs=12,
    ),
    "cnn-3conv": ModelSpec(
        kind="cnn", conv_filters=(32, 64, 64), pool_after=(True, True, False),
        dense_units=(64,), optimizer="rmsprop", learning_rate=0.001, batch_size=64, epochs=5,
    ),
    "cnn-fast": ModelSpec(
        kind="cnn", conv_filters=(16, 32), pool_after=(True, True), batch_norm=True,
        dense_units=(128,), dropout=0.25, optimizer="adam", learning_rate=0.005,
        schedule="one-cycle", batch_size=128, epochs=3,
    ),
    "cnn-fastest": ModelSpec(
        kind="cnn", conv_filters=(16, 32), pool_after=(True, True), batch_norm=True,
        dense_units=(128,), optimizer="adam", learning_rate=0.005, schedule="one-cycle",
        batch_size=32, epochs=1, label_smoothing=0.1,
    ),
    "cnn-draw": ModelSpec(
        kind="cnn", conv_filters=(32, 32, 64, 64), pool_after=(False, True, False, True), batch_norm=True,
        dense_units=(64,), dropout=0.3, optimizer="adam", learning_rate=0.003,
        schedule="one-cycle", batch_size=128, epochs=8,
    ),
}


def preset(name: str) -> ModelSpec:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None


def build_model(spec: ModelSpec, *, normalize: bool = True, num_classes: int = 10):
    """An uncompiled Keras model for `spec`, taking raw (N, 28, 28) pixels."""
    import keras
    from keras import layers

    # Every layer is named here: Keras' automatic names come from per-thread counters, and
    # models built in different training threads must not depend on them.
    inputs = keras.Input(shape=(28, 28), name="pixels")
    x = layers.Rescaling(1.0 / 255.0 if normalize else 1.0, name=SCALING_LAYER)(inputs)
    if spec.kind == "cnn":
        x = layers.Reshape((28, 28, 1), name="channels")(x)
        for i, (filters, pool) in enumerate(zip(spec.conv_filters, spec.pool_after, strict=True), start=1):
            if spec.batch_norm:
                x = layers.Conv2D(filters, spec.kernel_size, padding="same", use_bias=False, name=f"conv_{i}")(x)
                x = layers.BatchNormalization(name=f"batch_norm_{i}")(x)
                x = layers.Activation("relu", name=f"relu_{i}")(x)
            else:
                x = layers.Conv2D(filters, spec.kernel_size, activation="relu", name=f"conv_{i}")(x)
            if pool:
                x = layers.MaxPooling2D(2, name=f"max_pool_{i}")(x)
        if spec.conv_dropout:
            x = layers.Dropout(spec.conv_dropout, name="conv_dropout")(x)
    x = layers.Flatten(name="flatten")(x)
    for i, units in enumerate(spec.dense_units, start=1):
        x = layers.Dense(units, activation="relu", name=f"dense_{i}")(x)
        if spec.dropout:
            x = layers.Dropout(spec.dropout, name=f"dropout_{i}")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=f"{spec.kind}")


def learning_rate_for(spec: ModelSpec, steps_total: int):
    """A float, or a one-cycle schedule (warm up 25 %, then cosine down) over `steps_total`."""
    if spec.schedule == "constant":
        return spec.learning_rate
    import keras

    warmup = max(1, int(steps_total * 0.25))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=spec.learning_rate / 10,
        decay_steps=max(1, steps_total - warmup),
        alpha=0.01,
        warmup_target=spec.learning_rate,
        warmup_steps=warmup,
    )


def make_optimizer(spec: ModelSpec, steps_total: int):
    import keras

    lr = learning_rate_for(spec, steps_total)
    return {
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
        "adam": keras.optimizers.Adam,
        "adadelta": keras.optimizers.Adadelta,
    }[spec.optimizer](learning_rate=lr)


def loss_name(spec: ModelSpec) -> str:
    """One-hot labels (what `to_categorical` makes) pair with categorical cross-entropy;
    integer labels with its sparse twin. Both compute the same number."""
    return "categorical_crossentropy" if spec.one_hot else "sparse_categorical_crossentropy"


def loss_for(spec: ModelSpec):
    """`loss_name(spec)`, or its loss object when the targets are smoothed (the right digit gets
    1 - label_smoothing + label_smoothing / 10, the others label_smoothing / 10 each)."""
    if not spec.label_smoothing:
        return loss_name(spec)
    import keras

    return keras.losses.CategoricalCrossentropy(label_smoothing=spec.label_smoothing)


def smoothed_target(label_smoothing: float, num_classes: int = 10) -> float:
    """The probability a smoothed target gives the right class, what a model trained on it learns
    to say at most: 0.91 for 0.1 over 10 classes."""
    return 1 - label_smoothing + label_smoothing / num_classes


def loss_floor(spec: ModelSpec, num_classes: int = 10) -> float:
    """The lowest loss a run can reach: 0, or with smoothed targets their entropy (a model that
    answers exactly the smoothed target), about 0.50 for 0.1 over 10 classes."""
    import math

    if not spec.label_smoothing:
        return 0.0
    right, other = smoothed_target(spec.label_smoothing, num_classes), spec.label_smoothing / num_classes
    return -(right * math.log(right) + (num_classes - 1) * other * math.log(other))


def compile_model(model, spec: ModelSpec, steps_total: int) -> None:
    model.compile(optimizer=make_optimizer(spec, steps_total), loss=loss_for(spec), metrics=["accuracy"])


def summary_rows(model) -> list[dict]:
    """`model.summary()` as rows: layer name and type, output shape, parameter count."""
    rows = []
    for layer in model.layers:
        shape = getattr(layer, "output", None)
        shape = tuple(shape.shape) if shape is not None else ()
        rows.append({
            "layer": f"{layer.name} ({type(layer).__name__})",
            "output shape": str(shape),
            "params": int(layer.count_params()),
        })
    return rows


def training_flops(spec: ModelSpec, num_classes: int = 10) -> float:
    """Floating-point operations to train on one image (forward and backward: about 3x the forward
    multiply-adds, 2 operations each): what a queue's wait estimate scales by."""
    macs, size, channels = 0.0, 28, 1
    if spec.kind == "cnn":
        for filters, pool in zip(spec.conv_filters, spec.pool_after, strict=True):
            if not spec.batch_norm:
                size -= spec.kernel_size - 1  # "valid" padding
            macs += size * size * spec.kernel_size**2 * channels * filters
            channels = filters
            if pool:
                size //= 2
    features = size * size * channels
    for units in (*spec.dense_units, num_classes):
        macs += features * units
        features = units
    return 6.0 * macs


def model_uses_scaling_layer(model) -> bool:
    return any(layer.name == SCALING_LAYER for layer in model.layers)


def presets_for(kind: str) -> list[str]:
    return [name for name, spec in PRESETS.items() if spec.kind == kind]


def width_of(spec: ModelSpec) -> int:
    """The size a learner tunes: units of the first hidden layer (MLP) or filters of the first conv (CNN)."""
    if spec.kind == "cnn":
        return spec.conv_filters[0]
    return spec.dense_units[0] if spec.dense_units else 0


def with_width(spec: ModelSpec, width: int) -> ModelSpec:
    """`spec` with its first layer resized to `width` and the later ones scaled in proportion."""
    def scaled(sizes: tuple[int, ...]) -> tuple[int, ...]:
        if not sizes:
            return sizes
        factor = width / sizes[0]
        return tuple(max(1, round(s * factor)) for s in sizes)

    if spec.kind == "cnn":
        return spec.replace(conv_filters=scaled(spec.conv_filters))
    return spec.replace(dense_units=scaled(spec.dense_units))


def with_dropout(spec: ModelSpec, rate: float) -> ModelSpec:
    """Dense-layer dropout set to `rate`; a CNN's convolution dropout follows at half that rate
    when it had some (the Keras example's 0.25 / 0.5)."""
    conv = rate / 2 if spec.conv_dropout else 0.0
    return spec.replace(dropout=rate, conv_dropout=conv)
