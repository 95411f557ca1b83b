"""Why it answered that: the training images the model puts nearest to a drawing.

"Nearest" is in the model's penultimate layer, the features its last layer turns into the
answer, by cosine distance (1 - cosine similarity). Cosine, not L2: after a ReLU, a thicker
or bolder stroke scales many features up together, which moves a digit far in L2 without
changing what it looks like to the model; the angle stays. A drawing whose features are all
zero is at distance 1 from everything.

The training set's features are computed once per model (an index), kept in memory and, in
a cache folder the caller gives, on disk under the model's fingerprint (the hash of its
file, or of its weights for a model still in memory). On two cores the 60,000 training
images take a while: `limit` takes a fixed random subset, and `index_build` builds in a
background thread whose progress a page can show.

"Far from everything it was trained on", calibrated on test images, in two ways, since the
angle alone misses one kind of stranger: the mean distance to the k nearest is above what
99.5 % of test digits reach (a blob, scattered dots, a shoe: features no digit has), or the
features' length is outside what 99.5 % of test digits span (dense noise excites the same
features as a digit, twice as strongly). `bench.explain_latency` measures both on test
digits, Fashion-MNIST and noise.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .inside import inside
from .numpy_model import NumpyModel
from .storage import atomic_write

Array = np.ndarray
K = 8
FAR_QUANTILE = 0.998
STRENGTH_QUANTILES = (0.001, 0.999)
CALIBRATION_IMAGES = 2000  # test images drawn across the whole set: its first part is the easier half
EMBED_BATCH = 500
FORMAT_VERSION = 2
KEPT_IN_MEMORY = 4  # indexes; the shipped model's is 15 MB
APP_IMAGES_ENV = "MNIST_DEMO_NEIGHBOUR_IMAGES"
APP_IMAGES = 10_000  # training images a page's index holds: every learner's run gets one, built on 2 cores
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Neighbour:
    index: int  # in the training set
    label: int
    distance: float


@dataclass(frozen=True)
class Neighbours:
    """The k nearest training images, nearest first, and whether the image is far from them:
    `typical` (their mean distance) above `threshold`, or `strength` (the length of the
    image's features) outside `strength_range`."""

    items: tuple[Neighbour, ...]
    typical: float
    threshold: float
    strength: float = 0.0
    strength_range: tuple[float, float] = (0.0, float("inf"))

    @property
    def far_reason(self) -> str | None:
        """"unlike" (no training image points the same way), "too strong", "too weak", or None."""
        if self.typical > self.threshold:
            return "unlike"
        if self.strength > self.strength_range[1]:
            return "too strong"
        if self.strength < self.strength_range[0]:
            return "too weak"
        return None

    @property
    def far(self) -> bool:
        return self.far_reason is not None

    @property
    def indices(self) -> Array:
        return np.array([n.index for n in self.items], np.int64)

    @property
    def labels(self) -> Array:
        return np.array([n.label for n in self.items], np.int64)

    def share_labelled(self, label: int) -> float:
        """The share of the neighbours with this label."""
        return float(np.mean(self.labels == label)) if self.items else 0.0

    def to_dict(self) -> dict:
        return {"items": [{"index": n.index, "label": n.label, "distance": round(n.distance, 6)} for n in self.items],
                "typical": round(self.typical, 6), "threshold": round(self.threshold, 6),
                "strength": round(self.strength, 6), "strength_range": [round(v, 6) for v in self.strength_range],
                "far": self.far, "far_reason": self.far_reason}


def unit_rows(features: Array) -> Array:
    """Each row divided by its length (float32); an all-zero row stays zero."""
    features = np.asarray(features, np.float32)
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return features / np.where(norms > 0, norms, 1)


@dataclass
class NeighbourIndex:
    """The penultimate-layer features of (a subset of) a training set, as unit vectors (N, F),
    with the training-set index and label of each row, and the calibrated "far" limits."""

    vectors: Array
    indices: Array
    labels: Array
    threshold: float
    strength_range: tuple[float, float] = (0.0, float("inf"))
    fingerprint: str = ""
    dataset: str = ""

    def __len__(self) -> int:
        return len(self.indices)

    def distances(self, features: Array) -> Array:
        """Cosine distances (Q, N) from the features (Q, F) to every row."""
        return 1 - unit_rows(np.atleast_2d(features)) @ self.vectors.T

    def nearest(self, features: Array, k: int = K) -> tuple[Array, Array]:
        """(rows (Q, k), distances (Q, k)) of the k nearest rows, nearest first."""
        d = self.distances(features)
        k = min(k, d.shape[1])
        rows = np.argpartition(d, k - 1, axis=1)[:, :k]
        picked = np.take_along_axis(d, rows, axis=1)
        order = np.argsort(picked, axis=1, kind="stable")
        return np.take_along_axis(rows, order, axis=1), np.take_along_axis(picked, order, axis=1)

    def query(self, features: Array, k: int = K) -> Neighbours:
        """The k nearest training images to one image's penultimate features (F,)."""
        features = np.asarray(features, np.float32)
        rows, d = self.nearest(features[None], k)
        items = tuple(Neighbour(int(self.indices[r]), int(self.labels[r]), float(x))
                      for r, x in zip(rows[0], d[0], strict=True))
        return Neighbours(items, float(d[0].mean()), self.threshold, float(np.linalg.norm(features)),
                          self.strength_range)

    def save(self, path: str | os.PathLike) -> Path:
        """Written atomically (a temp file in the same folder, renamed); only arrays, no pickles."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()  # np.savez would add ".npz" to the temp file's name
        np.savez(buffer, version=np.array(FORMAT_VERSION), vectors=self.vectors, indices=self.indices,
                 labels=self.labels, threshold=np.array(self.threshold), strength_range=np.array(self.strength_range),
                 fingerprint=np.array(self.fingerprint), dataset=np.array(self.dataset))
        atomic_write(path, lambda tmp: tmp.write_bytes(buffer.getvalue()))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> NeighbourIndex:
        with np.load(Path(path), allow_pickle=False) as data:
            if int(data["version"]) != FORMAT_VERSION:
                raise ValueError(f"{Path(path).name}: index format {int(data['version'])}")
            return cls(np.asarray(data["vectors"], np.float32), data["indices"], data["labels"],
                       float(data["threshold"]), tuple(float(v) for v in data["strength_range"]),
                       str(data["fingerprint"]), str(data["dataset"]))


def fingerprint(predictor) -> str:
    """What identifies the features a predictor computes: its model file's hash (or its
    weights' for a model in memory) and the scaling applied before the model."""
    digest = hashlib.sha256()
    if predictor.path is not None and Path(predictor.path).is_file():
        with open(predictor.path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    else:
        for weights in _weights(predictor.model):
            digest.update(np.ascontiguousarray(weights).tobytes())
    digest.update(repr(float(predictor.input_scale)).encode())
    return digest.hexdigest()


def _weights(model) -> list[Array]:
    if isinstance(model, NumpyModel):
        return [a for _, _, arrays in model.layers for a in arrays]
    return model.get_weights()


def features(predictor, images: Array, on_progress: Progress | None = None,
             should_stop: Callable[[], bool] | None = None) -> Array:
    """The penultimate-layer features (N, F) of uint8 images (N, 28, 28), EMBED_BATCH at a time."""
    model, parts = inside(predictor), []
    for i in range(0, len(images), EMBED_BATCH):
        if should_stop is not None and should_stop():
            raise InterruptedError("the index build was stopped")
        parts.append(model.hidden_and_logits(predictor.model_input(images[i : i + EMBED_BATCH]))[0])
        if on_progress is not None:
            on_progress(min(i + EMBED_BATCH, len(images)), len(images))
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)


def subset(n: int, limit: int | None, seed: int = 0) -> Array:
    """The training-set indices an index holds: all n, or a fixed random `limit` of them, in order."""
    if limit is None or limit >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).permutation(n)[:limit])


