import gzip
import os
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if not os.environ.get("MNIST_DEMO_DATA_DIR") and SHARED_DATA.is_dir():
    os.environ["MNIST_DEMO_DATA_DIR"] = str(SHARED_DATA)

if not os.environ.get("MNIST_DEMO_STATE_DIR"):  # learners' workspaces of this test run, never the project's
    os.environ["MNIST_DEMO_STATE_DIR"] = tempfile.mkdtemp(prefix="mnist-demo-state-")

for _name in ("RAY_ADDRESS", "MNIST_DEMO_RAY_ADDRESS"):  # trainings are threads unless a test gives them a cluster
    os.environ.pop(_name, None)

DATA_DIR = Path(os.environ.get("MNIST_DEMO_DATA_DIR", SHARED_DATA))
HAVE_MNIST = (DATA_DIR / "mnist").is_dir()
HAVE_FASHION = (DATA_DIR / "fashion-mnist").is_dir()
requires_mnist = pytest.mark.skipif(
    not HAVE_MNIST, reason=f"no MNIST IDX files under {DATA_DIR} (set MNIST_DEMO_DATA_DIR)"
)
requires_fashion = pytest.mark.skipif(
    not HAVE_FASHION, reason=f"no Fashion-MNIST IDX files under {DATA_DIR} (set MNIST_DEMO_DATA_DIR)"
)


def wait_until(predicate, seconds: float = 120) -> None:
    """Return once `predicate()` is true; fail the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"not true within {seconds} s"
        time.sleep(0.05)


def write_idx_images(path: Path, images: np.ndarray, magic: int = 0x803, gz: bool = False) -> Path:
    n, rows, cols = images.shape
    data = struct.pack(">IIII", magic, n, rows, cols) + images.astype(np.uint8).tobytes()
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(data)
    return path


def write_idx_labels(path: Path, labels: np.ndarray, magic: int = 0x801, gz: bool = False) -> Path:
    data = struct.pack(">II", magic, len(labels)) + np.asarray(labels, np.uint8).tobytes()
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(data)
    return path


@pytest.fixture(scope="session")
def mnist():
    if not HAVE_MNIST:
        pytest.skip(f"no MNIST IDX files under {DATA_DIR} (set MNIST_DEMO_DATA_DIR)")
    from mnist_demo.data import load_dataset

    return load_dataset("mnist")


@pytest.fixture(scope="session")
def default_predictor():
    from mnist_demo.predict import Predictor
    from mnist_demo.storage import default_model_path

    return Predictor.load(default_model_path())


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL for the test run (`harness.postgres`); it fails, never skips, without
    Debian's postgresql package: CI installs it."""
    from harness.postgres import running_postgres

    with running_postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server):
    """A new empty database on the test run's PostgreSQL."""
    return postgres_server.new_database()
