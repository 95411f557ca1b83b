"""The app keeps working when its data is missing or broken, and a killed server loses nothing saved."""

import gzip
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from .apptest import app, texts
from .conftest import DATA_DIR, ROOT, requires_mnist


@pytest.fixture
def no_data(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DEMO_DATA_DIR", str(tmp_path / "nothing-here"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("MNIST_DEMO_OFFLINE", "1")


def test_without_data_home_explains_and_draw_still_predicts(no_data):
    from harness.drawing import SEVEN, canvas_value
    from mnist_demo.render import render_strokes

    home = app()
    assert "not found locally" in texts(home) and "MNIST_DEMO_DATA_DIR" in texts(home)
    train = app("pages/train.py")
    assert "nothing to train on" in texts(train) and "MNIST_DEMO_DATA_DIR" in texts(train)
    draw = app("pages/draw.py")
    draw.session_state["draw_canvas_0"] = canvas_value(render_strokes(SEVEN))
    draw.run()
    assert "## Prediction: 7" in texts(draw)


@requires_mnist
def test_a_truncated_data_file_is_named_on_the_train_page(tmp_path, monkeypatch):
    broken = tmp_path / "mnist"
    shutil.copytree(DATA_DIR / "mnist", broken)
    labels = broken / "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress(labels.read_bytes())
    labels.write_bytes(gzip.compress(raw[:-100]))
    monkeypatch.setenv("MNIST_DEMO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MNIST_DEMO_OFFLINE", "1")
    at = app("pages/train.py")
    assert "t10k-labels-idx1-ubyte.gz" in texts(at) and "truncated" in texts(at)


@requires_mnist
def test_killing_the_server_mid_training_leaves_saved_models_intact(tmp_path):
    """Train, save, start a second training, SIGKILL the server: the saved files are whole and
    the next server starts and loads them."""
    from harness.server import free_port
    from mnist_demo.predict import Predictor
    from mnist_demo.storage import list_models

    models = tmp_path / "models"
    env = {**os.environ, "MNIST_DEMO_MODELS_DIR": str(models)}
    script = (
        "import sys, time\n"
        "from mnist_demo.data import load_dataset\n"
        "from mnist_demo.models import preset\n"
        "from mnist_demo.storage import ModelInfo, save_model\n"
        "from mnist_demo.training import RunConfig, TrainingQueue, TrainingRun\n"
        "ds = load_dataset('mnist')\n"
        "spec = preset('mlp-64').replace(epochs=1)\n"
        "run = TrainingRun(spec, ds, RunConfig(train_limit=3000), queue=TrainingQueue(1))\n"
        "run.start(); run.join()\n"
        "save_model(run.model, 'kept', ModelInfo(name='kept'))\n"
        "big = TrainingRun(preset('mlp-512x2').replace(epochs=50), ds, RunConfig(), queue=TrainingQueue(1)).start()\n"
        "while len(big.snapshot().batch_loss) < 5: time.sleep(0.05)\n"
        "print('TRAINING', flush=True)\n"
        "while True: save_model(big.model, 'busy', ModelInfo(name='busy')); time.sleep(0.01)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "TRAINING"
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    saved = list_models(models)
    assert {p.stem for p in saved} >= {"kept"}
    for path in saved:
        Predictor.load(path)  # whole files only: a half-written one would fail here
    leftovers = [p.name for p in models.iterdir() if p.stem not in {"kept", "busy"}]
    assert all(name.startswith(".") and ".tmp" in name for name in leftovers), leftovers

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    assert r.read() == b"ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not come back"
                time.sleep(0.3)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
