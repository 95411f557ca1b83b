"""Which model a page uses: the picker of Draw and Evaluate, uploaded models, evaluations.

A page offers the shipped default and the other shared models (read-only, for everyone), then the
learner's own: their ended runs, their named saves and their uploads. Nobody else's."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from .resources import default_predictor, file_evaluation, predictor_from_file
from .runs import learner_runs
from .text import explain, t
from .workspace import current, remembered


def load_uploaded_model(filename: str, data: bytes, normalize: bool):
    """(name, None) after checking an uploaded .keras file at arm's length (`untrusted`) and keeping
    the checked copy in the learner's workspace, or (None, a message)."""
    from ..storage import InvalidNameError, ModelFileError
    from ..untrusted import load_untrusted
    from ..workspace import WorkspaceError

    name = Path(filename).name
    with tempfile.TemporaryDirectory() as tmp:
        clean = Path(tmp) / "clean.keras"
        try:
            predictor = load_untrusted(data, name, keep_clean=clean)
        except ModelFileError as e:
            return None, t("train.upload.bad", error=explain(e))
        info = predictor.info
        info.normalize = normalize
        try:
            saved = current().add_upload(Path(name).stem, clean.read_bytes(), info)
        except (WorkspaceError, InvalidNameError) as e:
            return None, t("train.upload.bad", error=explain(e))
    return saved.name, None


def shared_models() -> list[Path]:
    """The read-only models everyone is offered besides the default: files in the shared models folder."""
    from ..storage import default_model_path, list_models

    return [p for p in list_models() if p.resolve() != default_model_path().resolve()]


def model_choices() -> dict[str, str]:
    """What the picker offers, by choice key: the shipped default, shared models, then the learner's
    ended runs, named saves and uploads."""
    choices = {"default": t("common.models.default")}
    for path in shared_models():
        choices[f"shared:{path.name}"] = t("common.models.shared", name=path.stem)
    for entry in reversed(learner_runs()):
        snap = entry.snapshot()
        if snap.done and entry.record.model_file and snap.test_accuracy is not None and not entry.continued:
            choices[f"run:{entry.id}"] = t("common.models.run", label=f"#{entry.number} {entry.label}",
                                           acc=f"{snap.test_accuracy:.2%}")
    for saved in current().saved_models():
        key = "upload" if saved.info.get("origin") == "upload" else "saved"
        choices[f"saved:{saved.name}"] = t(f"common.models.{'uploaded' if key == 'upload' else 'saved'}",
                                           name=saved.name)
    return choices


def model_picker(key: str):
    """The model selectbox every model page starts with, remembered in the workspace: (choice,
    Predictor); stops the page with a message when the chosen model cannot be used."""
    choices = model_choices()
    with remembered(key, valid={key: choices}):
        choice = st.selectbox(t("draw.model"), list(choices), format_func=choices.get, key=key)
    predictor, problem = pick_predictor(choice)
    if predictor is None:
        st.error(problem)
        st.stop()
    return choice, predictor


def _model_file(choice: str) -> Path:
    """The file behind a picker choice: in the shared folder, or in the learner's own workspace."""
    from ..storage import models_dir

    kind, _, name = choice.partition(":")
    if kind == "shared":
        return models_dir() / Path(name).name
    workspace = current()
    if kind == "run":
        entry = next((e for e in learner_runs(workspace) if e.id == name), None)
        if entry is None or entry.model_path is None:
            raise FileNotFoundError(name)
        return entry.model_path
    saved = workspace.saved_model(name)
    if saved is None:
        raise FileNotFoundError(name)
    return workspace.path(saved.model_file)


def pick_predictor(choice: str):
    """(Predictor, None), or (None, a message saying what went wrong)."""
    from ..storage import ModelFileError

    try:
        if choice == "default":
            return default_predictor(), None
        path = _model_file(choice)
        return predictor_from_file(str(path), path.stat().st_mtime), None
    except FileNotFoundError:
        return None, t("common.models.missing")
    except ModelFileError as e:
        return None, t("common.models.broken", error=explain(e))


def evaluation(predictor, dataset_name: str):
    """The model's evaluation on the test set; every model is a file now, and a file's evaluation
    is shared by every session (see `resources.file_evaluation`)."""
    return file_evaluation(predictor.path, dataset_name)