def build_index(predictor, dataset=None, limit: int | None = None, on_progress: Progress | None = None,
                should_stop: Callable[[], bool] | None = None) -> NeighbourIndex:
    """The index of the predictor's training set (its `info.dataset`, or `dataset`), with the
    "far" limits calibrated on CALIBRATION_IMAGES test images (a fixed random choice); `on_progress(done, total)`."""
    if dataset is None:
        from .data import load_dataset

        dataset = load_dataset(predictor.info.dataset)
    chosen = subset(len(dataset.x_train), limit)
    calibration = dataset.x_test[subset(len(dataset.x_test), CALIBRATION_IMAGES, seed=1)]
    total = len(chosen) + len(calibration)

    def progress(offset: int):
        return None if on_progress is None else (lambda done, _: on_progress(offset + done, total))

    vectors = unit_rows(features(predictor, dataset.x_train[chosen], progress(0), should_stop))
    index = NeighbourIndex(vectors, chosen.astype(np.int32), np.asarray(dataset.y_train)[chosen].astype(np.uint8),
                           threshold=float("inf"), fingerprint=fingerprint(predictor), dataset=dataset.name)
    test_features = features(predictor, calibration, progress(len(chosen)), should_stop)
    typical = np.concatenate([index.nearest(test_features[i : i + 250])[1].mean(axis=1)
                              for i in range(0, len(test_features), 250)])
    index.threshold = float(np.quantile(typical, FAR_QUANTILE))
    low, high = np.quantile(np.linalg.norm(test_features, axis=1), STRENGTH_QUANTILES)
    index.strength_range = (float(low), float(high))
    return index


def app_limit() -> int | None:
    """How many training images the app's indexes hold: APP_IMAGES, or MNIST_DEMO_NEIGHBOUR_IMAGES
    (0 or "all": the whole training set)."""
    raw = os.environ.get(APP_IMAGES_ENV, "").strip().lower()
    if not raw:
        return APP_IMAGES
    if raw == "all":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{APP_IMAGES_ENV} must be a whole number or 'all', not {raw!r}") from None
    return value if value > 0 else None


