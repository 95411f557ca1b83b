"""One error type for everything a person can act on: a catalog text in both languages, picklable."""

import pickle
import re
from pathlib import Path

import pytest

from mnist_demo import i18n
from mnist_demo.data import DataError, DataNotFoundError
from mnist_demo.errors import AppError
from mnist_demo.storage import InvalidNameError, ModelFileError, SaveError
from mnist_demo.uploads import UploadError
from mnist_demo.workspace import WorkspaceError

LIBRARY = Path(__file__).resolve().parent.parent / "mnist_demo"
ERRORS = {cls.__name__: cls for cls in (DataError, DataNotFoundError, ModelFileError, InvalidNameError, SaveError,
                                         UploadError, WorkspaceError)}


def _raised_in_the_library() -> set[tuple[str, str]]:
    """(error class, reason) of every `SomeError("reason", ...)` written in mnist_demo/."""
    pattern = re.compile(rf"\b({'|'.join(ERRORS)})\(\s*\"(\w+)\"")
    return {m.groups() for path in LIBRARY.rglob("*.py") for m in pattern.finditer(path.read_text())}


def test_the_library_raises_its_errors_by_reason():
    found = _raised_in_the_library()
    assert len(found) >= 25, found  # the scan sees the raise sites
    assert {cls for cls, _ in found} == set(ERRORS)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_error_the_library_raises_has_a_text(lang):
    missing = [f"error.{ERRORS[cls].group}.{reason}" for cls, reason in _raised_in_the_library()
               if f"error.{ERRORS[cls].group}.{reason}" not in i18n.CATALOG[lang]]
    assert missing == []


def test_the_message_is_the_english_text_and_the_values_fill_it_in():
    error = ModelFileError("input_shape", name="m.keras", shape="(32, 32, 3)")
    assert isinstance(error, AppError)
    assert error.key == "error.model.input_shape" and error.reason == "input_shape"
    assert str(error) == "m.keras: takes input of shape (32, 32, 3), expected 28x28 images"
    assert i18n.translate(error.key, "ja", **error.values).startswith("m.keras: 入力の形が (32, 32, 3)")


def test_errors_survive_a_trip_to_another_process():
    error = DataNotFoundError("download_failed", name="MNIST", env="X", folder="mnist", reason="offline")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is DataNotFoundError and copy.values == error.values and str(copy) == str(error)
