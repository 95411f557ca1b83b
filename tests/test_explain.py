"""The inside view's library: saliency, layer shapes, neighbours, robustness, the explain command.

The small models here are trained in a few seconds on 2,000 images, the MLP and the CNN alike
(same data, optimizer, epochs), so that what differs between them is the architecture."""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness.drawing import SEVEN
from mnist_demo import explain, neighbours, robustness
from mnist_demo.canvas import preprocess_canvas
from mnist_demo.cli import main
from mnist_demo.data import Dataset, one_hot
from mnist_demo.inside import inside
from mnist_demo.models import ModelSpec, build_model, compile_model
from mnist_demo.predict import Predictor
from mnist_demo.render import render_strokes
from mnist_demo.saliency import grown, saliency
from mnist_demo.storage import default_model_path, load_keras_model

from .conftest import requires_mnist

pytestmark = requires_mnist

QUICK_SPECS = {
    "mlp": ModelSpec(kind="mlp", dense_units=(64,), optimizer="adam", learning_rate=0.003, batch_size=40, epochs=2),
    "cnn": ModelSpec(kind="cnn", conv_filters=(4, 8), pool_after=(True, True), dense_units=(32,),
                     optimizer="adam", learning_rate=0.003, batch_size=40, epochs=2),
}
QUICK_TRAIN = 2000


@pytest.fixture(scope="module")
def quick(tmp_path_factory, mnist) -> dict[str, Predictor]:
    """An MLP and a CNN trained alike on the first 2,000 training images, saved and loaded as the app does."""
    import keras

    found = {}
    for name, spec in QUICK_SPECS.items():
        keras.utils.set_random_seed(0)
        model = build_model(spec)
        compile_model(model, spec, 1)
        labels = mnist.y_train[:QUICK_TRAIN]
        model.fit(mnist.x_train[:QUICK_TRAIN], one_hot(labels) if spec.one_hot else labels,
                  batch_size=spec.batch_size, epochs=spec.epochs, verbose=0)
        path = tmp_path_factory.mktemp(name) / f"{name}.keras"
        model.save(path)
        found[name] = Predictor.load(path)
    return found


def _small(mnist, train: int = QUICK_TRAIN, test: int = 300) -> Dataset:
    """The quick models' training images and a few test images to calibrate 'far' on."""
    return Dataset(mnist.name, mnist.x_train[:train], mnist.y_train[:train], mnist.x_test[-test:],
                   mnist.y_test[-test:], mnist.class_names, mnist.source)


def _raw_gradient(predictor, image, digit) -> np.ndarray:
    cotangent = np.zeros((1, 1, 10), np.float32)
    cotangent[0, 0, digit] = 1
    return inside(predictor).gradients(predictor.model_input(image[None]), cotangent)[0, 0].reshape(28, 28)


def _share_on_ink(values, image) -> float:
    mass = np.abs(values)
    return float(mass[grown(image > 64, 2)].sum() / mass.sum())


def test_integrated_gradients_lie_on_the_ink_where_raw_gradients_do_not(default_predictor, mnist):
    """On clean test digits, at least 70 % of the saliency's mass is within the ink dilated by
    2 px. Integrated gradients from a black baseline are x times an average gradient, so they
    explain only the ink that is there; the raw gradient of the same model, a ReLU net's slope
    at the drawing, spreads over the background (the same measure fails it), which is why the
    app does not show it."""
    digits, labels = mnist.x_test[:8], mnist.y_test[:8]
    for image, label in zip(digits, labels, strict=True):
        found = saliency(default_predictor, image, int(label))
        assert found.on_ink(image) >= 0.7
        assert _share_on_ink(found.map, image) == pytest.approx(found.on_ink(image))
    raw = [_share_on_ink(_raw_gradient(default_predictor, x, int(y)), x) for x, y in zip(digits, labels, strict=True)]
    assert np.mean(raw) < 0.7


def test_saliency_is_faithful_removing_its_top_pixels_hurts_the_answer_more_than_removing_random_ink(
        default_predictor, mnist):
    """Completeness (the map sums to the score's change from black) and a deletion check: blanking
    the 40 pixels the map credits most lowers the answer's probability more than blanking 40 random
    inked pixels."""
    rng = np.random.default_rng(0)
    for image, label in zip(mnist.x_test[:6], mnist.y_test[:6], strict=True):
        found = saliency(default_predictor, image, int(label))
        assert found.gap < 0.1
        top = np.argsort(-found.map.ravel())[:40]
        random = rng.choice(np.flatnonzero(image.ravel() > 0), 40, replace=False)
        blanked = np.repeat(image.ravel()[None], 2, axis=0)
        blanked[0, top], blanked[1, random] = 0, 0
        after = default_predictor.predict_images(blanked.reshape(2, 28, 28))[:, label]
        assert after[0] < after[1]


