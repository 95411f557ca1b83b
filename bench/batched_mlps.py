"""Would training several learners' MLPs as one batched computation empty a class's queue faster?

    python -m bench.batched_mlps [--models 1,2,4,8] [--steps 150] [--preset mlp-512x2] [--json PATH]

The reference is what the server does now: one learner's model at a time, with Keras `fit`
on the preset's batch size. Against it, K models of the same shape stacked into one set of
weights (K x 784 x 512, ...) and trained in one `tf.function` step (dropout and RMSprop as the
preset has them), each model on its own batch. Reported per row: images per second summed over
the K models, and the ratio to Keras `fit` on one model measured in the same run. A ratio near
1 means the two cores were already busy: stacking only saves per-step overhead."""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def _data(batch: int, steps: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(batch * steps, 784)).astype("float32") / 255.0
    y = rng.integers(0, 10, size=batch * steps).astype("int32")
    return x, y


def keras_fit_images_per_second(spec, steps: int) -> float:
    """One model, Keras fit, as the app's training thread runs it (after one warm-up epoch)."""
    import keras

    from mnist_demo.models import build_model

    model = build_model(spec, normalize=False)
    model.compile(optimizer=keras.optimizers.RMSprop(spec.learning_rate), loss="sparse_categorical_crossentropy")
    x, y = _data(spec.batch_size, steps)
    x = x.reshape(-1, 28, 28)
    model.fit(x[: spec.batch_size * 10], y[: spec.batch_size * 10], batch_size=spec.batch_size, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=spec.batch_size, epochs=1, verbose=0, shuffle=False)
    return len(x) / (time.perf_counter() - start)


def stacked_images_per_second(spec, models: int, steps: int) -> float:
    """`models` MLPs of the spec's shape, stacked and trained in one step function."""
    import tensorflow as tf

    sizes = [784, *spec.dense_units, 10]
    rng = np.random.default_rng(1)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        limit = np.sqrt(6 / (fan_in + fan_out))
        weights.append(tf.Variable(rng.uniform(-limit, limit, (models, fan_in, fan_out)).astype("float32")))
        weights.append(tf.Variable(np.zeros((models, 1, fan_out), "float32")))
    squares = [tf.Variable(tf.zeros_like(w)) for w in weights]
    rate, rho, eps, dropout = spec.learning_rate, 0.9, 1e-7, spec.dropout

    @tf.function(jit_compile=False)
    def step(x, y):
        with tf.GradientTape() as tape:
            h = x
            for i in range(0, len(weights) - 2, 2):
                h = tf.nn.relu(tf.einsum("kbi,kio->kbo", h, weights[i]) + weights[i + 1])
                if dropout:
                    h = tf.nn.dropout(h, dropout)
            logits = tf.einsum("kbi,kio->kbo", h, weights[-2]) + weights[-1]
            loss = tf.reduce_sum(tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits), axis=1))
        for w, s, g in zip(weights, squares, tape.gradient(loss, weights), strict=True):
            s.assign(rho * s + (1 - rho) * tf.square(g))
            w.assign_sub(rate * g / (tf.sqrt(s) + eps))
        return loss

    x, y = _data(spec.batch_size * models, steps)
    xs = x.reshape(steps, models, spec.batch_size, 784)
    ys = y.reshape(steps, models, spec.batch_size)
    batches = [(tf.constant(xs[i]), tf.constant(ys[i])) for i in range(steps)]
    for xb, yb in batches[:10]:
        step(xb, yb)
    start = time.perf_counter()
    for xb, yb in batches:
        loss = step(xb, yb)
    float(loss)
    return models * spec.batch_size * steps / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> list[dict]:
    from mnist_demo.models import preset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="1,2,4,8", help="comma-separated numbers of stacked models")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--preset", default="mlp-512x2")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    spec = preset(args.preset)
    reference = keras_fit_images_per_second(spec, args.steps)
    rows = [{"how": "Keras fit, one model (reference)", "models": 1, "images_per_s": round(reference), "ratio": 1.0}]
    for models in map(int, args.models.split(",")):
        rate = stacked_images_per_second(spec, models, args.steps)
        rows.append({"how": "stacked, one step function", "models": models, "images_per_s": round(rate),
                     "ratio": round(rate / reference, 2)})
    rows.append({"how": "Keras fit, one model (again)", "models": 1,
                 "images_per_s": round(keras_fit_images_per_second(spec, args.steps)),
                 "ratio": None})
    rows[-1]["ratio"] = round(rows[-1]["images_per_s"] / reference, 2)
    print(f"{args.preset}, batch {spec.batch_size}, {args.steps} steps per row")
    print("| how | models | images/s (all models) | ratio to Keras fit |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['how']} | {row['models']} | {row['images_per_s']:,} | {row['ratio']} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"preset": args.preset, "steps": args.steps, "rows": rows}, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
