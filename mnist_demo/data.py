"""Loading MNIST and Fashion-MNIST from local IDX files, Keras' cache, or Debian's package.

The arrays are read once per process and handed out read-only: scaling to [0, 1]
is a training option applied on the way into the model, never done to these arrays.
"""

from __future__ import annotations

import gzip
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .datasets import CLASS_NAMES, DATASETS, PROPER_NAMES
from .errors import AppError

DATA_DIR_ENV = "MNIST_DEMO_DATA_DIR"
OFFLINE_ENV = "MNIST_DEMO_OFFLINE"
DEBIAN_DIR = Path("/usr/share/datasets")

IMAGE_MAGIC = 0x00000803
LABEL_MAGIC = 0x00000801
SPLIT_SIZES = {"train": 60000, "t10k": 10000}


class DataError(AppError):
    """A data file exists but is unreadable, truncated or not what it claims to be."""

    group = "data"


class DataNotFoundError(DataError):
    """No copy of the data set was found anywhere; the message says how to get one."""


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    source: str

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _read_bytes(path: Path, size: int = -1) -> bytes:
    """The file's bytes (decompressed), or only its first `size` of them."""
    try:
        with _open(path) as f:
            return f.read(size)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise DataError("unreadable", file=path.name, detail=str(e)) from e


def read_idx_images(path: str | os.PathLike, expected_count: int | None = None, limit: int | None = None) -> np.ndarray:
    """Read an IDX3 image file into a uint8 array (N, 28, 28), checking header and size.

    With `limit`, only the first `limit` images are read (and decompressed): the file's
    length beyond them is not checked."""
    path = Path(path)
    raw = _read_bytes(path, -1 if limit is None else 16 + limit * 28 * 28)
    if len(raw) < 16:
        raise DataError("short_header", file=path.name, size=len(raw))
    magic, count, rows, cols = struct.unpack(">IIII", raw[:16])
    if magic != IMAGE_MAGIC:
        raise DataError("image_magic", file=path.name, magic=f"0x{magic:08x}", expected=f"0x{IMAGE_MAGIC:08x}")
    if (rows, cols) != (28, 28):
        raise DataError("image_size", file=path.name, rows=rows, cols=cols)
    if expected_count is not None and count != expected_count:
        raise DataError("image_count", file=path.name, count=count, expected=expected_count)
    expected_bytes = 16 + (count if limit is None else min(count, limit)) * rows * cols
    if len(raw) != expected_bytes:
        raise DataError("truncated", file=path.name, size=len(raw), expected=expected_bytes)
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, rows, cols)


def read_idx_labels(path: str | os.PathLike, expected_count: int | None = None, limit: int | None = None) -> np.ndarray:
    """Read an IDX1 label file into a uint8 array (N,), checking header, size and range 0-9
    (with `limit`, of the first `limit` labels only)."""
    path = Path(path)
    raw = _read_bytes(path, -1 if limit is None else 8 + limit)
    if len(raw) < 8:
        raise DataError("short_header", file=path.name, size=len(raw))
    magic, count = struct.unpack(">II", raw[:8])
    if magic != LABEL_MAGIC:
        raise DataError("label_magic", file=path.name, magic=f"0x{magic:08x}", expected=f"0x{LABEL_MAGIC:08x}")
    if expected_count is not None and count != expected_count:
        raise DataError("label_count", file=path.name, count=count, expected=expected_count)
    expected_bytes = 8 + (count if limit is None else min(count, limit))
    if len(raw) != expected_bytes:
        raise DataError("truncated", file=path.name, size=len(raw), expected=expected_bytes)
    labels = np.frombuffer(raw, dtype=np.uint8, offset=8)
    if labels.size and labels.max() > 9:
        raise DataError("label_range", file=path.name, label=int(labels.max()))
    return labels


def _find_idx(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _idx_folder_complete(folder: Path) -> bool:
    return all(
        _find_idx(folder, f"{split}-{kind}-idx{dim}-ubyte")
        for split in SPLIT_SIZES
        for kind, dim in (("images", 3), ("labels", 1))
    )


def load_idx_folder(folder: str | os.PathLike) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test) from a folder with the four IDX files, raw or gzipped."""
    return (*_read_idx_split(Path(folder), "train"), *_read_idx_split(Path(folder), "t10k"))


def _read_idx_split(folder: Path, split: str, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of one split ("train" or "t10k") of an IDX folder, or its first `limit`."""
    images = _find_idx(folder, f"{split}-images-idx3-ubyte")
    labels = _find_idx(folder, f"{split}-labels-idx1-ubyte")
    if images is None or labels is None:
        raise DataError("missing_files", folder=folder.name, split=split)
    count = SPLIT_SIZES[split]
    return read_idx_images(images, count, limit), read_idx_labels(labels, count, limit)


