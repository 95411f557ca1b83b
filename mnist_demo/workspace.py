"""A learner's workspace: their settings, their runs' model files and their named saves, with limits.

Everything lives under one state folder (`MNIST_DEMO_STATE_DIR`, default `state/` in the project),
created on first start:

    state.db                                  the store: learners, settings, runs, saved models
    models/<learner>/runs/<run>.keras         each ended run's model, with its .json sidecar
    models/<learner>/saved/<name>.keras       the learner's named saves and uploads, likewise

A learner sees and changes only their own folder; the shared models in `models/` beside the app
(the shipped default, the ones a teacher trains with the CLI) are read-only for everyone. Names
are per learner, so two learners can each have an "alice". Storage is bounded: the last
`MAX_UNSAVED_RUNS` runs that were not saved, `MAX_SAVED_MODELS` named saves, `MAX_UPLOADS` uploads.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import AppError
from .storage import PROJECT_ROOT, ModelInfo, atomic_write, list_models, models_dir, read_info, safe_model_name
from .store import Learner, RunRecord, SavedModel, Store

STATE_DIR_ENV = "MNIST_DEMO_STATE_DIR"
DATABASE_URL_ENV = "MNIST_DEMO_DATABASE_URL"
MAX_UNSAVED_RUNS = 10
MAX_SAVED_MODELS = 20
MAX_UPLOADS = 5
MAX_UPLOAD_BYTES_TOTAL = 100 * 2**20
RESERVED_NAMES = frozenset({"default"})
UPLOAD = "upload"


class WorkspaceError(AppError):
    """Something the learner asked of their workspace that it cannot do (a limit, a taken name)."""

    group = "workspace"


def state_dir() -> Path:
    value = os.environ.get(STATE_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else PROJECT_ROOT / "state"


def open_store(root: Path | None = None) -> Store:
    """The class's store: `MNIST_DEMO_DATABASE_URL` if set, else `state.db` in the state folder."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    root = root or state_dir()
    root.mkdir(parents=True, exist_ok=True)
    return Store.open(url or str(root / "state.db"))


def back_up_state(store: Store, root: Path, target: Path) -> Path:
    """Copy the class's state into the new folder `target` while the app runs: the database first
    (a consistent snapshot), then the model files, which are written atomically, so every file the
    copied database names is whole in the copy."""
    if target.exists():
        raise FileExistsError(f"{target} exists; give a new folder")
    target.mkdir(parents=True)
    store.db.backup(target / "state.db")
    if (root / "models").is_dir():
        shutil.copytree(root / "models", target / "models")
    return target


def shared_model_names() -> set[str]:
    """Names of the read-only models everyone is offered (no learner may save under them)."""
    return {path.stem for path in list_models(models_dir())} | set(RESERVED_NAMES)


