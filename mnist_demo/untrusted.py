"""Opening a model file from a stranger at arm's length: in a child process with hard limits.

`model_files` refuses what a file *declares* beyond this app's needs, but a well-formed file
can declare little and still cost a lot: 6 MB of weights whose one forward pass needs 5 GB,
a config whose layer sizes make Keras allocate gigabytes before it reads a weight, an HDF5
structure that keeps the parser busy. So `load_untrusted` opens an upload in a fresh Python
process that caps its own memory (RLIMIT_DATA, with RLIMIT_AS as a backstop) and CPU time
before it touches the file, runs at low priority on one thread, and is killed at a
wall-clock deadline. It reads the file as `Predictor.load` would (numpy first, Keras in
safe mode when numpy cannot run it), predicts one batch of the size the app will later
predict, and hands back a clean `.keras` it wrote itself: the checked config and arrays
(numpy) or the loaded model saved again (Keras). The server loads that copy; it never
parses the stranger's bytes beyond the zip directory. The server thread only waits on the
child, so other students' pages run on, and at most MAX_CONCURRENT checks run at once.

A file numpy can run (every model this app builds) costs about a second, most of it starting
Python, and never imports TensorFlow; any other model pays TensorFlow's import in the child.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import i18n
from .model_files import MAX_UNPACKED_BYTES, check_file_directory, read_archive, write_clean
from .storage import MAX_MODEL_BYTES, ModelFileError

GiB = 2**30
MEMORY_LIMIT_BYTES = 2 * GiB
"""The child's private memory (heap and anonymous maps: every array and parsed object), as
RLIMIT_DATA. Opening the largest model `model_files` accepts with Keras, and saving it again,
needs about 1.8 GiB; numpy needs half that."""

ADDRESS_SPACE_LIMIT_BYTES = MEMORY_LIMIT_BYTES + 4 * GiB
"""RLIMIT_AS, the backstop for what RLIMIT_DATA does not count: TensorFlow maps ~2 GB of code
and reservations it never fills."""

TIME_LIMIT_SECONDS = 60
"""The child's wall-clock deadline, and its CPU-time limit (RLIMIT_CPU). A model numpy can
run takes about a second; another pays TensorFlow's import, 5-20 s on a busy 2-core server."""

MAX_CONCURRENT = 2  # checks at once per server process; a third upload waits for a slot
KERAS_PROBE_BATCH = 1000  # Predictor.predict_images' batch: the child proves one fits
CHILD_THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                 "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "MALLOC_ARENA_MAX": "2",
                 "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "-1"}
CHILD_NICENESS = 10
REPLY = "reply.json"
CLEAN = "clean.keras"

log = logging.getLogger(__name__)
_slots = threading.BoundedSemaphore(MAX_CONCURRENT)


