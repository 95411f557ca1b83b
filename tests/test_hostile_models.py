"""Hostile uploads (issue 19): each file is refused with its own reason, in little memory, and
says so in the learner's language without a server path; a valid model still loads.

Each upload is loaded by `untrusted.load_untrusted` in a fresh Python process (`_measured`)
that reports its own peak RSS (VmHWM) and the largest peak among its children (the checker
it starts, from RUSAGE_CHILDREN), so one file's memory is neither mixed with another's nor
with this test process's. That process caps its own heap first, so that a regression fails
there instead of taking the machine's memory. Times are the benchmark's business
(`python -m bench.hostile_models`); here a subprocess timeout only makes sure each run ends.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from harness import hostile_models as hostile
from mnist_demo import i18n, model_files, untrusted
from mnist_demo.model_files import MAX_UNPACKED_BYTES, json_depth, read_archive
from mnist_demo.predict import Predictor
from mnist_demo.storage import ModelFileError, default_model_path
from mnist_demo.untrusted import load_untrusted

from .conftest import ROOT

PEAK_RSS_BOUND_MB = 1024  # for the measuring process and for the checker; before: 9-11 GB
MEASURE_HEAP_CAP = 4 * 2**30
RUN_TIMEOUT = 180
MEASURE = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_DATA, ({cap}, {cap}))
from mnist_demo import i18n
from mnist_demo.storage import ModelFileError
from mnist_demo.untrusted import load_untrusted
path, name = sys.argv[1], sys.argv[2]
try:
    predictor = load_untrusted(open(path, "rb").read(), name)
    digits = __import__("numpy").zeros((1, 28, 28), "uint8")
    out = {{"backend": predictor.backend, "name": predictor.name,
           "probabilities": predictor.predict_images(digits)[0].tolist()}}
except ModelFileError as e:
    out = {{"reason": e.reason, "en": str(e), "ja": i18n.translate(e.key, "ja", **e.values)}}
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
out["self_peak_mb"] = int(status["VmHWM"].split()[0]) / 1024
out["children_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
out["tensorflow_imported"] = "tensorflow" in sys.modules
print(json.dumps(out))
"""


