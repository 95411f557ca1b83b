"""Exercise links: read into valid settings with notices, never an exception; written back to the same."""

from urllib.parse import parse_qs, urlsplit

import pytest

from mnist_demo import models
from mnist_demo.choices import BATCH_SIZES, EPOCHS, LEARNING_RATES
from mnist_demo.exercise import PARAMS, exercise_link, exercise_params, qr_png, read_exercise


def test_the_issue_example_gives_the_preset_with_its_changes_and_locks():
    ex = read_exercise({"preset": "mlp-64", "epochs": "3", "normalize": "0", "lock": "epochs,normalize"})
    spec = models.preset("mlp-64")
    assert ex.settings["preset"] == "mlp-64" and ex.settings["kind"] == "mlp"
    assert ex.settings["epochs"] == 3 and ex.settings["normalize"] is False
    assert ex.settings["batch_size"] == spec.batch_size and ex.settings["learning_rate"] == spec.learning_rate
    assert ex.locked == {"epochs", "normalize"}
    assert ex.notices == ()


def test_out_of_range_numbers_go_to_the_nearest_offered_value_with_a_notice():
    ex = read_exercise({"epochs": "500", "batch_size": "70", "learning_rate": "7", "dropout": "-1"})
    assert ex.settings == {"epochs": EPOCHS[1], "batch_size": 64, "learning_rate": LEARNING_RATES[-1], "dropout": 0.0}
    clamped = {n.values["name"]: n.values["used"] for n in ex.notices if n.key == "teacher.exercise.clamped"}
    assert clamped == {"epochs": 50, "batch_size": 64, "learning_rate": 1.0, "dropout": 0.0}


def test_offered_values_pass_without_a_notice():
    ex = read_exercise({"batch_size": "256", "learning_rate": "0.003", "dropout": "0.25", "epochs": "7"})
    assert ex.settings == {"batch_size": 256, "learning_rate": 0.003, "dropout": 0.25, "epochs": 7}
    assert ex.notices == ()


@pytest.mark.parametrize("name, value", [
    ("preset", "mlp-9000"), ("kind", "rnn"), ("optimizer", "lion"), ("normalize", "maybe"),
    ("dataset", "cifar"), ("lang", "fr"), ("epochs", "three"), ("learning_rate", "nan"), ("batch_size", "inf"),
])
def test_unknown_values_are_left_out_with_a_notice(name, value):
    ex = read_exercise({name: value})
    assert name not in ex.settings
    assert [(n.key, n.values["name"]) for n in ex.notices] == [("teacher.exercise.unknown", name)]


@pytest.mark.parametrize("junk", [
    {"epochs": ["2", "9"]}, {"lock": ",,epochs,,"}, {"preset": ""}, {"lock": "everything"}, {"epochs": " 4 "},
    {"w": "token", "class": "7b"}, {"epochs": "1e308"}, {"dropout": "0x10"}, {"kind": "cnn", "preset": "mlp-64"},
])
def test_no_query_raises_and_every_setting_read_is_one_the_page_offers(junk):
    ex = read_exercise(junk)
    s = ex.settings
    assert EPOCHS[0] <= s.get("epochs", 1) <= EPOCHS[1]
    assert s.get("batch_size", 16) in BATCH_SIZES
    if "preset" in s:
        assert models.preset(s["preset"]).kind == s["kind"]
    assert ex.locked <= set(PARAMS)


def test_a_preset_of_another_kind_wins_and_says_so():
    ex = read_exercise({"kind": "cnn", "preset": "mlp-64"})
    assert ex.settings["kind"] == "mlp"
    assert [n.key for n in ex.notices] == ["teacher.exercise.kind_of_preset"]


def test_a_kind_alone_gives_its_first_preset():
    assert read_exercise({"kind": "cnn"}).settings["preset"] == models.presets_for("cnn")[0]


def test_locking_the_preset_locks_the_kind_and_unknown_locks_are_noticed():
    ex = read_exercise({"lock": "preset,colour"})
    assert ex.locked == {"preset", "kind"}
    assert [(n.key, n.values) for n in ex.notices] == [("teacher.exercise.unknown_lock", {"name": "colour"})]


def test_a_written_link_reads_back_to_its_settings_and_locks():
    settings = {"preset": "cnn-fast", "kind": "cnn", "epochs": 2, "batch_size": 32, "learning_rate": 0.01,
                "optimizer": "adam", "dropout": 0.1, "normalize": False, "dataset": "fashion-mnist", "lang": "ja"}
    link = exercise_link("http://host:8501/train?w=secret", settings, {"epochs", "normalize"}, class_code="3b")
    parts = urlsplit(link)
    assert parts.path == "/train" and "w=" not in parts.query  # a teacher's link never carries their workspace
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["lock"] == "epochs,normalize" and query["class"] == "3b"
    ex = read_exercise(query)
    assert {k: ex.settings[k] for k in settings} == settings
    assert ex.locked == {"epochs", "normalize"} and ex.notices == ()


def test_params_skip_what_is_not_an_exercise_setting():
    assert exercise_params({"width": 64, "epochs": 3, "normalize": True}) == {"epochs": "3", "normalize": "1"}


def test_the_qr_code_decodes_back_to_the_link():
    import io

    import zxingcpp
    from PIL import Image

    link = exercise_link("http://192.168.1.20:8501/train", {"preset": "mlp-64", "epochs": 3, "normalize": False},
                         {"epochs", "normalize"}, class_code="3b")
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(link))))
    assert [code.text for code in found] == [link]