def load_untrusted(source: bytes | str | os.PathLike, name: str, keep_clean: Path | None = None):
    """A Predictor for the `.keras` file a stranger sent: its bytes, or a path to them. `name`
    is the file's name as uploaded, used in every message. The file is opened in a child
    whose heap is capped at MEMORY_LIMIT_BYTES and which is killed after TIME_LIMIT_SECONDS
    (waiting for a free slot takes at most as long again); the server itself reads only the
    zip directory, then the child's clean copy, whose cost for one batch the child measured.
    Raises ModelFileError for every refusal and failure, and nothing else for a bad file;
    `predictor.path` is None and `predictor.info` holds defaults named after the file. With
    `keep_clean`, the child's clean copy is also written there: what the server may keep."""
    from .predict import Predictor

    name = Path(str(name)).name
    if not name.endswith(".keras"):
        raise ModelFileError("not_keras", name=name)
    in_memory = isinstance(source, (bytes, bytearray, memoryview))
    try:
        size = len(source) if in_memory else os.stat(source).st_size
    except OSError as e:
        raise ModelFileError("missing", name=name) from e
    if size > MAX_MODEL_BYTES:
        raise ModelFileError("too_big", name=name, limit=MAX_MODEL_BYTES // 2**20)
    with tempfile.TemporaryDirectory(prefix="mnist-demo-upload-") as tmp:
        folder = Path(tmp)
        path = folder / "upload.keras" if in_memory else Path(source)
        if in_memory:
            path.write_bytes(source)
        check_file_directory(path, name)
        with _slot(name):
            _check_in_child(path, folder, name)
        try:
            predictor = Predictor.load(folder / CLEAN)
        except ModelFileError as e:  # not expected: the child loaded this very copy
            raise type(e)(e.reason, **{**e.values, "name": name}) from e
        if keep_clean is not None:
            shutil.copyfile(folder / CLEAN, keep_clean)
    predictor.info.name, predictor.path = Path(name).stem, None
    return predictor


class _slot:
    """One of MAX_CONCURRENT places to run a check, waited for at most TIME_LIMIT_SECONDS."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        if not _slots.acquire(timeout=TIME_LIMIT_SECONDS):
            raise ModelFileError("busy", name=self.name)

    def __exit__(self, *exc):
        _slots.release()


def _check_in_child(path: Path, folder: Path, name: str) -> None:
    """Run the child on `path`; return when it wrote `folder/CLEAN`, else raise its verdict."""
    command = [sys.executable, "-m", __name__, str(path), str(folder), name]
    start = time.monotonic()
    with open(folder / "child.log", "wb") as output:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                                 cwd=folder, env=child_environment(), start_new_session=True)
        try:
            child.wait(timeout=TIME_LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            log.warning("%s: the check passed its %d s deadline; killed", name, TIME_LIMIT_SECONDS)
            raise ModelFileError("too_slow", name=name, seconds=TIME_LIMIT_SECONDS) from None
    reply = _reply(folder)
    log.info("%s: checked in %.1f s, exit %s, %s", name, time.monotonic() - start, child.returncode, reply)
    if child.returncode == 0 and reply.get("backend") and (folder / CLEAN).is_file():
        return
    if reply.get("reason"):
        raise _error_from(reply, name)
    if child.returncode == -signal.SIGXCPU:  # RLIMIT_CPU
        raise ModelFileError("too_slow", name=name, seconds=TIME_LIMIT_SECONDS)
    log.warning("%s: the check ended without a verdict (exit %s): %s", name, child.returncode,
                (folder / "child.log").read_bytes()[-2000:].decode("utf-8", "replace"))
    raise ModelFileError("check_failed", name=name)


def child_environment() -> dict[str, str]:
    """The server's environment, with one thread for every math library and the library's
    own folder on the path (the child runs `python -m mnist_demo.untrusted`)."""
    env = {**os.environ, **CHILD_THREADS}
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return env


def _reply(folder: Path) -> dict:
    try:
        reply = json.loads((folder / REPLY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return reply if isinstance(reply, dict) else {}


def _error_from(reply: dict, name: str) -> ModelFileError:
    """The child's verdict as a ModelFileError naming the uploaded file; a reply that does not
    make a known, complete message becomes check_failed."""
    values = {k: v for k, v in (reply.get("values") or {}).items() if isinstance(v, (str, int, float))}
    values["name"] = name
    reason = reply.get("reason")
    if not isinstance(reason, str) or f"error.model.{reason}" not in i18n.CATALOG[i18n.DEFAULT_LANGUAGE]:
        return ModelFileError("check_failed", name=name)
    try:
        return ModelFileError(reason, **values)
    except (KeyError, IndexError, ValueError):
        return ModelFileError("check_failed", name=name)


# --- the child -----------------------------------------------------------------------------------

def limit_this_process() -> None:
    """The child's first act: cap memory, CPU time, file size and core dumps, and step back."""
    _lower(resource.RLIMIT_DATA, MEMORY_LIMIT_BYTES)
    _lower(resource.RLIMIT_AS, ADDRESS_SPACE_LIMIT_BYTES)
    _lower(resource.RLIMIT_CPU, TIME_LIMIT_SECONDS, TIME_LIMIT_SECONDS + 5)  # SIGXCPU, then SIGKILL
    _lower(resource.RLIMIT_FSIZE, 2 * MAX_UNPACKED_BYTES)
    _lower(resource.RLIMIT_CORE, 0)
    os.nice(CHILD_NICENESS)


def _lower(limit: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    _, current = resource.getrlimit(limit)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(limit, (soft, hard))


def write_clean_copy(path: Path, folder: Path, name: str) -> str:
    """Open `path` as Predictor.load would, predict one batch of zeros the way the server will
    (a numpy chunk, or a Keras batch through the Predictor's compiled function), and write
    `folder/CLEAN`; return the backend that will run it."""
    import numpy as np

    from . import numpy_model
    from .predict import Predictor
    from .storage import load_keras_model

    try:
        model = numpy_model.load(path, name)
        Predictor(model).predict_images(np.zeros((model.chunk, 28, 28), np.uint8))  # one chunk, as Evaluate runs it
        write_clean(folder / CLEAN, read_archive(path, name))
        return "numpy"
    except numpy_model.Unsupported:
        pass
    except MemoryError as e:
        raise ModelFileError("too_much_memory", name=name) from e
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    model = load_keras_model(path, name)
    try:
        Predictor(model).predict_images(np.zeros((KERAS_PROBE_BATCH, 28, 28), np.uint8))
    except Exception as e:
        if isinstance(e, MemoryError) or "ResourceExhausted" in type(e).__name__:
            raise ModelFileError("too_much_memory", name=name) from e
        raise
    model.save(folder / CLEAN)  # loaded uncompiled: no optimizer state to leave out
    return "keras"


def main(argv: list[str]) -> int:
    path, folder, name = Path(argv[0]), Path(argv[1]), argv[2]
    limit_this_process()
    try:
        reply = {"backend": write_clean_copy(path, folder, name)}
    except ModelFileError as e:
        reply = {"reason": e.reason, "values": e.values}
    except MemoryError:
        reply = {"reason": "too_much_memory", "values": {}}
    except Exception as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        reply = {"reason": "check_failed", "values": {}}
    (folder / REPLY).write_text(json.dumps(reply), encoding="utf-8")
    return 0 if "backend" in reply else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