def _measured(path: Path, name: str) -> dict:
    """What loading `path` as the upload `name` did, in a fresh process: the outcome and peak RSS."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run([sys.executable, "-c", MEASURE.format(cap=MEASURE_HEAP_CAP), str(path), name],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


REFUSED = [name for name, h in hostile.BUILDERS.items() if h.reason is not None]


@pytest.mark.parametrize("name", REFUSED)
def test_each_hostile_upload_is_refused_with_its_reason_in_little_memory(name, tmp_path):
    path = hostile.build(name, tmp_path)
    upload = f"student {name}.keras"
    out = _measured(path, upload)
    assert out.get("reason") == hostile.BUILDERS[name].reason, out
    assert out["self_peak_mb"] < PEAK_RSS_BOUND_MB and out["children_peak_mb"] < PEAK_RSS_BOUND_MB, out
    assert not out["tensorflow_imported"], "the server process imported TensorFlow for a refused file"
    for text in (out["en"], out["ja"]):
        assert text.startswith(f"{upload}: "), text
        assert str(tmp_path) not in text and "/tmp/" not in text and "mnist-demo-upload" not in text, text
        assert "Traceback" not in text and "h5py" not in text and "Errno" not in text, text
    assert out["en"] != out["ja"]
    marker = hostile.marker_path(tmp_path, name)
    assert not marker.exists() and not (Path("/tmp") / marker.name).exists() and not (Path("/") / marker.name).exists()


def test_the_valid_model_still_loads_in_numpy_and_predicts_like_the_shipped_one(tmp_path):
    path = hostile.build("valid", tmp_path)
    out = _measured(path, "mine.keras")
    assert out.get("backend") == "numpy" and out["name"] == "mine", out
    assert not out["tensorflow_imported"]
    assert out["self_peak_mb"] < PEAK_RSS_BOUND_MB and out["children_peak_mb"] < PEAK_RSS_BOUND_MB, out
    shipped = Predictor.load(default_model_path()).predict_images(np.zeros((1, 28, 28), np.uint8))[0]
    np.testing.assert_allclose(out["probabilities"], shipped, atol=1e-6)


def test_an_upload_as_a_path_loads_like_its_bytes(tmp_path):
    predictor = load_untrusted(hostile.build("valid", tmp_path), "mine.keras")
    assert predictor.backend == "numpy" and predictor.path is None and predictor.name == "mine"


def test_a_model_only_keras_can_run_is_checked_in_the_child_and_predicts_like_the_original(tmp_path, mnist):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Reshape((28, 28, 1)),
                              keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.AveragePooling2D(2),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "colab.keras")
    predictor = load_untrusted((tmp_path / "colab.keras").read_bytes(), "colab.keras")
    assert predictor.backend == "keras" and predictor.name == "colab"
    x = mnist.x_test[:8]
    np.testing.assert_allclose(predictor.predict_images(x), model.predict(x / 255.0, verbose=0), atol=1e-5)


def test_a_check_that_passes_its_deadline_is_killed_and_refused(tmp_path, monkeypatch):
    """A model only Keras runs makes the child import TensorFlow, which takes longer than 1 s."""
    path = hostile.keras_only(tmp_path / "slow.keras")
    monkeypatch.setattr(untrusted, "TIME_LIMIT_SECONDS", 1)
    with pytest.raises(ModelFileError) as refused:
        load_untrusted(path.read_bytes(), "slow.keras")
    assert refused.value.reason == "too_slow" and str(refused.value) == (
        "slow.keras: checking it took longer than 1 s; refused")


def test_an_upload_waits_for_a_free_slot_and_is_told_when_the_server_is_busy(tmp_path, monkeypatch):
    monkeypatch.setattr(untrusted, "TIME_LIMIT_SECONDS", 0.2)
    taken = [untrusted._slots.acquire(timeout=5) for _ in range(untrusted.MAX_CONCURRENT)]
    try:
        assert all(taken)
        with pytest.raises(ModelFileError) as refused:
            load_untrusted(hostile.build("valid", tmp_path).read_bytes(), "mine.keras")
        assert refused.value.reason == "busy"
    finally:
        for _ in taken:
            untrusted._slots.release()
    monkeypatch.undo()
    assert load_untrusted(hostile.build("valid", tmp_path).read_bytes(), "mine.keras").backend == "numpy"


def test_the_checker_cannot_allocate_more_than_its_memory_limit():
    code = (
        "import resource, numpy as np\n"
        "from mnist_demo.untrusted import limit_this_process, MEMORY_LIMIT_BYTES\n"
        "limit_this_process()\n"
        "assert resource.getrlimit(resource.RLIMIT_DATA) == (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES)\n"
        "small = np.ones(MEMORY_LIMIT_BYTES // 4 // 8)\n"
        "try:\n"
        "    np.ones(MEMORY_LIMIT_BYTES // 8)\n"
        "    print('allocated')\n"
        "except MemoryError:\n"
        "    print('refused')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["refused"]


def test_the_checker_predicts_a_batch_as_large_as_the_app_will():
    import inspect

    assert inspect.signature(Predictor.predict_images).parameters["batch_size"].default == untrusted.KERAS_PROBE_BATCH


def test_the_unpacked_limit_fits_the_largest_model_the_train_page_builds():
    """Every preset at the widest its kind's slider offers: the largest must fit with room
    for the file's structure, and the limit must not be much looser than that."""
    import keras

    from mnist_demo.choices import WIDTHS
    from mnist_demo.models import PRESETS, build_model, with_width

    def weight_bytes(spec) -> int:
        model = build_model(with_width(spec, max(WIDTHS[spec.kind])))
        try:
            return model.count_params() * 4
        finally:
            del model
            keras.backend.clear_session()

    largest = max(weight_bytes(spec) for spec in PRESETS.values())
    assert 0.8 * MAX_UNPACKED_BYTES < largest < 0.9 * MAX_UNPACKED_BYTES


# --- the checks, one by one, in this process -----------------------------------------------------

def _refusal(path: Path) -> ModelFileError:
    with pytest.raises(ModelFileError) as refused:
        read_archive(path, path.name)
    return refused.value


def test_a_zip_listing_more_members_than_a_model_has_is_refused_before_zipfile_reads_it(tmp_path):
    members = [hostile.stored(f"{i}.txt", b"x") for i in range(model_files.MAX_MEMBERS + 1)]
    error = _refusal(hostile.write_zip(tmp_path / "many.keras", members))
    assert error.reason == "directory" and error.values["count"] == model_files.MAX_MEMBERS + 1