def load_npz(path: str | os.PathLike) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test) from Keras' `mnist.npz` layout, validated like IDX."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = tuple(np.asarray(f[k]) for k in ("x_train", "y_train", "x_test", "y_test"))
    except (OSError, ValueError, KeyError, EOFError) as e:
        raise DataError("npz_unreadable", file=path.name, detail=str(e)) from e
    x_train, y_train, x_test, y_test = arrays
    for name, x, y, count in (("train", x_train, y_train, 60000), ("test", x_test, y_test, 10000)):
        if x.dtype != np.uint8 or x.shape != (count, 28, 28):
            raise DataError("npz_images", file=path.name, split=name, dtype=str(x.dtype), shape=str(x.shape),
                            count=count)
        if y.shape != (count,) or y.min() < 0 or y.max() > 9:
            raise DataError("npz_labels", file=path.name, split=name, count=count)
    return x_train, y_train.astype(np.uint8), x_test, y_test.astype(np.uint8)


def data_dir() -> Path | None:
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def _keras_cache_dir() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"


def _local_candidates(name: str) -> list[tuple[str, Path]]:
    """Where a local copy may be, in order of preference, with the kind of each."""
    found = []
    root = data_dir()
    if root is not None:
        found += [("idx", root / name), ("idx", root)] if name == "mnist" else [("idx", root / name)]
        found += [("npz", root / f"{name}.npz"), ("npz", root / name / f"{name}.npz")]
    cache = _keras_cache_dir()
    found += [("npz", cache / "mnist.npz")] if name == "mnist" else [("idx", cache / "fashion-mnist")]
    if name == "fashion-mnist":
        found.append(("idx", DEBIAN_DIR / "fashion-mnist"))
    return found


def _load_from_keras(name: str) -> tuple[np.ndarray, ...]:
    """Keras' own download; only reached when no local copy exists."""
    try:
        import keras

        module = keras.datasets.mnist if name == "mnist" else keras.datasets.fashion_mnist
        (x_train, y_train), (x_test, y_test) = module.load_data()
    except Exception as e:  # any network or file failure means: no data here
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise not_found(name, reason) from e
    return x_train, y_train.astype(np.uint8), x_test, y_test.astype(np.uint8)


def not_found(name: str, reason: str = "") -> DataNotFoundError:
    """The error that says how to get the data set `name`, and why the download failed if it was tried."""
    values = dict(name=PROPER_NAMES[name], env=DATA_DIR_ENV, folder=name)
    if reason:
        return DataNotFoundError("download_failed", reason=reason, **values)
    return DataNotFoundError("not_found", **values)


def find_local_source(name: str) -> tuple[str, Path] | None:
    """The first local copy of `name` that is present, without reading it."""
    _check_name(name)
    for kind, path in _local_candidates(name):
        if (kind == "idx" and path.is_dir() and _idx_folder_complete(path)) or (kind == "npz" and path.is_file()):
            return kind, path
    return None


def _check_name(name: str) -> None:
    if name not in DATASETS:
        raise DataError("unknown", name=name, choices=", ".join(DATASETS))


def _read_only(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


_cache: dict[tuple[str, str | None], Dataset] = {}
_cache_lock = threading.Lock()


def downloads_allowed() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in ("1", "true", "yes")


def load_dataset(name: str = "mnist", *, allow_download: bool | None = None) -> Dataset:
    """The data set `name`, read once per process (per data folder) and shared read-only."""
    _check_name(name)
    if allow_download is None:
        allow_download = downloads_allowed()
    key = (name, os.environ.get(DATA_DIR_ENV))
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load_uncached(name, allow_download)
        return _cache[key]


def _load_uncached(name: str, allow_download: bool) -> Dataset:
    local = find_local_source(name)
    if local is not None:
        kind, path = local
        arrays = load_idx_folder(path) if kind == "idx" else load_npz(path)
        source = str(path)
    elif allow_download:
        arrays = _load_from_keras(name)
        source = "keras download"
    else:
        raise not_found(name)
    x_train, y_train, x_test, y_test = (_read_only(a) for a in arrays)
    return Dataset(name, x_train, y_train, x_test, y_test, CLASS_NAMES[name], source)


def load_test_sample(name: str = "mnist", count: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """The first `count` test images and labels of `name`, reading no more than that when the
    data set is not loaded yet.

    The Home page shows a few digits on a server that has just started: decompressing
    the 10,000 test images would take longer than the rest of the page."""
    _check_name(name)
    with _cache_lock:
        loaded = _cache.get((name, os.environ.get(DATA_DIR_ENV)))
    if loaded is None:
        local = find_local_source(name)
        if local is not None and local[0] == "idx":
            images, labels = _read_idx_split(local[1], "t10k", limit=count)
            return _read_only(images), _read_only(labels)
        loaded = load_dataset(name)
    return loaded.x_test[:count], loaded.y_test[:count]


def available_datasets() -> dict[str, str | None]:
    """Each data set's local source path, or None where only a download could provide it."""
    out = {}
    for name in DATASETS:
        local = find_local_source(name)
        out[name] = str(local[1]) if local else None
    return out


def one_hot(labels: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """What `keras.utils.to_categorical` does: label k becomes a row with a 1 at index k."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must be in 0..{num_classes - 1}")
    encoded = np.zeros((labels.size, num_classes), dtype=np.float32)
    encoded[np.arange(labels.size), labels.reshape(-1)] = 1.0
    return encoded
