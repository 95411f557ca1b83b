import base64
import io
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnist_demo.images import digit_gallery_html, digit_image, png_bytes, png_data_url


@pytest.mark.parametrize("shape", [(28, 28), (1, 1), (3, 7), (280, 140)])
def test_png_decodes_to_the_same_pixels(shape):
    pixels = np.random.default_rng(0).integers(0, 256, shape).astype(np.uint8)
    decoded = Image.open(io.BytesIO(png_bytes(pixels)))
    assert decoded.mode == "L" and np.array_equal(np.asarray(decoded), pixels)


def test_png_clips_other_number_types_into_bytes():
    decoded = np.asarray(Image.open(io.BytesIO(png_bytes(np.array([[-5.0, 12.7, 300.0]])))))
    assert decoded.tolist() == [[0, 12, 255]]


@pytest.mark.parametrize("bad", [np.zeros((2, 2, 3)), np.zeros(5), np.zeros((0, 4))])
def test_png_refuses_what_is_not_a_greyscale_image(bad):
    with pytest.raises(ValueError, match="2-D greyscale"):
        png_bytes(bad)


def test_digit_image_blows_up_pixels_with_hard_edges():
    big = digit_image(np.array([[0, 255], [128, 7]]), 3)
    assert big.shape == (6, 6) and big[:3, 3:].min() == 255 and set(np.unique(big[3:, :3])) == {128}


def test_gallery_inlines_each_digit_with_its_escaped_caption():
    digits = np.random.default_rng(1).integers(0, 256, (3, 28, 28)).astype(np.uint8)
    page = digit_gallery_html(digits, ["7", "T-shirt/top", "<b>"])
    urls = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(urls) == 3 and page.count('class="digit-sample"') == 3
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(base64.b64decode(urls[1])))), digits[1])
    assert "<figcaption" in page and "&lt;b&gt;" in page and "<b>" not in page
    assert png_data_url(digits[0]) == "data:image/png;base64," + urls[0]


def test_home_pictures_need_no_pillow():
    """The Home page's pictures come without importing Pillow (a cold server's first page)."""
    import subprocess

    code = ("import sys, numpy as np; from mnist_demo.images import digit_gallery_html; "
            "digit_gallery_html(np.zeros((2, 28, 28), np.uint8), ['1', '2']); print('PIL' in sys.modules)")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "False"