def test_a_member_compressed_like_a_bomb_is_refused_even_under_the_size_limit(tmp_path):
    parts = hostile.shipped_members()
    bomb = hostile.padded("model.weights.h5", b"", b"\0", MAX_UNPACKED_BYTES // 2)  # ~1000:1
    path = hostile.write_zip(tmp_path / "dense.keras", [hostile.stored("config.json", parts["config.json"]), bomb])
    error = _refusal(path)
    assert error.reason == "bomb" and error.values["ratio"] > model_files.MAX_RATIO


def test_a_deflated_copy_of_a_real_model_still_loads(tmp_path):
    path = tmp_path / "zipped.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in hostile.shipped_members().items():
            out.writestr(name, data)
    assert Predictor.load(path).backend == "numpy"


def test_a_config_nested_deeper_than_the_limit_is_refused_without_a_recursion_error(tmp_path):
    config = b"[" * (model_files.MAX_JSON_DEPTH + 1) + b"]" * (model_files.MAX_JSON_DEPTH + 1)
    error = _refusal(hostile.archive_with(tmp_path / "deep.keras", config=config))
    assert error.reason == "config_nesting"
    deep_but_small = b"[" * (model_files.MAX_CONFIG_BYTES - 1)
    assert _refusal(hostile.archive_with(tmp_path / "deeper.keras", config=deep_but_small)).reason == "config_nesting"


def test_a_config_that_is_not_a_json_object_is_refused(tmp_path):
    for config in (b"[1, 2", b"\xff\xfe", b"[]", "{\"a\": \"\u00e9\"".encode()):
        assert _refusal(hostile.archive_with(tmp_path / "bad.keras", config=config)).reason == "config"


def test_brackets_and_quotes_inside_strings_do_not_count_toward_depth():
    assert json_depth(b'{"a": "[[[{{{", "b\\\\": ["\\"]]]"]}') == 2
    assert json_depth(b"") == 0


def test_json_depth_agrees_with_the_parsed_structure_across_chunk_boundaries(monkeypatch):
    rng = random.Random(0)

    def value(level):
        roll = rng.random()
        if level > 8 or roll < 0.3:
            return rng.choice(['"[{', "\\", '\\"', 1, None, "}]", ""])
        if roll < 0.65:
            return [value(level + 1) for _ in range(rng.randint(0, 3))]
        return {str(i) + rng.choice(["[", '"', "\\", ""]): value(level + 1) for i in range(rng.randint(0, 3))}

    def depth(node):
        if isinstance(node, dict):
            node = list(node.values())
        return 1 + max(map(depth, node), default=0) if isinstance(node, list) else 0

    monkeypatch.setattr(model_files, "_SCAN_CHUNK", 7)  # a bracket, a quote or a backslash run on every boundary
    for _ in range(500):
        node = value(0)
        assert json_depth(json.dumps(node).encode()) == depth(node)


def test_an_hdf5_link_to_another_file_is_refused(tmp_path):
    import h5py

    buffer = io.BytesIO(hostile.shipped_members()["model.weights.h5"])
    with h5py.File(buffer, "r+") as h5:
        h5["layers/dense_1/vars/2"] = h5py.ExternalLink("/etc/passwd", "/")
    assert _refusal(hostile.archive_with(tmp_path / "link.keras", weights=buffer.getvalue())).reason == "weights_layout"


def test_every_refusal_has_its_text_in_both_languages():
    reasons = {h.reason for h in hostile.BUILDERS.values() if h.reason}
    for reason in reasons | {"directory", "bomb", "config_nesting", "config", "too_slow", "busy", "check_failed"}:
        assert f"error.model.{reason}" in i18n.CATALOG["en"] and f"error.model.{reason}" in i18n.CATALOG["ja"]


# --- the harness ---------------------------------------------------------------------------------

def test_hand_made_bombs_are_zips_that_inflate_to_what_they_declare(tmp_path):
    path = hostile.weights_bomb(tmp_path / "small.keras", total=5 * 2**20)
    with zipfile.ZipFile(path) as archive:  # reading checks the CRC-32 the builder combined
        data = archive.read("model.weights.h5")
    assert len(data) == archive.getinfo("model.weights.h5").file_size > 5 * 2**20 - 2**20
    assert data.startswith(hostile.shipped_members()["model.weights.h5"]) and not data[-2**20:].strip(b"\0")
    big = hostile.config_bomb(tmp_path / "big.keras")
    assert zipfile.ZipFile(big).getinfo("config.json").file_size > 4 * 2**30  # a ZIP64 size Python reads
    assert big.stat().st_size < 10 * 2**20
