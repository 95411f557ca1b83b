"""What every session shares, loaded once per process with `st.cache_resource` and never mutated:
the data sets, saved models, their test-set evaluations and the training queue."""

from __future__ import annotations

import streamlit as st

from .. import data
from .text import explain, t


def _data_dir_key() -> str:
    """Part of every data cache key, so that a changed MNIST_DEMO_DATA_DIR is honoured."""
    return str(data.data_dir())


@st.cache_resource(show_spinner=False)
def _dataset(name: str, data_dir: str):
    return data.load_dataset(name)


def dataset(name: str):
    return _dataset(name, _data_dir_key())


@st.cache_resource(show_spinner=False)
def _test_sample(name: str, count: int, data_dir: str):
    return data.load_test_sample(name, count)


def chosen_dataset() -> str:
    """The name of the data set chosen in the sidebar."""
    return st.session_state.get("dataset", "mnist")


def try_dataset(name: str):
    """(dataset, None) or (None, error message): pages explain rather than crash."""
    return _explained(dataset, name)


def try_test_sample(name: str, count: int):
    """((images, labels), None) with the first `count` test digits, or (None, error message):
    all the Home page needs."""
    return _explained(lambda n: _test_sample(n, count, _data_dir_key()), name)


def _explained(load, name: str):
    try:
        return load(name), None
    except data.DataNotFoundError as e:
        return None, explain(e)
    except data.DataError as e:
        return None, t("error.data.broken", detail=explain(e))


@st.cache_resource(show_spinner=False, ttl=60)
def _available_datasets(data_dir: str) -> dict[str, str | None]:
    return data.available_datasets()


def available_datasets() -> dict[str, str | None]:
    return _available_datasets(_data_dir_key())


@st.cache_resource(show_spinner=False)
def training_queue():
    from ..training import TrainingQueue

    return TrainingQueue()


@st.cache_resource(show_spinner=False, max_entries=16)
def predictor_from_file(path: str, mtime: float):
    """A saved model, loaded once per file version (mtime is part of the key)."""
    from ..predict import Predictor

    return Predictor.load(path)


def default_predictor(dataset_name: str = "mnist"):
    """The shipped model of the data set (MNIST's when that data set has none yet)."""
    from ..storage import default_model_path, shipped_model_path

    path = shipped_model_path(dataset_name)
    path = path if path.exists() else default_model_path()
    return predictor_from_file(str(path), path.stat().st_mtime)


@st.cache_resource(show_spinner=False)
def _robustness_jobs(root: str):
    from pathlib import Path

    from ..robustness_jobs import CurveJobs

    return CurveJobs(Path(root) / "cache" / "robustness")


def robustness_job(predictor, dataset_name: str):
    """The model's lab curves (shift, rotation) as a background `robustness_jobs.CurveJob`, shared
    by every session that opens the same model file."""
    from ..workspace import state_dir

    ds = dataset(dataset_name)
    return _robustness_jobs(str(state_dir())).job(predictor.path, dataset_name, predictor, ds.x_test, ds.y_test)
