"""Weights that form while a model trains: first-layer snapshots in the run's progress and on Train."""

import json

import numpy as np

from mnist_demo.models import build_model, preset
from mnist_demo.training import KEPT_WEIGHT_SNAPSHOTS, RunConfig, TrainingQueue, TrainingRun
from mnist_demo.weight_pictures import WeightPictures, as_uint8_pictures, thinned, weight_pictures

from .apptest import app, result_metrics, start_training
from .conftest import requires_mnist

SMALL = {"train_limit": 2000, "test_limit": 200}


def _trained(mnist, name: str, epochs: int = 2):
    run = TrainingRun(preset(name).replace(epochs=epochs), mnist, RunConfig(**SMALL), queue=TrainingQueue(1))
    run.start().join()
    snap = run.snapshot()
    assert snap.state == "finished", snap.error
    return run, [WeightPictures.from_dict(w) for w in snap.weights]


@requires_mnist
def test_an_mlps_first_16_units_are_kept_as_pictures_from_the_start_to_the_end(mnist):
    run, shots = _trained(mnist, "mlp-64", epochs=1)
    assert 3 <= len(shots) <= KEPT_WEIGHT_SNAPSHOTS
    assert shots[0].at == 0.0 and shots[-1].at == 1.0 and [s.at for s in shots] == sorted(s.at for s in shots)
    assert all(s.kind == "dense" and s.layer == "dense_1" and s.pictures.shape == (16, 28, 28) for s in shots)
    kernel = run.model.get_layer("dense_1").kernel.numpy()
    np.testing.assert_allclose(shots[-1].signed(), kernel[:, :16].T.reshape(16, 28, 28),
                               atol=shots[-1].scale / 127 * 0.51)
    assert not np.array_equal(shots[0].pictures, shots[-1].pictures)  # the features grew out of the noise


def test_a_cnns_first_convolution_filters_are_pictured_as_their_kernels():
    model = build_model(preset("cnn-fast"))
    shot = weight_pictures(model, at=0.5)
    kernel = model.get_layer("conv_1").kernel.numpy()
    assert shot.kind == "conv" and shot.layer == "conv_1" and shot.pictures.shape == (16, 3, 3) and shot.at == 0.5
    np.testing.assert_allclose(shot.signed(), kernel[:, :, 0].transpose(2, 0, 1), atol=shot.scale / 127 * 0.51)


def test_a_snapshot_is_plain_json_and_a_diverged_runs_weights_say_so():
    pictures, scale = as_uint8_pictures(np.array([[[0.5, -1.0], [0.0, 0.25]]], np.float32))
    assert scale == 1.0 and pictures.tolist() == [[[192, 1], [128, 160]]]
    shot = WeightPictures(pictures, scale, 1.5, "dense_1", "dense")
    back = WeightPictures.from_dict(json.loads(json.dumps(shot.to_dict())))
    np.testing.assert_array_equal(back.pictures, pictures)
    assert (back.scale, back.at, back.layer, back.kind) == (1.0, 1.5, "dense_1", "dense")
    _, wild = as_uint8_pictures(np.array([[[np.inf, 1.0]]], np.float32))
    assert wild == float("inf")
    assert thinned(list(range(20)), 5) == [0, 5, 10, 14, 19] and thinned([1, 2], 5) == [1, 2]


@requires_mnist
def test_train_shows_the_first_layers_weights_while_it_trains_and_after():
    at = app("pages/train.py")
    at.radio(key="kind").set_value("mlp").run()
    start_training(at, "mlp-64", epochs=1, train_images=3000)
    result_metrics(at)
    titles = [m.value for m in at.markdown]
    assert "**Weights forming: the first 16 hidden units' 784 weights, as pictures**" in titles
    captions = [p.caption for image in at.get("image") for p in image.proto.imgs]
    assert any(c.startswith("dense_1 after 1.00 epochs.") for c in captions), captions