@pytest.mark.parametrize("name", ["shipped", "mlp", "cnn"])
def test_every_layer_in_the_inside_view_has_the_shape_of_the_models_layer(name, default_predictor, quick, mnist):
    predictor = default_predictor if name == "shipped" else quick[name]
    view = explain.inside_view(predictor, mnist.x_test[0])
    keras_model = load_keras_model(predictor.path)
    layers = [layer for layer in keras_model.layers if type(layer).__name__ != "InputLayer"]
    assert [(v.name, v.kind) for v in view.layers] == [(layer.name, type(layer).__name__) for layer in layers]
    assert [v.shape for v in view.layers] == [tuple(layer.output.shape[1:]) for layer in layers]
    np.testing.assert_allclose(view.probabilities, predictor.predict_images(mnist.x_test[:1])[0], atol=1e-5)
    assert view.probabilities[view.digit] - view.probabilities[view.runner_up] == pytest.approx(view.margin)


def test_feature_maps_are_each_convolutions_finished_output_and_strongest_first(default_predictor, mnist):
    view = explain.inside_view(default_predictor, mnist.x_test[0])
    assert [layer.name for layer in view.feature_maps()] == [
        "relu_1", "relu_2", "max_pool_2", "relu_3", "relu_4", "max_pool_4"]
    assert [layer.name for layer in view.dense_layers()] == ["dense_1"]
    maps = view.layer("relu_1")
    strengths = maps.strengths()[maps.strongest_first()]
    assert np.all(np.diff(strengths) <= 0) and strengths[0] > 0
    assert explain.channel_map(view, "max_pool_4", 0).shape == (28, 28)


def test_a_first_dense_units_picture_is_its_784_weights_and_a_first_conv_filter_is_its_kernel(
        default_predictor, quick):
    dense = explain.first_layer_weights(quick["mlp"])
    kernel = load_keras_model(quick["mlp"].path).get_layer("dense_1").kernel.numpy()
    assert dense.kind == "dense" and dense.pictures.shape == (64, 28, 28)
    np.testing.assert_array_equal(dense.pictures[5].ravel(), kernel[:, 5])
    conv = explain.first_layer_weights(default_predictor)
    kernel = load_keras_model(default_predictor.path).get_layer("conv_1").kernel.numpy()
    assert conv.kind == "conv" and conv.pictures.shape == (32, 3, 3)
    np.testing.assert_array_equal(conv.pictures[7], kernel[:, :, 0, 7])


def test_where_a_first_dense_unit_fires_is_its_weights_times_the_pixels(quick, mnist):
    """For a ReLU unit reading the pixels, d unit / d pixel is its weight wherever it is on, so
    the integrated gradient is exactly weights * pixels scaled by the share of the path it is on."""
    predictor, image = quick["mlp"], mnist.x_test[3]
    view = explain.inside_view(predictor, image)
    unit = int(view.layer("dense_1").strongest_first()[0])
    assert view.layer("dense_1").output[unit] > 0
    expected = explain.first_layer_weights(predictor).pictures[unit] * image / np.float32(255)
    found = explain.unit_map(predictor, image, "dense_1", unit).map
    share = float((found * expected).sum() / (expected * expected).sum())
    assert 0 < share <= 1 + 1e-5
    np.testing.assert_allclose(found, share * expected, atol=1e-4 * float(np.abs(expected).max()))


@pytest.fixture(scope="module")
def quick_index(quick, mnist) -> neighbours.NeighbourIndex:
    return neighbours.build_index(quick["mlp"], _small(mnist))


def test_the_neighbours_of_a_correctly_classified_digit_mostly_share_its_label(quick, quick_index, mnist):
    predictor = quick["mlp"]
    images, labels = mnist.x_test[:40], mnist.y_test[:40]
    right = predictor.predict_images(images).argmax(axis=1) == labels
    assert right.sum() >= 30
    shares = []
    for image, label in zip(images[right], labels[right], strict=True):
        near = neighbours.neighbours(predictor, quick_index, image)
        assert len(near.items) == neighbours.K
        assert [n.distance for n in near.items] == sorted(n.distance for n in near.items)
        assert all(mnist.y_train[n.index] == n.label for n in near.items)
        shares.append(near.share_labelled(int(label)))
    assert np.mean(shares) >= 0.8 and np.median(shares) >= 0.75


