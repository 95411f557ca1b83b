"""Checking and decoding an uploaded picture of a digit, at the edge, before anything else sees it."""

from __future__ import annotations

import io
import warnings

import numpy as np

from .errors import AppError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 4096 * 4096
ALLOWED_FORMATS = ("PNG", "JPEG")
MAX_SIDE_FOR_CANVAS = 1024


class UploadError(AppError, ValueError):
    """An uploaded picture we cannot use."""

    group = "upload"


def image_from_upload(data: bytes) -> np.ndarray:
    """RGBA uint8 (H, W, 4) from PNG/JPEG bytes; downscaled to at most 1024 px on the long side."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    if not data:
        raise UploadError("empty")
    if len(data) > MAX_UPLOAD_BYTES:
        size, limit = f"{len(data) / 2**20:.1f}", MAX_UPLOAD_BYTES // 2**20
        raise UploadError("too_big", size=size, limit=limit)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                kind = image.format or "this"
                raise UploadError("format", kind=kind)
            width, height = image.size
            if width * height > MAX_PIXELS:
                mp, limit = f"{width * height / 1e6:.0f}", f"{MAX_PIXELS / 1e6:.0f}"
                raise UploadError("too_many_pixels", width=width, height=height, mp=mp, limit=limit)
            if getattr(image, "is_animated", False):
                image = next(iter(ImageSequence.Iterator(image)))
            image.load()
    except UploadError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadError("not_image") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise UploadError("damaged", detail=str(e)) from None
    return _to_rgba(image)


def _to_rgba(image) -> np.ndarray:
    """Any PIL mode (16-bit, palette, CMYK, grey, with alpha) as 8-bit RGBA."""
    from PIL import Image

    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        values = np.asarray(image, dtype=np.float64)
        top = values.max() or 1.0
        image = Image.fromarray((values / top * 255).astype(np.uint8), "L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode not in ("RGBA", "LA"):
        image = image.convert("RGB")
    image = image.convert("RGBA")
    scale = MAX_SIDE_FOR_CANVAS / max(image.size)
    if scale < 1:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.Resampling.BOX)
    return np.array(image, dtype=np.uint8)