@dataclass
class Workspace:
    """One learner's things (see the module docstring)."""

    store: Store
    learner: Learner
    root: Path

    @property
    def id(self) -> str:
        return self.learner.id

    @property
    def folder(self) -> Path:
        return self.root / "models" / self.learner.id

    def path(self, relative: str) -> Path:
        """A file named by the store (relative to the state folder), which must lie in this workspace."""
        path = (self.root / relative).resolve()
        if self.folder.resolve() not in path.parents:
            raise WorkspaceError("not_yours")
        return path

    def run_model_path(self, run_id: str) -> Path:
        return self.folder / "runs" / f"{run_id}.keras"

    def relative(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    # settings ---------------------------------------------------------------------------------

    def settings(self) -> dict:
        return self.store.settings(self.id)

    def remember(self, changes: dict) -> None:
        self.store.set_settings(self.id, changes)

    # runs -------------------------------------------------------------------------------------

    def runs(self) -> list[RunRecord]:
        return self.store.runs(self.id)

    def prune_runs(self, keep: int = MAX_UNSAVED_RUNS) -> list[str]:
        """Forget all but the newest `keep` ended runs that were never saved; return their ids.
        Runs still training, and runs whose model was saved, are kept."""
        saved = {s.run_id for s in self.store.saved_models(self.id)}
        ended = [r for r in self.runs() if r.done and r.id not in saved]
        dropped = ended[:-keep] if keep else ended
        for run in dropped:
            if run.model_file:
                for suffix in (".keras", ".json"):
                    self.path(run.model_file).with_suffix(suffix).unlink(missing_ok=True)
            self.store.delete_run(run.id)
        return [r.id for r in dropped]

    # saved models -----------------------------------------------------------------------------

    def saved_models(self, origin: str | None = None) -> list[SavedModel]:
        """Named saves (origin "run") and uploads (origin "upload"), newest first."""
        found = self.store.saved_models(self.id)
        return [s for s in found if origin is None or s.info.get("origin", "run") == origin]

    def saved_model(self, name: str) -> SavedModel | None:
        return self.store.saved_model(self.id, name)

    def save_run(self, run: RunRecord, name: str, *, replace: bool = False) -> SavedModel:
        """Keep the run's model under `name`. Raises InvalidNameError for a bad or reserved name,
        WorkspaceError("name_taken") when the learner used the name and `replace` is False, and
        WorkspaceError("saves_full") at the limit."""
        if run.learner_id != self.id or not run.model_file:
            raise WorkspaceError("not_yours")
        name = self._checked_name(name)
        existing = self.saved_model(name)
        if existing is not None and not replace:
            raise WorkspaceError("name_taken", name=name)
        if existing is None and len(self.saved_models("run")) >= MAX_SAVED_MODELS:
            raise WorkspaceError("saves_full", limit=MAX_SAVED_MODELS)
        source = self.path(run.model_file)
        target = self.folder / "saved" / f"{name}.keras"
        target.parent.mkdir(parents=True, exist_ok=True)
        info = read_info(source)
        info.name = name
        atomic_write(target, lambda tmp: shutil.copyfile(source, tmp))
        atomic_write(target.with_suffix(".json"), lambda tmp: tmp.write_text(info.to_json(), encoding="utf-8"))
        saved = SavedModel(self.id, name, self.relative(target), run.dataset, run.normalize,
                           {"origin": "run", "metrics": info.metrics, "spec": run.spec, "history": info.history,
                            "preset": run.preset}, run_id=run.id, created=time.time())
        self.store.put_saved_model(saved)
        return saved

    def add_upload(self, name: str, data: bytes, info: ModelInfo) -> SavedModel:
        """Keep an uploaded model file (already checked) under `name`, replacing an upload of that name.
        Raises WorkspaceError("uploads_full") past MAX_UPLOADS or MAX_UPLOAD_BYTES_TOTAL."""
        name = self._checked_name(name)
        uploads = {s.name: s for s in self.saved_models(UPLOAD)}
        others = [s for s in uploads.values() if s.name != name]
        total = sum(s.info.get("bytes", 0) for s in others) + len(data)
        if len(others) >= MAX_UPLOADS or total > MAX_UPLOAD_BYTES_TOTAL:
            raise WorkspaceError("uploads_full", limit=MAX_UPLOADS, mb=MAX_UPLOAD_BYTES_TOTAL // 2**20)
        if name not in uploads and self.saved_model(name) is not None:
            raise WorkspaceError("name_taken", name=name)
        target = self.folder / "saved" / f"{name}.keras"
        target.parent.mkdir(parents=True, exist_ok=True)
        info.name = name
        atomic_write(target, lambda tmp: tmp.write_bytes(data))
        atomic_write(target.with_suffix(".json"), lambda tmp: tmp.write_text(info.to_json(), encoding="utf-8"))
        saved = SavedModel(self.id, name, self.relative(target), info.dataset, info.normalize,
                           {"origin": UPLOAD, "bytes": len(data), "metrics": {}, "spec": {}, "history": {}},
                           created=time.time())
        self.store.put_saved_model(saved)
        return saved

    def delete_saved(self, name: str) -> None:
        saved = self.saved_model(name)
        if saved is None:
            return
        path = self.path(saved.model_file)
        self.store.delete_saved_model(self.id, name)
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)

    def _checked_name(self, name: str) -> str:
        name = safe_model_name(name)
        if name.lower() in {n.lower() for n in shared_model_names()}:
            raise WorkspaceError("reserved", name=name)
        return name