def test_noise_is_far_from_all_the_model_was_trained_on_and_test_digits_are_not(default_predictor, mnist):
    index = neighbours.build_index(default_predictor, _small(mnist, train=2000, test=neighbours.CALIBRATION_IMAGES))
    digits = [neighbours.neighbours(default_predictor, index, x).far for x in mnist.x_test[:100]]
    noise = np.random.default_rng(0).integers(0, 256, (20, 28, 28)).astype(np.uint8)
    assert np.mean(digits) <= 0.03
    assert np.mean([neighbours.neighbours(default_predictor, index, x).far for x in noise]) >= 0.9


def test_an_index_saved_in_the_cache_is_read_back_for_the_same_model_only(quick, mnist, tmp_path):
    predictor = quick["mlp"]
    built = neighbours.build_index(predictor, _small(mnist, 300, 100))
    path = built.save(neighbours.index_path(tmp_path, built.fingerprint, "mnist", None))
    read = neighbours.NeighbourIndex.load(path)
    np.testing.assert_array_equal(read.vectors, built.vectors)
    assert read.threshold == built.threshold and read.fingerprint == neighbours.fingerprint(predictor)
    assert neighbours.fingerprint(quick["cnn"]) != read.fingerprint


def test_the_cnns_accuracy_falls_more_slowly_with_shift_than_the_mlps(quick, mnist):
    """Trained alike on the same centred digits, the CNN keeps more of its accuracy when the
    digit moves: its filters see a stroke wherever it is, and pooling forgives a pixel or two."""
    images, labels = mnist.x_test[:300], mnist.y_test[:300]
    curves = {name: robustness.shift_curve(p, images, labels, shifts=(0, 2, 3, 4)) for name, p in quick.items()}
    for name, curve in curves.items():
        assert curve.accuracy_at(0) >= 0.8, name
        assert curve.accuracy_at(4) < curve.accuracy_at(0), name
    for shift in (2, 3, 4):
        kept = {name: c.accuracy_at(shift) / c.accuracy_at(0) for name, c in curves.items()}
        assert kept["cnn"] > kept["mlp"] + 0.05, (shift, kept)


def test_accuracy_falls_as_digits_turn_further(quick, mnist):
    curve = robustness.rotation_curve(quick["cnn"], mnist.x_test[:200], mnist.y_test[:200], angles=(0, 20, 45, 90))
    assert curve.parameter == "rotation" and curve.values == (0, 20, 45, 90)
    assert curve.accuracies[0] > curve.accuracies[2] > curve.accuracies[3]


def test_the_labs_curves_are_measured_once_in_the_background_and_kept_for_the_next_server(quick, mnist, tmp_path):
    from mnist_demo.robustness_jobs import CurveJobs

    predictor = quick["mlp"]
    job = CurveJobs(tmp_path).job(predictor.path, "mnist", predictor, mnist.x_test, mnist.y_test)
    assert job.wait(120) and job.error is None
    assert job.done == job.total == len(robustness.LAB_SHIFTS) + len(robustness.LAB_ROTATIONS)
    direct = robustness.lab_curves(predictor, mnist.x_test[: robustness.LAB_IMAGES],
                                   mnist.y_test[: robustness.LAB_IMAGES])
    for name in ("shift", "rotation"):
        assert job.curves[name].values == direct[name].values
        np.testing.assert_allclose(job.curves[name].accuracies, direct[name].accuracies)
    restarted = CurveJobs(tmp_path).job(predictor.path, "mnist", predictor, mnist.x_test, mnist.y_test)
    assert restarted.finished and restarted.curves["shift"].accuracies == tuple(
        round(a, 4) for a in direct["shift"].accuracies)
    assert robustness.holds_better(direct["shift"], direct["shift"], 3) == "mlp"  # a tie is not the CNN's


