"""The Keras code a learner would write for the current settings, tutorial style, ready for a notebook."""

from __future__ import annotations

from .models import ModelSpec, loss_name

_OPTIMIZER_CLASS = {"sgd": "SGD", "rmsprop": "RMSprop", "adam": "Adam", "adadelta": "Adadelta"}
_DATASET_MODULE = {"mnist": "mnist", "fashion-mnist": "fashion_mnist"}


def _layers(spec: ModelSpec) -> list[str]:
    lines = ["keras.Input(shape=(28, 28)),"]
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


def _learning_rate(spec: ModelSpec) -> tuple[list[str], str]:
    if spec.schedule == "constant":
        return [], repr(float(spec.learning_rate))
    steps = f"{spec.epochs} * ((len(x_train) + {spec.batch_size - 1}) // {spec.batch_size})"
    return [
        "# One-cycle schedule: warm up for a quarter of the steps, then cosine decay.",
        f"steps = {steps}",
        "learning_rate = keras.optimizers.schedules.CosineDecay(",
        f"    initial_learning_rate={spec.learning_rate / 10:g}, decay_steps=steps - steps // 4, alpha=0.01,",
        f"    warmup_target={spec.learning_rate:g}, warmup_steps=steps // 4,",
        ")",
    ], "learning_rate"


def keras_code(spec: ModelSpec, normalize: bool = True, dataset: str = "mnist") -> str:
    """A complete, runnable script: load data, (normalize), encode labels, build, compile, fit, evaluate."""
    module = _DATASET_MODULE.get(dataset, "mnist")
    lines = [
        "import keras",
        "from keras import layers",
        "",
        f"(x_train, y_train), (x_test, y_test) = keras.datasets.{module}.load_data()",
    ]
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
    lines += ["", "model = keras.Sequential(["]
    lines += [f"    {line}" for line in _layers(spec)]
    lines += ["])", "model.summary()", ""]
    schedule_lines, lr = _learning_rate(spec)
    lines += schedule_lines
    lines += [
        "model.compile(",
        f"    optimizer=keras.optimizers.{_OPTIMIZER_CLASS[spec.optimizer]}(learning_rate={lr}),",
        f'    loss="{loss_name(spec)}",',
        '    metrics=["accuracy"],',
        ")",
        "history = model.fit(",
        f"    x_train, y_train, batch_size={spec.batch_size}, epochs={spec.epochs},",
        "    validation_data=(x_test, y_test),",
        ")",
        "test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)",
        'print("Test loss:", test_loss)',
        'print("Test accuracy:", test_accuracy)',
    ]
    return "\n".join(lines) + "\n"
