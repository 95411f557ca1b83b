import gzip

import numpy as np
import pytest

from mnist_demo import data
from mnist_demo.data import DataError, DataNotFoundError, load_dataset, one_hot, read_idx_images, read_idx_labels

from .conftest import requires_fashion, requires_mnist, write_idx_images, write_idx_labels


@requires_mnist
def test_mnist_matches_the_published_facts(mnist):
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_train.dtype == np.uint8
    assert mnist.x_test.shape == (10000, 28, 28)
    assert list(mnist.y_train[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert list(np.bincount(mnist.y_train)) == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert mnist.class_names == tuple("0123456789")
    assert "mnist" in mnist.source


@requires_mnist
def test_dataset_is_loaded_once_and_cannot_be_mutated(mnist):
    assert load_dataset("mnist") is mnist
    with pytest.raises(ValueError):
        mnist.x_train[0, 0, 0] = 1
    scaled = mnist.x_train[:2] / 255.0
    assert scaled.max() <= 1.0 and mnist.x_train.max() == 255


@requires_fashion
def test_fashion_mnist_has_clothing_class_names():
    ds = load_dataset("fashion-mnist")
    assert ds.x_test.shape == (10000, 28, 28)
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"


def _write_folder(folder, n_train=60000, n_test=10000, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    suffix = ".gz" if gz else ""
    for split, n in (("train", n_train), ("t10k", n_test)):
        write_idx_images(folder / f"{split}-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n, 28, 28)), gz=gz)
        write_idx_labels(folder / f"{split}-labels-idx1-ubyte{suffix}", rng.integers(0, 10, n), gz=gz)
    return folder


@pytest.mark.parametrize("gz", [True, False])
def test_reads_raw_and_gzipped_idx_folders(tmp_path, monkeypatch, gz):
    _write_folder(tmp_path / "mnist", gz=gz)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    ds = load_dataset("mnist")
    assert ds.x_train.shape == (60000, 28, 28) and ds.source == str(tmp_path / "mnist")


@pytest.mark.parametrize("gz", [True, False])
def test_test_sample_reads_only_its_digits(tmp_path, monkeypatch, gz):
    folder = _write_folder(tmp_path / "mnist", gz=gz)
    suffix = ".gz" if gz else ""
    (folder / f"train-images-idx3-ubyte{suffix}").write_bytes(b"not read")  # would fail if it were
    test_images = folder / f"t10k-images-idx3-ubyte{suffix}"
    whole = data.read_idx_images(test_images)
    whole_labels = data.read_idx_labels(folder / f"t10k-labels-idx1-ubyte{suffix}")
    if not gz:  # the rest of the file is never read: chop it off
        test_images.write_bytes(test_images.read_bytes()[:16 + 30 * 784])
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    images, labels = data.load_test_sample("mnist", 24)
    assert images.shape == (24, 28, 28) and labels.shape == (24,) and not images.flags.writeable
    assert np.array_equal(images, whole[:24]) and np.array_equal(labels, whole_labels[:24])
    with pytest.raises(DataError):
        load_dataset("mnist")


def test_test_sample_of_a_loaded_dataset_is_a_view_of_it(mnist):
    images, labels = data.load_test_sample("mnist", 10)
    assert np.shares_memory(images, mnist.x_test) and list(labels) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_a_limited_read_still_checks_the_header_and_the_digits_it_needs(tmp_path):
    path = write_idx_images(tmp_path / "i-idx3-ubyte.gz", np.zeros((5, 28, 28)), gz=True)
    assert read_idx_images(path, limit=3).shape == (3, 28, 28)
    assert read_idx_images(path, limit=50).shape == (5, 28, 28)  # asks for more than there are
    with pytest.raises(DataError, match="header says 5 images, expected 10000"):
        read_idx_images(path, 10000, limit=3)
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:16 + 784 + 100]))
    with pytest.raises(DataError, match="truncated"):
        read_idx_images(path, limit=3)
    labels = write_idx_labels(tmp_path / "l-idx1-ubyte", np.array([1, 2, 12, 3]))
    assert list(read_idx_labels(labels, limit=2)) == [1, 2]
    with pytest.raises(DataError, match="out of the range"):
        read_idx_labels(labels, limit=3)


def test_reads_keras_npz_layout(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    np.savez(
        tmp_path / "mnist.npz",
        x_train=rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8), y_train=rng.integers(0, 10, 60000),
        x_test=rng.integers(0, 256, (10000, 28, 28), dtype=np.uint8), y_test=rng.integers(0, 10, 10000),
    )
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    ds = load_dataset("mnist")
    assert ds.source.endswith("mnist.npz") and ds.y_test.dtype == np.uint8


def test_wrong_magic_names_the_file(tmp_path):
    path = write_idx_images(tmp_path / "x-idx3-ubyte", np.zeros((3, 28, 28)), magic=0x801)
    with pytest.raises(DataError, match=r"x-idx3-ubyte.*magic number 0x00000801"):
        read_idx_images(path)


def test_truncated_file_is_reported(tmp_path):
    path = write_idx_images(tmp_path / "t-idx3-ubyte", np.zeros((3, 28, 28)))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match="truncated"):
        read_idx_images(path)


