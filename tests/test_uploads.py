"""Every kind of bad picture a person can upload gets a clear message, or is read correctly."""

import io

import numpy as np
import pytest
from PIL import Image

from harness.drawing import SEVEN
from mnist_demo.canvas import canvas_problem, preprocess_canvas
from mnist_demo.render import render_strokes
from mnist_demo.uploads import MAX_UPLOAD_BYTES, UploadError, image_from_upload


def _png(image: Image.Image, **kw) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **kw)
    return buffer.getvalue()


def _seven_gray(size=280, ink=0, paper=255) -> Image.Image:
    rgba = render_strokes(SEVEN, size=size, ink=(ink,) * 3, background=(paper,) * 3)
    return Image.fromarray(rgba[..., 0], "L")


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"hello, this is a text file\n", "not a PNG or JPEG"),
    (b"%PDF-1.4 not an image", "not a PNG or JPEG"),
])
def test_not_an_image(data, message):
    with pytest.raises(UploadError, match=message):
        image_from_upload(data)


def test_truncated_png():
    data = _png(_seven_gray())
    with pytest.raises(UploadError, match="damaged or truncated"):
        image_from_upload(data[: len(data) // 2])


def test_fifty_megapixels_are_refused_before_decoding():
    data = _png(Image.new("L", (7100, 7100), 0), optimize=True)
    assert len(data) < MAX_UPLOAD_BYTES
    with pytest.raises(UploadError, match="megapixels"):
        image_from_upload(data)


def test_too_many_bytes():
    with pytest.raises(UploadError, match="the limit is 5 MB"):
        image_from_upload(b"\x89PNG" + b"0" * (MAX_UPLOAD_BYTES + 1))


def test_other_formats_are_named():
    buffer = io.BytesIO()
    _seven_gray().save(buffer, format="GIF")
    with pytest.raises(UploadError, match="GIF files are not supported"):
        image_from_upload(buffer.getvalue())


def _digit_is_found(rgba: np.ndarray) -> None:
    assert rgba.dtype == np.uint8 and rgba.ndim == 3 and rgba.shape[2] == 4
    steps = preprocess_canvas(rgba)
    assert steps is not None and steps.image.shape == (28, 28) and steps.image.max() == 255


def test_sixteen_bit_png_is_read():
    gray = (np.asarray(_seven_gray(), dtype=np.uint16) * 257).astype(np.uint16)
    image = Image.fromarray(gray)
    assert image.mode.startswith("I;16")
    _digit_is_found(image_from_upload(_png(image)))


def test_palette_png_is_read():
    _digit_is_found(image_from_upload(_png(_seven_gray().convert("P"))))


def test_cmyk_jpeg_is_read():
    buffer = io.BytesIO()
    _seven_gray().convert("CMYK").save(buffer, format="JPEG", quality=95)
    _digit_is_found(image_from_upload(buffer.getvalue()))


def test_animated_png_uses_the_first_frame():
    first, second = _seven_gray(), Image.new("L", (280, 280), 255)
    buffer = io.BytesIO()
    first.save(buffer, format="PNG", save_all=True, append_images=[second])
    _digit_is_found(image_from_upload(buffer.getvalue()))


@pytest.mark.parametrize("ink", [(0, 0, 0), (255, 255, 255)])
def test_ink_on_a_transparent_background(ink):
    rgba = render_strokes(SEVEN, ink=ink, transparent=True)
    _digit_is_found(image_from_upload(_png(Image.fromarray(rgba, "RGBA"))))


def test_large_photo_is_shrunk_for_preprocessing():
    rgba = image_from_upload(_png(_seven_gray(size=3000)))
    assert max(rgba.shape[:2]) == 1024
    _digit_is_found(rgba)


def test_noise_and_blank_are_told_apart_from_drawings():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (280, 280, 3), dtype=np.uint8)
    noise = np.dstack([noise, np.full((280, 280), 255, np.uint8)])
    assert canvas_problem(noise) == "noise" and preprocess_canvas(noise) is None
    blank = np.zeros((280, 280, 4), np.uint8)
    blank[..., 3] = 255
    assert canvas_problem(blank) == "blank"
    speck = blank.copy()
    speck[100:102, 100:102, :3] = 255
    assert canvas_problem(speck) == "blank"
    assert canvas_problem(render_strokes(SEVEN)) is None
    flooded = blank.copy()
    flooded[10:270, 10:270, :3] = 255
    assert canvas_problem(flooded) == "noise"
