"""The Keras code a learner would write for the current settings, tutorial style, ready for a notebook.

`model_lines`, `holdout_lines`, `compile_lines` and `fit_lines` are the pieces the Train page's
code panel (`keras_code`) and the downloadable notebook (`notebook.keras_notebook`) share, so
the two never describe different trainings."""

from __future__ import annotations

from .models import SCALING_LAYER, ModelSpec, loss_name
from .training import HOLDOUT, TEST, VALIDATION_SHARE

VALIDATIONS = (HOLDOUT, TEST)

OPTIMIZER_CLASS = {"sgd": "SGD", "rmsprop": "RMSprop", "adam": "Adam", "adadelta": "Adadelta"}
DATASET_MODULE = {"mnist": "mnist", "fashion-mnist": "fashion_mnist"}


def _layers(spec: ModelSpec, scaling: float | None) -> list[str]:
    lines = ["keras.Input(shape=(28, 28)),"]
    if scaling is not None:
        factor = "1 / 255" if scaling != 1.0 else "1.0"
        lines.append(f'layers.Rescaling({factor}, name="{SCALING_LAYER}"),')
    if spec.kind == "cnn":
        lines.append("layers.Reshape((28, 28, 1)),")
        for filters, pool in zip(spec.conv_filters, spec.pool_after, strict=True):
            k = spec.kernel_size
            if spec.batch_norm:
                lines += [
                    f'layers.Conv2D({filters}, ({k}, {k}), padding="same", use_bias=False),',
                    "layers.BatchNormalization(),",
                    'layers.Activation("relu"),',
                ]
            else:
                lines.append(f'layers.Conv2D({filters}, ({k}, {k}), activation="relu"),')
            if pool:
                lines.append("layers.MaxPooling2D((2, 2)),")
        if spec.conv_dropout:
            lines.append(f"layers.Dropout({spec.conv_dropout:g}),")
    lines.append("layers.Flatten(),")
    for units in spec.dense_units:
        lines.append(f'layers.Dense({units}, activation="relu"),')
        if spec.dropout:
            lines.append(f"layers.Dropout({spec.dropout:g}),")
    lines.append('layers.Dense(10, activation="softmax"),')
    return lines


def model_lines(spec: ModelSpec, *, normalize: bool | None = None) -> list[str]:
    """`model = keras.Sequential([...])` with the layers of `models.build_model(spec)`.

    With `normalize` given, the model opens like the app's with a `Rescaling` layer named
    like the app's (1/255, or 1.0 for raw pixels); without it the pixels are expected to be
    scaled before they reach the model, the way the tutorials do it. A `Rescaling` layer has
    no weights, so the parameter count is the same either way."""
    scaling = None if normalize is None else (1 / 255 if normalize else 1.0)
    return ["model = keras.Sequential(["] + [f"    {line}" for line in _layers(spec, scaling)] + ["])"]


def _learning_rate(spec: ModelSpec) -> tuple[list[str], str]:
    """The lines that define the learning rate, and the expression to pass to the optimizer;
    the one-cycle schedule is `models.learning_rate_for`'s, over `len(x_train)` images."""
    if spec.schedule == "constant":
        return [], repr(float(spec.learning_rate))
    steps = f"{spec.epochs} * ((len(x_train) + {spec.batch_size - 1}) // {spec.batch_size})"
    return [
        "# One-cycle schedule: warm up for a quarter of the steps, then cosine decay.",
        f"steps = {steps}",
        "warmup = max(1, steps // 4)",
        "learning_rate = keras.optimizers.schedules.CosineDecay(",
        f"    initial_learning_rate={spec.learning_rate / 10:g}, decay_steps=max(1, steps - warmup), alpha=0.01,",
        f"    warmup_target={spec.learning_rate:g}, warmup_steps=warmup,",
        ")",
    ], "learning_rate"