def default_cache_dir() -> Path:
    """The state folder's cache/ (`MNIST_DEMO_STATE_DIR`)."""
    from .workspace import state_dir

    return state_dir() / "cache"


def index_path(cache_dir: str | os.PathLike, key: str, dataset: str, limit: int | None) -> Path:
    return Path(cache_dir) / f"neighbours-{key[:24]}-{dataset}-{limit or 'all'}.npz"


_kept: OrderedDict[tuple, NeighbourIndex] = OrderedDict()
_kept_lock = threading.Lock()


def _remember(key: tuple, index: NeighbourIndex) -> NeighbourIndex:
    with _kept_lock:
        _kept[key] = index
        _kept.move_to_end(key)
        while len(_kept) > KEPT_IN_MEMORY:
            _kept.popitem(last=False)
    return index


_fingerprints: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _key(predictor, limit: int | None) -> tuple[str, str, int | None]:
    """(fingerprint, data set, limit); the fingerprint of a model read from a file is taken once."""
    found = _fingerprints.get(predictor) if predictor.path is not None else None
    if found is None:
        found = fingerprint(predictor)
        if predictor.path is not None:
            _fingerprints[predictor] = found
    return found, predictor.info.dataset, limit


def remembered_index(predictor, cache_dir: str | os.PathLike | None = None,
                     limit: int | None = None) -> NeighbourIndex | None:
    """The predictor's index if it is in memory or in the cache folder, without building it."""
    key = _key(predictor, limit)
    with _kept_lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    if cache_dir is not None:
        path = index_path(cache_dir, *key)
        if path.is_file():
            try:
                index = NeighbourIndex.load(path)
            except (OSError, ValueError, KeyError):
                return None  # unreadable: built anew and written over
            if index.fingerprint == key[0]:
                return _remember(key, index)
    return None


def cached_index(predictor, cache_dir: str | os.PathLike | None = None, limit: int | None = None,
                 on_progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
                 dataset=None) -> NeighbourIndex:
    """The predictor's index: from memory, else from the cache folder, else built (and saved there)
    from `dataset` (default: the predictor's own data set, loaded)."""
    found = remembered_index(predictor, cache_dir, limit)
    if found is not None:
        return found
    key = _key(predictor, limit)
    index = build_index(predictor, dataset, limit, on_progress, should_stop)
    if cache_dir is not None:
        index.save(index_path(cache_dir, *key))
    return _remember(key, index)


class IndexBuild:
    """`cached_index` in a daemon thread: read `fraction`, `ready`, `index`, `error` from any thread."""

    def __init__(self, predictor, cache_dir: str | os.PathLike | None, limit: int | None = None, dataset=None):
        self.predictor, self.cache_dir, self.limit, self.dataset = predictor, cache_dir, limit, dataset
        self.fraction = 0.0
        self.index: NeighbourIndex | None = None
        self.error: str | None = None
        self._done = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="neighbour-index", daemon=True)

    def start(self) -> IndexBuild:
        self._thread.start()
        return self

    def _progress(self, done: int, total: int) -> None:
        self.fraction = done / total if total else 1.0

    def _main(self) -> None:
        try:
            self.index = cached_index(self.predictor, self.cache_dir, self.limit, self._progress, self._stop.is_set,
                                      self.dataset)
            self.fraction = 1.0
        except Exception as e:  # reported through `error`: the page shows it
            self.error = f"{type(e).__name__}: {e}"
        finally:
            self._done.set()

    @property
    def ready(self) -> bool:
        return self.index is not None

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the build has ended (True) or `timeout` seconds have passed (False)."""
        return self._done.wait(timeout)

    def stop(self) -> None:
        self._stop.set()


_builds: dict[tuple, IndexBuild] = {}
_builds_lock = threading.Lock()


def index_build(predictor, cache_dir: str | os.PathLike | None = None, limit: int | None = None,
                dataset=None) -> IndexBuild:
    """The build of the predictor's index, one per model and subset for the whole process:
    finished at once when the index is in memory or on disk, else started in the background."""
    key = _key(predictor, limit)
    with _builds_lock:
        build = _builds.get(key)
        if build is None or (build.done and not build.ready):  # none yet, or the last one failed
            build = _builds[key] = IndexBuild(predictor, cache_dir, limit, dataset)
            for old in [k for k, b in _builds.items() if b.done and k != key][: max(0, len(_builds) - KEPT_IN_MEMORY)]:
                del _builds[old]  # an ended build holds its index: keep as many as `_kept` does
            found = remembered_index(predictor, cache_dir, limit)
            if found is not None:
                build.index, build.fraction = found, 1.0
                build._done.set()
            else:
                build.start()
        return build


def neighbours(predictor, index: NeighbourIndex, image: Array, k: int = K) -> Neighbours:
    """The k nearest training images to one uint8 image (28, 28)."""
    hidden = inside(predictor).hidden_and_logits(predictor.model_input(np.asarray(image)[None]))[0]
    return index.query(hidden[0], k)
