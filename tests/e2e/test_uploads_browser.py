"""Uploads through the real file pickers: a picture of a digit on Draw, a .keras model on Train."""

import io
import re

from PIL import Image

from harness.browser import wait_until_idle
from harness.drawing import SEVEN
from mnist_demo.render import render_strokes


def _png_bytes() -> bytes:
    rgba = render_strokes(SEVEN, ink=(20, 20, 20), background=(250, 250, 250))
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def test_uploaded_picture_is_predicted_and_a_fake_one_is_refused(app_url, page):
    from playwright.sync_api import expect

    page.goto(f"{app_url}/draw")
    wait_until_idle(page)
    page.get_by_text("Upload a picture", exact=True).click()
    picker = page.locator('[class*="st-key-draw_upload_"] input[type=file]')
    picker.set_input_files(files=[{"name": "seven.png", "mimeType": "image/png", "buffer": _png_bytes()}])
    expect(page.get_by_role("heading", name="Prediction: 7", exact=True)).to_be_visible()

    picker.set_input_files(files=[{"name": "fake.png", "mimeType": "image/png", "buffer": b"not a picture at all"}])
    expect(page.get_by_text(re.compile(r"That file cannot be used: this is not a PNG or JPEG"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Prediction"))).to_have_count(0)
    expect(page.get_by_text("fake.png")).to_have_count(0)  # the refused file does not stay in the uploader


def test_keras_upload_loads_a_model_and_refuses_a_lambda_layer(app_url, page, tmp_path):
    import keras
    from playwright.sync_api import expect

    from mnist_demo.storage import default_model_path

    inputs = keras.Input((28, 28))
    outputs = keras.layers.Dense(10, activation="softmax")(
        keras.layers.Lambda(lambda x: x * 2.0)(keras.layers.Flatten()(inputs)))
    hostile = tmp_path / "hostile.keras"
    keras.Model(inputs, outputs).save(hostile)

    page.goto(f"{app_url}/train")
    wait_until_idle(page)
    page.get_by_text("Load a trained model (.keras)").click()
    picker = page.locator(".st-key-model_upload input[type=file]")

    picker.set_input_files(str(hostile))
    expect(page.locator(".st-key-model_upload").get_by_text("hostile.keras")).to_be_visible()
    wait_until_idle(page)
    page.locator(".st-key-upload_load button").click()
    expect(page.get_by_text(re.compile(r"hostile.keras: refused, it contains code"))).to_be_visible()

    picker.set_input_files(files=[{"name": "mine.keras", "mimeType": "application/octet-stream",
                                   "buffer": default_model_path().read_bytes()}])
    expect(page.locator(".st-key-model_upload").get_by_text("mine.keras")).to_be_visible()
    expect(page.get_by_text(re.compile("hostile.keras: refused"))).to_have_count(0)  # the rerun after upload
    wait_until_idle(page)
    page.locator(".st-key-upload_load button").click()
    expect(page.get_by_text("Loaded mine: pick it on the Draw and Evaluate pages.")).to_be_visible()