def compile_lines(spec: ModelSpec) -> list[str]:
    """`model.compile(...)` with the optimizer, learning rate (or schedule) and loss of `models.compile_model`."""
    schedule_lines, lr = _learning_rate(spec)
    return schedule_lines + [
        "model.compile(",
        f"    optimizer=keras.optimizers.{OPTIMIZER_CLASS[spec.optimizer]}(learning_rate={lr}),",
        f"    loss=keras.losses.CategoricalCrossentropy(label_smoothing={spec.label_smoothing:g}),"
        if spec.label_smoothing else f'    loss="{loss_name(spec)}",',
        '    metrics=["accuracy"],',
        ")",
    ]


def holdout_lines(validation: str = HOLDOUT) -> list[str]:
    """The lines that set the last 10 % of the training images aside to validate on, as
    `training.TrainingRun` does (none when the run validates on the test set).

    Not `fit(validation_split=0.1)`, which also takes the end: Keras floors the training part
    where the app rounds the held-out part, and the one-cycle schedule counts its steps from
    `len(x_train)`, which must be the images actually trained on."""
    _check(validation)
    if validation == TEST:
        return []
    return [
        f"# Validation: the last {VALIDATION_SHARE:.0%} of the training images are held out;"
        " the test set waits for the end.",
        f"held_out = max(1, round(len(x_train) * {VALIDATION_SHARE:g}))",
        "x_val, y_val = x_train[-held_out:], y_train[-held_out:]",
        "x_train, y_train = x_train[:-held_out], y_train[:-held_out]",
    ]


def fit_lines(spec: ModelSpec, validation: str = HOLDOUT) -> list[str]:
    """Fit, validating after each epoch, then the test numbers: the held-out images' run measures
    the test set once at the end; a run that validated on the test set already has them."""
    _check(validation)
    lines = [
        "history = model.fit(",
        f"    x_train, y_train, batch_size={spec.batch_size}, epochs={spec.epochs},",
        "    validation_data=(x_val, y_val)," if validation == HOLDOUT else "    validation_data=(x_test, y_test),",
        ")",
    ]
    if validation == HOLDOUT:
        lines.append("test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)")
    else:
        lines += [
            "# The last epoch was validated on the test set: those are the test numbers.",
            'test_loss, test_accuracy = history.history["val_loss"][-1], history.history["val_accuracy"][-1]',
        ]
    return lines + ['print("Test loss:", test_loss)', 'print("Test accuracy:", test_accuracy)']


def _check(validation: str) -> None:
    if validation not in VALIDATIONS:
        raise ValueError(f"validation must be one of {VALIDATIONS}, not {validation!r}")


def keras_code(spec: ModelSpec, normalize: bool = True, dataset: str = "mnist", *,
               train_images: int | None = None, validation: str = HOLDOUT) -> str:
    """A complete, runnable script: load data, keep the first `train_images` training images
    (None: all), (normalize), encode labels, hold out the validation images, build, compile,
    fit, test."""
    module = DATASET_MODULE.get(dataset, "mnist")
    lines = [
        "import keras",
        "from keras import layers",
        "",
        f"(x_train, y_train), (x_test, y_test) = keras.datasets.{module}.load_data()",
    ]
    if train_images is not None:
        lines.append(f"x_train, y_train = x_train[:{train_images}], y_train[:{train_images}]")
    if normalize:
        lines += [
            "# Normalization: pixels 0-255 -> 0-1",
            'x_train = x_train.astype("float32") / 255',
            'x_test = x_test.astype("float32") / 255',
        ]
    else:
        lines += [
            "# No normalization: the raw pixels 0-255 go into the network",
            'x_train = x_train.astype("float32")',
            'x_test = x_test.astype("float32")',
        ]
    if spec.one_hot:
        lines += [
            "# One-hot labels: 3 -> [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]",
            "y_train = keras.utils.to_categorical(y_train, 10)",
            "y_test = keras.utils.to_categorical(y_test, 10)",
        ]
    lines += holdout_lines(validation)
    lines += ["", *model_lines(spec), "model.summary()", ""]
    lines += compile_lines(spec)
    lines += fit_lines(spec, validation)
    return "\n".join(lines) + "\n"
