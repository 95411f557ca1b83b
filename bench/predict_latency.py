"""One canvas prediction in process: `Predictor.predict_canvas` against `model.predict` on one image.

The canvas image is a SEVEN rendered like the browser draws it (mnist_demo.render), so the
figure includes the app's whole preprocessing (crop, scale, centre of mass) and the model call.
The app's predictor runs the shipped model with numpy (`mnist_demo.numpy_model`); the
reference is the same file loaded by Keras.
"""

from __future__ import annotations

import os

import numpy as np

from harness.drawing import SEVEN

from .common import PROJECT_ROOT, latencies, median, percentile, result

FIGURE = "canvas prediction in process (predict_canvas)"
TARGET = "p50 <= 10 ms, >= 7x faster"
MODEL = PROJECT_ROOT / "models" / "default.keras"


def canvas_image() -> np.ndarray:
    from mnist_demo.canvas import BACKGROUND_COLOR, CANVAS_SIZE, STROKE_COLOR, STROKE_WIDTH
    from mnist_demo.render import render_strokes

    return render_strokes(SEVEN, size=CANVAS_SIZE, stroke_width=STROKE_WIDTH, fraction=0.6,
                          ink=STROKE_COLOR, background=BACKGROUND_COLOR)


def run(quick: bool = False) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from mnist_demo.predict import Predictor
    from mnist_demo.storage import load_keras_model

    predictor = Predictor.load(MODEL)
    keras_model = load_keras_model(MODEL)
    rgba = canvas_image()
    first = predictor.predict_canvas(rgba)
    x = predictor.model_input(first.image[None])
    warmup = 3
    for _ in range(warmup):  # both paths get their tracing / first-call costs out of the way
        predictor.predict_canvas(rgba)
        keras_model.predict(x, verbose=0)
    repeats_app, repeats_ref = (20, 5) if quick else (200, 30)
    # Interleave blocks so that load from other processes hits both alike.
    app, ref = [], []
    blocks = 5
    for _ in range(blocks):
        app += latencies(lambda: predictor.predict_canvas(rgba), repeats_app // blocks)
        ref += latencies(lambda: keras_model.predict(x, verbose=0), repeats_ref // blocks)
    p50, ref_p50 = median(app) * 1000, median(ref) * 1000
    speedup = ref_p50 / p50
    from mnist_demo.canvas import preprocess_canvas

    preprocessing = latencies(lambda: preprocess_canvas(rgba), repeats_app)
    in_memory = Predictor(keras_model)  # a run that just finished: a compiled Keras function, not numpy
    in_memory.predict_canvas(rgba)
    keras_function = latencies(lambda: in_memory.predict_canvas(rgba), repeats_ref)
    return result(
        FIGURE, p50, ref_p50, speedup, TARGET, p50 <= 10 and speedup >= 7, unit="ms",
        value_text=f"p50 {p50:.1f} ms (p90 {percentile(app, 90) * 1000:.1f} ms)",
        reference_text=f"model.predict, one image: p50 {ref_p50:.1f} ms",
        ratio_text=f"{speedup:.1f}x faster",
        backend=predictor.backend, samples=len(app), reference_samples=len(ref), predicted_digit=first.digit,
        p90_ms=percentile(app, 90) * 1000, reference_p90_ms=percentile(ref, 90) * 1000,
        preprocess_p50_ms=median(preprocessing) * 1000, keras_predictor_p50_ms=median(keras_function) * 1000,
        note=f"of which preprocessing p50 {median(preprocessing) * 1000:.1f} ms; a model still in memory (compiled "
             f"Keras function) p50 {median(keras_function) * 1000:.1f} ms",
    )


if __name__ == "__main__":
    print(run())
