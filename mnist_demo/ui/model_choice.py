"""Which model a page uses: the picker of Draw and Evaluate, uploaded models, evaluations.

A page offers the shipped default and the other shared models (read-only, for everyone), then the
learner's own: their ended runs, their named saves and their uploads. Nobody else's."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import streamlit as st

from ..datasets import PROPER_NAMES
from .resources import default_predictor, predictor_from_file
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
    """The read-only models everyone is offered besides the shipped ones: files in the shared folder."""
    from ..storage import SHIPPED_MODELS, list_models, models_dir, shipped_model_path

    shipped = {shipped_model_path(d).resolve() for d in SHIPPED_MODELS} | {(models_dir() / f).resolve()
                                                                            for f in SHIPPED_MODELS.values()}
    return [p for p in list_models() if p.resolve() not in shipped]


def _on(label: str, dataset: str) -> str:
    """A choice's label with the data set its model was trained on."""
    return f"{label} · {PROPER_NAMES.get(dataset, dataset)}"


def model_choices(dataset_name: str) -> dict[str, str]:
    """What the picker offers, by choice key: the data set's shipped model, shared models, then the
    learner's ended runs (newest first), named saves and uploads; each says its data set."""
    from ..storage import read_info

    choices = {"default": t("common.models.default", dataset=PROPER_NAMES[dataset_name])}
    for path in shared_models():
        with contextlib.suppress(Exception):  # a broken sidecar only hides that model here
            choices[f"shared:{path.name}"] = _on(t("common.models.shared", name=path.stem), read_info(path).dataset)
    for entry in reversed(learner_runs()):
        snap = entry.snapshot()
        if snap.settled and entry.record.model_file and snap.test_accuracy is not None and not entry.continued:
            label = t("common.models.run", label=f"#{entry.number} {entry.label}", acc=f"{snap.test_accuracy:.2%}")
            choices[f"run:{entry.id}"] = _on(label, entry.dataset)
    for saved in current().saved_models():
        kind = "uploaded" if saved.info.get("origin") == "upload" else "saved"
        choices[f"saved:{saved.name}"] = _on(t(f"common.models.{kind}", name=saved.name), saved.dataset)
    return choices


def model_picker(key: str, dataset_name: str):
    """The model selectbox every model page starts with, remembered in the workspace: (choice,
    Predictor, label); stops the page with a message when the chosen model cannot be used. A run
    that ended since the learner last looked is picked for them: it is what they want to try."""
    choices = model_choices(dataset_name)
    seen_key = f"{key}_seen"
    with remembered(key, seen_key, valid={key: choices}):
        runs_here = [c for c in choices if c.startswith("run:") and choices[c].endswith(PROPER_NAMES[dataset_name])]
        new_runs = [c for c in runs_here if c not in set(st.session_state.get(seen_key, []))]
        if new_runs:  # newest first: a run that ended since the learner last looked, or their latest
            st.session_state[key] = new_runs[0]
        st.session_state[seen_key] = [c for c in choices if c.startswith("run:")]
        choice = st.selectbox(t("draw.model"), list(choices), format_func=choices.get, key=key)
    predictor, problem = pick_predictor(choice, dataset_name)
    if predictor is None:
        st.error(problem)
        st.stop()
    return choice, predictor, choices[choice]


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


def pick_predictor(choice: str, dataset_name: str = "mnist"):
    """(Predictor, None), or (None, a message saying what went wrong)."""
    from ..storage import ModelFileError

    try:
        if choice == "default":
            return default_predictor(dataset_name), None
        path = _model_file(choice)
        return predictor_from_file(str(path), path.stat().st_mtime), None
    except FileNotFoundError:
        return None, t("common.models.missing")
    except ModelFileError as e:
        return None, t("common.models.broken", error=explain(e))


def evaluation_job(predictor, dataset_name: str):
    """The model's evaluation on the test set as a background `evaluations.Job`: finished at once when
    anyone has evaluated this model file before (on this server, or kept on disk), else running,
    shared by every session that opens the same model."""
    from .resources import dataset
    from .workspace import runs

    ds = dataset(dataset_name)
    return runs().evaluations.job(predictor.path, dataset_name, predictor, ds.x_test, ds.y_test)
