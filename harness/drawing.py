"""Hand-made digits and what the canvas component sends for a drawing.

Strokes are polylines in canvas pixels (y down) of a digit drawn in the top-left part of the
280 px canvas; `harness.browser.draw_strokes` shifts them away from the edge."""

from __future__ import annotations

import base64
import io
import json

import numpy as np

SEVEN = [[(20, 20), (120, 20), (110, 45), (60, 180)]]
ONE = [[(60, 10), (62, 100), (64, 190)]]
ZERO = [[(60, 10), (25, 40), (15, 100), (30, 170), (70, 190), (105, 160), (115, 95), (100, 35), (60, 10)]]
U_SHAPE = [[(20, 20), (30, 150), (100, 150), (110, 20)]]  # the shipped model hesitates: 0 or 4
THREE = [[(20, 30), (60, 10), (100, 30), (95, 75), (55, 95), (100, 120), (105, 170), (60, 190), (15, 170)]]
FABRIC_VERSION = "7.4.0"  # the Fabric.js of streamlit-drawable-canvas 0.13, as it writes its JSON


def png_data_url(rgba: np.ndarray) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def canvas_value(rgba: np.ndarray) -> dict:
    """The canvas widget's value after a stroke: Fabric's JSON (no objects: the app reads only
    the picture) and the PNG data URL of the canvas. AppTest takes it as the widget's session
    state; `canvas_json` sends it over the websocket."""
    return {"drawing": {"raw": {"version": FABRIC_VERSION, "objects": []}, "data": png_data_url(rgba)},
            "backgroundFit": None}


def canvas_json(rgba: np.ndarray) -> str:
    return json.dumps(canvas_value(rgba))


def drawn(strokes, rng: np.random.Generator | None = None, fraction: float = 0.6) -> np.ndarray:
    """The canvas picture of `strokes` as the browser draws it, at a random size and place when `rng`
    is given (sizes 0.45-0.7 of the canvas)."""
    from mnist_demo.render import render_strokes

    if rng is not None:
        fraction = rng.uniform(0.45, 0.7)
    return render_strokes(strokes, fraction=fraction, rng=rng)
