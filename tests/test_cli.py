import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT, requires_mnist


def _cli(*args, env=None, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "mnist_demo", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout, env={**os.environ, **(env or {})},
    )


def test_presets_lists_every_preset_with_settings():
    out = _cli("presets")
    assert out.returncode == 0
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    names = [r["preset"] for r in rows]
    assert names == ["mlp-512x2", "mlp-64", "mlp-256-100", "keras-mnist-cnn", "cnn-3conv", "cnn-fast", "cnn-fastest",
                     "cnn-draw"]
    cnn = rows[names.index("keras-mnist-cnn")]
    assert cnn["optimizer"] == "adadelta" and cnn["learning_rate"] == 1.0 and cnn["batch_size"] == 128


@requires_mnist
def test_train_then_evaluate(tmp_path):
    out_path = tmp_path / "cli-model.keras"
    out = _cli("train", "--preset", "mlp-64", "--epochs", "1", "--train-limit", "5000",
               "--test-limit", "1000", "--out", str(out_path), "--seed", "1")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["epochs"] == 1 and result["model_path"] == str(out_path)
    assert result["test_accuracy"] >= 0.8 and result["test_loss"] > 0 and result["seconds"] > 0
    assert "epoch 1/1" in out.stderr and "samples/s" in out.stderr
    assert out_path.exists() and out_path.with_suffix(".json").exists()
    side = json.loads(out_path.with_suffix(".json").read_text())
    assert side["preset"] == "mlp-64" and side["normalize"] is True and len(side["history"]["loss"]) == 1
    assert side["extra"]["command"] == f"python -m mnist_demo train --preset mlp-64 --epochs 1 --train-limit 5000 " \
        f"--test-limit 1000 --out {out_path} --seed 1"
    assert not out_path.with_name("cli-model.detector.npz").exists()

    ev = _cli("evaluate", "--model", str(out_path))
    assert ev.returncode == 0, ev.stderr
    metrics = json.loads(ev.stdout.strip().splitlines()[-1])
    assert metrics["test_accuracy"] >= 0.8 and metrics["test_accuracy"] == pytest.approx(
        result["test_accuracy"], abs=0.1)


@pytest.mark.parametrize("args, message", [
    (("train", "--preset", "resnet"), "unknown preset 'resnet'"),
    (("train", "--preset", "mlp-64", "--epochs", "0"), "epochs must be in"),
    (("train", "--preset", "mlp-64", "--out", "model.h5"), "--out must end in .keras"),
    (("evaluate", "--model", "nowhere/missing.keras"), "no such model file"),
    (("detector", "--model", "nowhere/missing.keras"), "no such model file"),
])
def test_user_errors_are_one_line_without_traceback(args, message):
    out = _cli(*args)
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_missing_data_explains_the_fix(tmp_path):
    out = _cli("train", "--preset", "mlp-64", "--dataset", "fashion-mnist",
               env={"MNIST_DEMO_DATA_DIR": str(tmp_path), "KERAS_HOME": str(tmp_path), "MNIST_DEMO_OFFLINE": "1"})
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "MNIST_DEMO_DATA_DIR" in out.stderr
