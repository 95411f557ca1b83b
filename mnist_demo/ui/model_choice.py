"""Which model a page uses: the picker of Draw and Evaluate, uploaded models, evaluations."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from .resources import dataset, default_predictor, file_evaluation, predictor_from_file
from .runs import run_by_number, session_runs
from .text import explain, t


def uploaded_models() -> dict:
    return st.session_state.setdefault("uploaded_models", {})


def load_uploaded_model(filename: str, data: bytes, normalize: bool):
    """(name, None) after loading an uploaded .keras file with safe mode, or (None, a message)."""
    from ..predict import Predictor
    from ..storage import MAX_MODEL_BYTES, ModelFileError

    name = Path(filename).name
    if len(data) > MAX_MODEL_BYTES:
        return None, t("train.upload.too_big", mb=MAX_MODEL_BYTES // 2**20)
    if not name.endswith(".keras"):
        return None, t("train.upload.not_keras")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.keras"
        path.write_bytes(data)
        try:
            predictor = Predictor.load(path)
        except ModelFileError as e:
            e.values["name"] = name
            return None, t("train.upload.bad", error=explain(e))
    stem = Path(name).stem
    predictor.info.name, predictor.info.normalize, predictor.path = stem, normalize, None
    uploaded_models()[stem] = predictor
    return stem, None


def model_choices() -> dict[str, str]:
    """Models the Draw page offers: the shipped default, this session's finished runs, saved files."""
    from ..storage import default_model_path, list_models

    choices = {"default": t("common.models.default")}
    for entry in reversed(session_runs()):
        snap = entry.run.snapshot()
        if snap.done and entry.run.model is not None and snap.test_accuracy is not None and not entry.continued:
            choices[f"run:{entry.number}"] = t("common.models.session_run", label=entry.label,
                                               acc=f"{snap.test_accuracy:.2%}")
    for name in uploaded_models():
        choices[f"upload:{name}"] = t("common.models.uploaded", name=name)
    for path in list_models():
        if path.resolve() != default_model_path().resolve():
            choices[f"file:{path.name}"] = t("common.models.saved", name=path.stem)
    return choices


def model_picker(key: str):
    """The model selectbox every model page starts with: (choice, Predictor); stops the page
    with a message when the chosen model cannot be used."""
    choices = model_choices()
    choice = st.selectbox(t("draw.model"), list(choices), format_func=choices.get, key=key)
    predictor, problem = pick_predictor(choice)
    if predictor is None:
        st.error(problem)
        st.stop()
    return choice, predictor


def pick_predictor(choice: str):
    """(Predictor, None), or (None, a message saying what went wrong)."""
    from ..storage import ModelFileError, models_dir

    try:
        if choice == "default":
            return default_predictor(), None
        if choice.startswith("run:"):
            entry = run_by_number(int(choice.split(":", 1)[1]))
            if entry is not None and entry.get_predictor() is not None:
                return entry.get_predictor(), None
            return None, t("common.models.gone")
        if choice.startswith("upload:"):
            predictor = uploaded_models().get(choice.split(":", 1)[1])
            return (predictor, None) if predictor is not None else (None, t("common.models.gone"))
        path = models_dir() / choice.split(":", 1)[1]
        return predictor_from_file(str(path), path.stat().st_mtime), None
    except FileNotFoundError:
        return None, t("common.models.missing")
    except ModelFileError as e:
        return None, t("common.models.broken", error=explain(e))


def evaluation(choice: str, predictor, dataset_name: str):
    """The model's evaluation on the test set. A model file's is shared by every session (see
    `resources.file_evaluation`); a model that lives in this session (a run, an upload) is
    evaluated once per session."""
    from ..evaluate import evaluate

    if predictor.path is not None and predictor.path.exists():
        return file_evaluation(predictor.path, dataset_name)
    cache = st.session_state.setdefault("evaluations", {})
    key = (choice, id(predictor), dataset_name)
    if key not in cache:
        ds = dataset(dataset_name)
        cache[key] = evaluate(predictor, ds.x_test, ds.y_test)
    return cache[key]
