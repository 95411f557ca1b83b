"""Things people draw that are not digits, made here as pen strokes: letters, shapes,
scribbles and crossed-out digits.

They teach the shipped model to be unsure of what is not a digit (`augment`'s uniform
targets) and measure the "not a digit" detector (`novelty`). Nothing is downloaded:

- letters that look like no digit (E F H K M N R W X e h k m n w x) come from the
  Hershey vector fonts of Debian's `hershey-fonts-data` (single-stroke engraving fonts,
  already pen paths), bent by `strokes.distorted` to look handwritten;
- shapes (triangle, square, star, heart, spiral, arrow, hash, smiley, zigzag, wave,
  dash, dot, filled blob) and scribbles are drawn from random parameters;
- crossed-out digits are Hershey digits struck through or hatched over.

Training and measuring use different fonts and seeds (`TRAIN`, `HELD_OUT`), so the
measurement is on letters in hands the model has never seen. Circles, ovals and single
strokes are left out on purpose: drawn on the canvas they are a 0 or a 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .strokes import StrokeSet, as_stroke_set

HERSHEY_DIR = Path("/usr/share/hershey-fonts")
NON_DIGIT_LETTERS = "EFHKMNRWXehkmnwx"
DIGITS = "0123456789"
KINDS = ("letters", "shapes", "scribbles", "crossed_digits")
SHAPES = (
    "triangle", "square", "star", "heart", "spiral", "arrow", "hash", "smiley", "zigzag", "wave",
    "dash", "dot", "blob",
)


class FontMissing(FileNotFoundError):
    """The Hershey fonts are not installed: `apt-get install hershey-fonts-data`."""


@dataclass(frozen=True)
class Split:
    name: str
    fonts: tuple[str, ...]
    seed: int


# Single-stroke fonts read most like handwriting; the duplex and complex ones add variety.
TRAIN = Split("train", ("futural", "scripts", "futuram", "rowmand", "timesi"), seed=1)
HELD_OUT = Split("held_out", ("rowmans", "cursive", "scriptc", "timesr"), seed=2)


def parse_hershey_glyph(line: str) -> StrokeSet:
    """The pen strokes of one glyph line of a .jhf file, y down, in font units.

    Columns 0-4 are the glyph number, 5-7 the number of coordinate pairs, then the left and
    right margins and the points as pairs of letters (value = letter - 'R'); " R" lifts the pen."""
    body = line.rstrip("\n")[8:]
    points = [body[i : i + 2] for i in range(2, len(body) - 1, 2)]
    strokes, current = [], []
    for pair in points:
        if pair == " R":
            if current:
                strokes.append(current)
            current = []
        else:
            current.append((ord(pair[0]) - ord("R"), ord(pair[1]) - ord("R")))
    if current:
        strokes.append(current)
    return as_stroke_set(strokes) if strokes else []


def hershey_font(name: str, folder: Path = HERSHEY_DIR) -> dict[str, StrokeSet]:
    """The printable ASCII glyphs (space to ~) of a Hershey .jhf font, by character.

    A glyph may continue on the next line when it has many points; lines are joined until
    the coordinate count is reached."""
    path = folder / f"{name}.jhf"
    if not path.is_file():
        raise FontMissing(f"no Hershey font at {path}: apt-get install hershey-fonts-data")
    glyphs, pending = [], ""
    for line in path.read_text(encoding="latin-1").splitlines():
        pending += line
        count = int(pending[5:8])
        if len(pending) - 8 >= 2 * count:
            glyphs.append(pending)
            pending = ""
    return {chr(32 + i): parse_hershey_glyph(g) for i, g in enumerate(glyphs[:95])}


def hershey_available(folder: Path = HERSHEY_DIR) -> bool:
    return all((folder / f"{font}.jhf").is_file() for font in TRAIN.fonts + HELD_OUT.fonts)


def _polygon(points: np.ndarray, closed: bool = True) -> np.ndarray:
    return np.vstack([points, points[:1]]) if closed else points


def _circle(center, radius, start=0.0, end=2 * np.pi, n=40) -> np.ndarray:
    t = np.linspace(start, end, n)
    return np.stack([center[0] + radius * np.cos(t), center[1] + radius * np.sin(t)], axis=1)


def shape(name: str, rng: np.random.Generator) -> StrokeSet:
    """One random instance of a named shape, in units of about 100, y down."""
    u = rng.uniform
    if name == "triangle":
        pts = np.array([[u(-10, 10), 0], [u(-60, -40), u(80, 100)], [u(40, 60), u(80, 100)]])
        return [_polygon(pts)]
    if name == "square":
        w, h = u(70, 100), u(70, 100)
        return [_polygon(np.array([[0, 0], [w, 0], [w, h], [0, h]]))]
    if name == "star":
        k = np.arange(11) * 4 * np.pi / 5 - np.pi / 2 + u(-0.2, 0.2)
        return [np.stack([50 * np.cos(k), 50 * np.sin(k)], axis=1)]
    if name == "heart":
        t = np.linspace(0, 2 * np.pi, 60)
        x = 16 * np.sin(t) ** 3
        y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        return [np.stack([x, y], axis=1) * 3]
    if name == "spiral":
        turns = u(2.5, 4.0)
        t = np.linspace(0, turns * 2 * np.pi, int(40 * turns))
        r = 4 + 46 * t / t[-1]
        return [np.stack([r * np.cos(t), r * np.sin(t) * u(0.8, 1.2)], axis=1)]
    if name == "arrow":
        length, head = u(80, 110), u(20, 35)
        return [np.array([[0, 0], [length, 0]]), np.array([[length - head, -head], [length, 0], [length - head, head]])]
    if name == "hash":
        gap = u(25, 40)
        return [np.array([[-gap / 2 + 8, -50], [-gap / 2 - 8, 50]]), np.array([[gap / 2 + 8, -50], [gap / 2 - 8, 50]]),
                np.array([[-50, -gap / 2], [50, -gap / 2]]), np.array([[-50, gap / 2], [50, gap / 2]])]
    if name == "smiley":
        mouth = _circle((0, 5), 28, 0.2 * np.pi, 0.8 * np.pi, 20)
        return [_circle((0, 0), 50), np.array([[-18, -18]]), np.array([[18, -18]]), mouth]
    if name == "zigzag":
        n = rng.integers(4, 8)
        x = np.linspace(0, 100, n + 1)
        y = np.where(np.arange(n + 1) % 2, u(20, 40), 0)
        return [np.stack([x, y], axis=1)]
    if name == "wave":
        t = np.linspace(0, u(2.0, 3.5) * 2 * np.pi, 60)
        return [np.stack([t * 100 / t[-1], u(10, 20) * np.sin(t)], axis=1)]
    if name == "dash":
        return [np.array([[0, 0], [100, u(-10, 10)]])]
    if name == "dot":
        return [np.array([[0.0, 0.0]])]
    if name == "blob":
        return [scribble(rng, turns=int(rng.integers(10, 20)), size=25)[0]]
    raise ValueError(f"unknown shape {name!r}; choose one of {SHAPES}")


def scribble(rng: np.random.Generator, turns: int | None = None, size: float = 100.0) -> StrokeSet:
    """A random scribble: one to three strokes of a smooth random walk that keeps turning."""
    strokes = []
    for _ in range(int(rng.integers(1, 4))):
        n = int(turns or rng.integers(6, 14))
        knots = rng.uniform(0, size, (n, 2))
        t = np.linspace(0, n - 1, n * 10)
        x = np.interp(t, np.arange(n), knots[:, 0])
        y = np.interp(t, np.arange(n), knots[:, 1])
        kernel = np.ones(7) / 7
        path = np.stack([np.convolve(x, kernel, "valid"), np.convolve(y, kernel, "valid")], axis=1)
        strokes.append(path)
    return strokes


def crossed_out(digit: StrokeSet, rng: np.random.Generator) -> StrokeSet:
    """A digit struck through with an X, hatched over with a zigzag, or scribbled over."""
    points = np.concatenate(digit)
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    kind = rng.integers(3)
    if kind == 0:
        cross = [np.array([[x0 - 0.1 * w, y0], [x1 + 0.1 * w, y1]]), np.array([[x1 + 0.1 * w, y0], [x0 - 0.1 * w, y1]])]
    elif kind == 1:
        n = int(rng.integers(5, 9))
        ys = np.linspace(y0, y1, n)
        xs = np.where(np.arange(n) % 2, x1 + 0.15 * w, x0 - 0.15 * w)
        cross = [np.stack([xs, ys], axis=1)]
    else:
        blot = scribble(rng, turns=int(rng.integers(12, 20)), size=1.0)[0]
        cross = [blot * [w * 1.1, h * 0.9] + [x0 - 0.05 * w, y0 + 0.05 * h]]
    return list(digit) + cross


def negative_strokes(kind: str, split: Split, count: int) -> list[StrokeSet]:
    """`count` stroke sets of one kind for a split (its fonts for letters and digits, its seed)."""
    rng = np.random.default_rng([split.seed, KINDS.index(kind)])
    if kind == "letters":
        fonts = [hershey_font(f) for f in split.fonts]
        return [fonts[i % len(fonts)][NON_DIGIT_LETTERS[rng.integers(len(NON_DIGIT_LETTERS))]] for i in range(count)]
    if kind == "shapes":
        return [shape(SHAPES[i % len(SHAPES)], rng) for i in range(count)]
    if kind == "scribbles":
        return [scribble(rng) for _ in range(count)]
    if kind == "crossed_digits":
        fonts = [hershey_font(f) for f in split.fonts]
        return [crossed_out(fonts[i % len(fonts)][DIGITS[rng.integers(10)]], rng) for i in range(count)]
    raise ValueError(f"unknown kind {kind!r}; choose one of {KINDS}")


def negative_images(
    split: Split, counts: dict[str, int], variants: int = 1, seed: int = 0, style=None
) -> dict[str, np.ndarray]:
    """Per kind, (M, 28, 28) uint8 images of that split's non-digits drawn on the canvas
    (`strokes.rendered_images`), `variants` random drawings of each of `counts[kind]` stroke
    sets; another `seed` draws the same stroke sets anew."""
    from .strokes import DEFAULT_STYLE, rendered_images

    out = {}
    for kind, count in counts.items():
        rng = np.random.default_rng([split.seed, KINDS.index(kind), 7, seed])
        out[kind] = rendered_images(negative_strokes(kind, split, count), rng, variants, style or DEFAULT_STYLE)[0]
    return out
