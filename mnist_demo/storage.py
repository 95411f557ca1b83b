"""Saving and loading models: `.keras` file plus a JSON sidecar, atomic writes, safe loading."""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .errors import AppError

MODELS_DIR_ENV = "MNIST_DEMO_MODELS_DIR"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAX_NAME_LENGTH = 64
MAX_MODEL_BYTES = 50 * 1024 * 1024
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


class ModelFileError(AppError):
    """A model file is missing, corrupt, unsafe or not a digit classifier."""

    group = "model"


class InvalidNameError(AppError, ValueError):
    """A model name that cannot be used as a file name; the reason names the rule it breaks."""

    group = "name"


class SaveError(AppError):
    """Saving failed (disk full, not writable); nothing was left half written."""

    group = "save"


@dataclass
class ModelInfo:
    """What the sidecar says about a model."""

    name: str
    normalize: bool = True
    dataset: str = "mnist"
    preset: str | None = None
    spec: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    created: str = ""
    extra: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict, name: str) -> ModelInfo:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        known["name"] = known.get("name") or name
        info = cls(**known)
        if not isinstance(info.normalize, bool) or not isinstance(info.metrics, dict):
            raise ModelFileError("sidecar", name=name)
        return info


def models_dir() -> Path:
    value = os.environ.get(MODELS_DIR_ENV, "").strip()
    return Path(value) if value else PROJECT_ROOT / "models"


SHIPPED_MODELS = {"mnist": "default.keras", "fashion-mnist": "fashion-mnist.keras"}


def default_model_path() -> Path:
    return shipped_model_path("mnist")


def shipped_model_path(dataset: str) -> Path:
    """The model the app ships for a data set (read-only at run time; the CLI trains it)."""
    return PROJECT_ROOT / "models" / SHIPPED_MODELS[dataset]


def safe_model_name(name: str) -> str:
    """A name fit for a file in `models/`: letters of any script, digits, space, - _ . ;
    raises InvalidNameError saying what is wrong."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if name.endswith(".keras"):
        name = name[: -len(".keras")].strip()
    if not name:
        raise InvalidNameError("empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidNameError("too_long", limit=MAX_NAME_LENGTH)
    if _FORBIDDEN.search(name):
        raise InvalidNameError("characters")
    if name.startswith("."):
        raise InvalidNameError("dot")
    return name


def sidecar_path(model_path: str | os.PathLike) -> Path:
    return Path(model_path).with_suffix(".json")


def atomic_write(target: Path, write) -> None:
    """Write through `write(tmp_path)` to a temp file in the same folder, then rename over `target`."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix + ".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(model, name: str, info: ModelInfo, folder: str | os.PathLike | None = None) -> Path:
    """Save `model` as `<folder>/<name>.keras` and its sidecar, each atomically."""

    def write_keras(tmp: Path) -> None:
        keras_tmp = tmp.with_name(tmp.name + ".keras")  # Keras insists on the suffix
        try:
            _without_optimizer(model).save(keras_tmp)
            os.replace(keras_tmp, tmp)
        finally:
            keras_tmp.unlink(missing_ok=True)

    return _saved(write_keras, name, info, folder)


def save_model_bytes(data: bytes, name: str, info: ModelInfo, folder: str | os.PathLike | None = None) -> Path:
    """Keep the bytes of a `.keras` file saved elsewhere (by a Ray worker) as `save_model` keeps a model."""
    return _saved(lambda tmp: tmp.write_bytes(data), name, info, folder)


def _saved(write_keras, name: str, info: ModelInfo, folder: str | os.PathLike | None) -> Path:
    name = safe_model_name(name)
    folder = Path(folder) if folder is not None else models_dir()
    target = folder / f"{name}.keras"
    info.name = info.name or name
    info.created = info.created or datetime.now(timezone.utc).isoformat(timespec="seconds")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(target, write_keras)
        atomic_write(sidecar_path(target), lambda tmp: tmp.write_text(info.to_json(), encoding="utf-8"))
    except OSError as e:
        raise SaveError("failed", name=name, detail=str(e.strerror or e)) from e
    return target


def _without_optimizer(model):
    """An uncompiled twin sharing nothing mutable: optimizer slots would triple the file size."""
    if getattr(model, "optimizer", None) is None:
        return model
    twin = type(model).from_config(model.get_config())
    twin.set_weights(model.get_weights())
    return twin


def read_info(model_path: str | os.PathLike) -> ModelInfo:
    """The sidecar of `model_path`, or defaults (normalize: True) when it has none."""
    path = Path(model_path)
    side = sidecar_path(path)
    if not side.is_file():
        return ModelInfo(name=path.stem)
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelFileError("sidecar", name=side.name) from e
    if not isinstance(data, dict):
        raise ModelFileError("sidecar", name=side.name)
    return ModelInfo.from_dict(data, path.stem)


def check_model_file(path: str | os.PathLike) -> Path:
    """`path`, if it names an existing `.keras` file of an acceptable size; else ModelFileError."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError("missing", name=path.name)
    if path.stat().st_size > MAX_MODEL_BYTES:
        raise ModelFileError("too_big", name=path.name, limit=MAX_MODEL_BYTES // 2**20)
    if path.suffix != ".keras":
        raise ModelFileError("not_keras", name=path.name)
    return path


def load_keras_model(path: str | os.PathLike, name: str | None = None):
    """Load with Keras' safe mode (no Lambda or arbitrary code) and check it classifies 28x28
    images into 10. `model_files` looks inside the file first, so Keras never inflates a
    member or allocates an array beyond what the app's models need; `name` is the file's
    name in messages (the uploaded name when `path` is a temp file)."""
    from .model_files import read_archive

    path = check_model_file(path)
    name = name or path.name
    read_archive(path, name)
    import keras

    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except MemoryError as e:
        raise ModelFileError("too_much_memory", name=name) from e
    except Exception as e:
        if "ResourceExhausted" in type(e).__name__:
            raise ModelFileError("too_much_memory", name=name) from e
        if "safe_mode" in str(e) or "Lambda" in str(e):
            raise ModelFileError("unsafe", name=name) from e
        raise ModelFileError("invalid", name=name, detail=keras_verdict(e, path, name)) from e
    check_model_shapes(model, name)
    return model


def keras_verdict(error: Exception, path: Path, name: str) -> str:
    """The first line of what Keras said, short, with every path in it replaced by a file name."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    text = text.replace(str(path), name)
    text = re.sub(r"(?:[A-Za-z]:)?(?:[/\\][^\s/\\'\"]+){2,}[/\\]?", lambda m: Path(m.group()).name, text)
    return text[:200]


def check_model_shapes(model, label: str = "model") -> None:
    inputs = getattr(model, "inputs", None) or []
    outputs = getattr(model, "outputs", None) or []
    if len(inputs) != 1 or len(outputs) != 1:
        raise ModelFileError("io_count", name=label)
    in_shape = tuple(inputs[0].shape[1:])
    if in_shape not in ((28, 28), (28, 28, 1), (784,)):
        raise ModelFileError("input_shape", name=label, shape=str(in_shape))
    out_shape = tuple(outputs[0].shape[1:])
    if out_shape != (10,):
        raise ModelFileError("outputs", name=label, shape=str(out_shape))


def list_models(folder: str | os.PathLike | None = None) -> list[Path]:
    """Saved models in `folder`, newest first; temp files of interrupted saves are skipped."""
    folder = Path(folder) if folder is not None else models_dir()
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob("*.keras") if not p.name.startswith(".")]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)