def test_truncated_gzip_is_reported(tmp_path):
    path = write_idx_labels(tmp_path / "l-idx1-ubyte.gz", np.zeros(1000), gz=True)
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(DataError, match="l-idx1-ubyte.gz"):
        read_idx_labels(path)


def test_wrong_count_and_dimensions_and_labels(tmp_path):
    images = write_idx_images(tmp_path / "i-idx3-ubyte", np.zeros((5, 28, 28)))
    with pytest.raises(DataError, match="header says 5 images, expected 60000"):
        read_idx_images(images, 60000)
    small = write_idx_images(tmp_path / "s-idx3-ubyte", np.zeros((2, 20, 20)))
    with pytest.raises(DataError, match="20x20, expected 28x28"):
        read_idx_images(small)
    labels = write_idx_labels(tmp_path / "l-idx1-ubyte", np.array([1, 2, 12]))
    with pytest.raises(DataError, match="label 12 is out of the range"):
        read_idx_labels(labels)


def test_folder_with_a_corrupt_file_fails_loudly(tmp_path, monkeypatch):
    folder = _write_folder(tmp_path / "mnist", gz=False)
    bad = folder / "t10k-labels-idx1-ubyte"
    bad.write_bytes(bad.read_bytes()[:50])
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        load_dataset("mnist")


def test_offline_setting_forbids_the_download(tmp_path, monkeypatch):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "empty"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv(data.OFFLINE_ENV, "1")
    monkeypatch.setattr(data, "_load_from_keras", lambda name: pytest.fail("must not download"))
    with pytest.raises(DataNotFoundError, match="MNIST_DEMO_DATA_DIR"):
        load_dataset("mnist")


def test_no_data_anywhere_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "empty"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(DataNotFoundError) as info:
        load_dataset("mnist", allow_download=False)
    assert "MNIST_DEMO_DATA_DIR" in str(info.value) and "11 MB" in str(info.value)


def test_download_failure_is_a_data_not_found_error(tmp_path, monkeypatch):
    monkeypatch.delenv(data.OFFLINE_ENV, raising=False)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "empty"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))

    def offline(name):
        raise data.not_found(name, reason="no network")

    monkeypatch.setattr(data, "_load_from_keras", offline)
    with pytest.raises(DataNotFoundError, match="download failed: no network"):
        load_dataset("fashion-mnist")


def test_debian_fashion_mnist_folder_is_a_source(tmp_path, monkeypatch):
    _write_folder(tmp_path / "fashion-mnist")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "nothing-here"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path)
    assert data.find_local_source("fashion-mnist") == ("idx", tmp_path / "fashion-mnist")


def test_unknown_dataset_is_refused():
    with pytest.raises(DataError, match="unknown data set"):
        load_dataset("cifar")


def test_one_hot_matches_to_categorical():
    import keras

    labels = np.array([5, 0, 4, 9])
    encoded = one_hot(labels)
    np.testing.assert_array_equal(encoded, keras.utils.to_categorical(labels, 10))
    assert encoded.sum(axis=1).tolist() == [1, 1, 1, 1] and encoded.argmax(axis=1).tolist() == [5, 0, 4, 9]


def test_gzip_helper_roundtrip(tmp_path):
    path = write_idx_labels(tmp_path / "a-idx1-ubyte.gz", np.arange(10), gz=True)
    with gzip.open(path) as f:
        assert f.read(4) == b"\x00\x00\x08\x01"
    assert read_idx_labels(path).tolist() == list(range(10))