def test_a_shift_moves_the_pixels_and_distortions_keep_the_image_a_uint8_digit(mnist):
    image = mnist.x_test[0]
    moved = robustness.shifted(image, 2, -1)
    np.testing.assert_array_equal(moved[:-1, 2:], image[1:, :-2])
    for d in (robustness.Distortion(rotation=20), robustness.Distortion(scale=0.8),
              robustness.Distortion(thickness=1), robustness.Distortion(thickness=-1),
              robustness.Distortion(noise=30), robustness.Distortion(shift=(1.5, 0))):
        out = d.apply(image)
        assert out.shape == (28, 28) and out.dtype == np.uint8
    assert robustness.thickened(image).sum() > image.sum() > robustness.thinned(image).sum()
    np.testing.assert_array_equal(robustness.Distortion(rotation=0).apply(image), image)


def test_a_map_on_the_input_goes_back_onto_the_canvas_where_the_ink_was():
    rgba = render_strokes(SEVEN, fraction=0.6)
    steps = preprocess_canvas(rgba)
    on_canvas = explain.on_canvas(steps.image.astype(np.float32), steps)
    assert on_canvas.shape == steps.ink.shape
    ink, mapped = steps.ink > 64, on_canvas > 64
    # within 3 canvas pixels (a third of one input pixel) of a stroke, and covering every stroke
    assert (grown(ink, 3) & mapped).sum() / mapped.sum() > 0.95 and (ink & mapped).sum() / ink.sum() > 0.95


def test_explain_command_writes_the_json_the_arrays_and_the_pictures(quick, mnist, tmp_path, monkeypatch):
    from PIL import Image

    rgba = render_strokes(SEVEN, fraction=0.6)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "seven.png")
    out = tmp_path / "out"
    predictor = quick["cnn"]
    code = main(["explain", "--model", str(predictor.path), "--image", str(tmp_path / "seven.png"),
                 "--out", str(out), "--cache", str(tmp_path / "cache"), "--train-limit", "300", "--quiet"])
    assert code == 0
    data = json.loads((out / "explain.json").read_text())
    expected = predictor.predict_canvas(rgba)
    assert data["digit"] == expected.digit
    np.testing.assert_allclose(data["probabilities"], expected.probabilities, atol=1e-5)
    assert [(layer["name"], tuple(layer["output_shape"])) for layer in data["layers"]] == [
        (v.name, v.shape) for v in explain.inside_view(predictor, expected.image).layers]
    assert len(data["neighbours"]) == neighbours.K
    for n in data["neighbours"]:
        assert set(n) == {"index", "label", "distance"} and mnist.y_train[n["index"]] == n["label"]
    np.testing.assert_array_equal(np.load(out / "input.npy"), expected.image)  # preprocessed as the canvas is
    answer = np.load(out / "saliency.npy")
    assert answer.shape == (28, 28) and np.abs(answer).sum() > 0
    pictures = {p.name for p in out.glob("*.png")}
    assert {"input.png", "saliency.png", "saliency_on_input.png", "saliency_on_canvas.png", "first_layer.png",
            "neighbours.png", "maps_conv_1.png", "maps_max_pool_2.png"} <= pictures
    with Image.open(out / "saliency_on_canvas.png") as picture:
        assert picture.size == rgba.shape[1::-1]
    assert any((tmp_path / "cache").glob("neighbours-*.npz"))  # built once, kept for the next call


def test_explain_command_refuses_a_blank_image_in_one_line(tmp_path, capsys):
    from PIL import Image

    blank = np.zeros((280, 280, 4), np.uint8)
    blank[..., 3] = 255
    Image.fromarray(blank, "RGBA").save(tmp_path / "blank.png")
    code = main(["explain", "--model", str(default_model_path()), "--image", str(tmp_path / "blank.png"),
                 "--out", str(tmp_path / "out"), "--no-neighbours", "--quiet"])
    assert code != 0 and "holds no drawing" in capsys.readouterr().err


def test_the_process_keeps_a_bounded_number_of_ended_index_builds(quick, mnist, monkeypatch, tmp_path):
    """Every learner's run gets an index; the ended builds hold them, so only the latest few are kept."""
    monkeypatch.setattr(neighbours, "_builds", {})
    monkeypatch.setattr(neighbours, "KEPT_IN_MEMORY", 2)
    small = _small(mnist, 200, 50)
    for limit in (50, 60, 70, 80):
        assert neighbours.index_build(quick["mlp"], tmp_path, limit, small).wait(60)
    assert len(neighbours._builds) == 2
    assert neighbours.index_build(quick["mlp"], tmp_path, 80, small).ready
