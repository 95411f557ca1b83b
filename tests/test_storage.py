import json
import zipfile

import numpy as np
import pytest

from mnist_demo.models import build_model, preset
from mnist_demo.storage import (
    InvalidNameError,
    ModelFileError,
    ModelInfo,
    SaveError,
    list_models,
    load_keras_model,
    read_info,
    safe_model_name,
    save_model,
)


@pytest.fixture(scope="module")
def small_model():
    return build_model(preset("mlp-64"))


@pytest.mark.parametrize("name, expected", [
    ("my model", "my model"),
    ("  spaced  ", "spaced"),
    ("数字モデル", "数字モデル"),
    ("run-1.keras", "run-1"),
])
def test_good_names_are_kept(name, expected):
    assert safe_model_name(name) == expected


@pytest.mark.parametrize("name, problem", [
    ("", "empty"),
    ("   ", "empty"),
    ("../x", "may not contain"),
    ("a/b", "may not contain"),
    ("..", "may not start with a dot"),
    (".hidden", "may not start with a dot"),
    ("x" * 65, "longer than 64"),
    ("nul\x00byte", "control characters"),
])
def test_bad_names_are_refused_with_a_reason(name, problem):
    with pytest.raises(InvalidNameError, match=problem):
        safe_model_name(name)


def test_save_and_load_round_trip_with_sidecar(tmp_path, small_model):
    info = ModelInfo(name="x", normalize=False, dataset="mnist", preset="mlp-64",
                     metrics={"test_accuracy": 0.5}, history={"loss": [1.0, 0.5]})
    path = save_model(small_model, "テスト model", info, tmp_path)
    assert path == tmp_path / "テスト model.keras"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["テスト model.json", "テスト model.keras"]
    side = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["normalize"] is False and side["history"]["loss"] == [1.0, 0.5] and side["created"]
    loaded = load_keras_model(path)
    x = np.random.default_rng(0).integers(0, 256, (2, 28, 28)).astype("float32")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(small_model(x)), rtol=1e-5)
    assert read_info(path).normalize is False
    assert list_models(tmp_path) == [path]


def test_failed_save_leaves_nothing_behind(tmp_path, small_model):
    class ExplodingModel:
        def save(self, path):
            with open(path, "wb") as f:
                f.write(b"half a model")
            raise OSError(28, "No space left on device")

    with pytest.raises(SaveError, match="No space left on device"):
        save_model(ExplodingModel(), "full", ModelInfo(name="full"), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_is_a_save_error(tmp_path, small_model):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(SaveError, match="could not save"):
        save_model(small_model, "m", ModelInfo(name="m"), blocker / "models")


def test_overwrite_is_atomic(tmp_path, small_model):
    first = save_model(small_model, "same", ModelInfo(name="same", metrics={"v": 1}), tmp_path)
    save_model(small_model, "same", ModelInfo(name="same", metrics={"v": 2}), tmp_path)
    assert read_info(first).metrics == {"v": 2}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_corrupt_and_foreign_files_give_clear_errors(tmp_path):
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"this is not a zip file")
    with pytest.raises(ModelFileError, match="garbage.keras: not a valid Keras model") as refused:
        load_keras_model(garbage)
    assert refused.value.reason == "archive"
    with pytest.raises(ModelFileError, match="no such model file"):
        load_keras_model(tmp_path / "missing.keras")
    text = tmp_path / "notes.txt"
    text.write_text("hi")
    with pytest.raises(ModelFileError, match="not a .keras file"):
        load_keras_model(text)


def test_lambda_layer_is_refused_by_safe_mode(tmp_path):
    import keras

    inputs = keras.Input((28, 28))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Lambda(lambda t: t * 2.0)(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    path = tmp_path / "hostile.keras"
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(ModelFileError, match="safe mode"):
        load_keras_model(path)


def test_wrong_shapes_are_refused(tmp_path):
    import keras

    inputs = keras.Input((32, 32, 3))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs))
    keras.Model(inputs, outputs).save(tmp_path / "cifar.keras")
    with pytest.raises(ModelFileError, match=r"input of shape \(32, 32, 3\)"):
        load_keras_model(tmp_path / "cifar.keras")
    inputs = keras.Input((28, 28))
    outputs = keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(inputs))
    keras.Model(inputs, outputs).save(tmp_path / "three.keras")
    with pytest.raises(ModelFileError, match="expected 10 classes"):
        load_keras_model(tmp_path / "three.keras")


def test_truncated_keras_file(tmp_path, small_model):
    path = save_model(small_model, "whole", ModelInfo(name="whole"), tmp_path)
    cut = tmp_path / "cut.keras"
    cut.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(ModelFileError, match="cut.keras"):
        load_keras_model(cut)
    assert zipfile.is_zipfile(path)


def test_bad_sidecar_is_reported(tmp_path, small_model):
    path = save_model(small_model, "s", ModelInfo(name="s"), tmp_path)
    path.with_suffix(".json").write_text("{not json")
    with pytest.raises(ModelFileError, match="JSON sidecar is unreadable"):
        read_info(path)


def test_missing_sidecar_defaults_to_normalized(tmp_path, small_model):
    path = save_model(small_model, "lonely", ModelInfo(name="lonely"), tmp_path)
    path.with_suffix(".json").unlink()
    assert read_info(path).normalize is True and read_info(path).name == "lonely"
