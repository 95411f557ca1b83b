"""Digits as pictures for display: blown-up arrays, PNG data URLs, an inline gallery.

PNGs are written here with zlib rather than Pillow: the Home page is the first thing a
class opens on a cold server, and importing Pillow costs it more than all its digits."""

from __future__ import annotations

import base64
import html
import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def digit_image(image: np.ndarray, scale: int = 8) -> np.ndarray:
    """A small grey image blown up with hard pixel edges, for display."""
    return np.kron(np.asarray(image, dtype=np.uint8), np.ones((scale, scale), np.uint8))


def squared(image: np.ndarray) -> np.ndarray:
    """The image centred in a black square as wide as its longer side (tiles of one height)."""
    image = np.asarray(image)
    h, w = image.shape[:2]
    side = max(h, w)
    out = np.zeros((side, side, *image.shape[2:]), image.dtype)
    top, left = (side - h) // 2, (side - w) // 2
    out[top : top + h, left : left + w] = image
    return out


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_bytes(image: np.ndarray) -> bytes:
    """An 8-bit greyscale PNG of a 2-D array of 0-255 values."""
    pixels = np.asarray(image)
    if pixels.ndim != 2 or pixels.size == 0:
        raise ValueError(f"expected a non-empty 2-D greyscale image, got shape {pixels.shape}")
    pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    height, width = pixels.shape
    rows = np.hstack([np.zeros((height, 1), np.uint8), pixels])  # filter type 0 (None) before each row
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8 bits, greyscale, no interlace
    return (PNG_SIGNATURE + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
            + _png_chunk(b"IEND", b""))


def png_data_url(image: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode()


def digit_gallery_html(images, captions, size: int = 56, colors=None, titles=None, kind: str = "digit-sample") -> str:
    """Digits with captions as one HTML block, the pixels inlined at their own 28x28 size and
    blown up by the browser with hard edges. `colors` colour each caption, `titles` are tooltips;
    a caption longer than its picture is cut with an ellipsis rather than wrapped (a grid of
    "Ankle boot" and "T-shirt/top" keeps its rows).

    One block instead of an `st.image` per digit: no request per picture, so the page is
    complete as soon as its text is."""
    colors = colors or [None] * len(images)
    titles = titles or [None] * len(images)
    width = size + 24
    figures = "".join(
        f'<figure class="{kind}" style="margin:0;text-align:center;width:{width}px"'
        + (f' title="{html.escape(str(title))}"' if title else "") + ">"
        f'<img src="{png_data_url(image)}" width="{size}" height="{size}" alt="{html.escape(str(caption))}" '
        f'style="width:{size}px;height:{size}px;image-rendering:pixelated;display:block;margin:0 auto">'
        f'<figcaption style="font-size:0.8rem;white-space:nowrap;overflow:hidden;text-overflow:ellipsis'
        + (f';color:{color};font-weight:600' if color else "") + f'">{html.escape(str(caption))}</figcaption></figure>'
        for image, caption, color, title in zip(images, captions, colors, titles, strict=True)
    )
    return f'<div style="display:flex;flex-wrap:wrap;gap:0.75rem">{figures}</div>'


def digit_text(image: np.ndarray) -> str:
    """A 28x28 uint8 digit as short text (base64 of its bytes), for keeping in a workspace setting."""
    return base64.b64encode(np.asarray(image, np.uint8).reshape(28, 28).tobytes()).decode("ascii")


def digit_from_text(text: object) -> np.ndarray | None:
    """The digit `digit_text` wrote, or None when `text` is not one."""
    try:
        raw = base64.b64decode(str(text), validate=True)
    except ValueError:
        return None
    return np.frombuffer(raw, np.uint8).reshape(28, 28).copy() if len(raw) == 28 * 28 else None
