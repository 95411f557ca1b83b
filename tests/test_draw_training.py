"""Training with drawn digits and non-digits mixed into MNIST batches, and the detector
it saves: a tiny run (cnn-fast, 1 epoch on 1,000 images) checks the plumbing, not accuracy."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from harness.drawing import ONE, SEVEN, ZERO  # noqa: E402
from mnist_demo import negatives  # noqa: E402
from mnist_demo.augment import mixed_dataset, uniform_targets  # noqa: E402
from mnist_demo.data import one_hot  # noqa: E402
from mnist_demo.drawn import Sample  # noqa: E402

SAMPLES = [
    Sample(f"{source}/w#{i}", label, source, strokes)
    for i, (source, label, strokes) in enumerate(
        [("aaa", 7, SEVEN), ("aaa", 1, ONE), ("aaa", 0, ZERO), ("bbb", 7, SEVEN), ("bbb", 0, ZERO)]
    )
]
SMALL = {"letters": 12, "shapes": 13, "scribbles": 6, "crossed_digits": 6}


def test_mixed_batches_hold_mnist_then_each_pool_with_its_targets():
    x = np.random.default_rng(0).integers(0, 256, (40, 28, 28)).astype(np.uint8)
    y = one_hot(np.arange(40) % 10)
    drawn = np.random.default_rng(1).integers(0, 256, (9, 28, 28)).astype(np.uint8)
    ds = mixed_dataset(x, y, 8, [(drawn, one_hot(np.full(9, 3)), 3), (drawn, uniform_targets(9), 2)], seed=0)
    batches = list(ds)
    assert len(batches) == 5
    images, targets = (t.numpy() for t in batches[0])
    assert images.shape == (13, 28, 28) and targets.shape == (13, 10)
    assert set(targets[:8].argmax(axis=1)) <= set(range(10)) and np.allclose(targets[:8].max(axis=1), 1.0)
    assert np.allclose(targets[8:11].argmax(axis=1), 3)
    np.testing.assert_allclose(targets[11:], 0.1)
    assert images.min() >= 0 and images.max() <= 255


def test_mixing_needs_one_hot_labels():
    with pytest.raises(ValueError, match="one-hot"):
        mixed_dataset(np.zeros((4, 28, 28), np.uint8), np.zeros(4, np.int64), 2, [])


def test_held_out_sources_stay_out_of_the_drawn_training_images():
    from mnist_demo.draw_training import DrawingRecipe, drawn_training_images

    images, labels = drawn_training_images(DrawingRecipe(hold_out_sources=("aaa",), drawn_variants=2), SAMPLES)
    assert images.shape == (4, 28, 28)
    assert sorted(labels.tolist()) == [0, 0, 7, 7]


@pytest.mark.skipif(not negatives.hershey_available(), reason="no Hershey fonts: apt-get install hershey-fonts-data")
def test_a_drawing_run_trains_and_its_detector_loads_with_the_model(mnist, tmp_path):
    from mnist_demo.draw_training import DrawingRecipe, DrawingRun, extra_pools, fit_detector
    from mnist_demo.models import preset
    from mnist_demo.novelty import detector_path
    from mnist_demo.predict import Predictor
    from mnist_demo.storage import ModelInfo, save_model
    from mnist_demo.training import RunConfig, TrainingQueue

    recipe = DrawingRecipe(hold_out_sources=("bbb",), drawn_variants=2, negatives_per_kind=SMALL)
    pools = extra_pools(recipe, SAMPLES)
    assert [len(p[0]) for p in pools] == [6, sum(SMALL.values())]
    run = DrawingRun(preset("cnn-fast").replace(epochs=1), mnist, RunConfig(train_limit=1000, test_limit=500),
                     recipe=recipe, pools=pools, queue=TrainingQueue(1)).start()
    run.join()
    assert run.snapshot().state == "finished", run.snapshot().error
    detector = fit_detector(run.model, mnist, recipe, SAMPLES, mnist_count=300)
    path = save_model(run.model, "drawn", ModelInfo(name="drawn"), tmp_path)
    detector.save(detector_path(path))
    predictor = Predictor.load(path)
    assert predictor.backend == "numpy" and predictor.detector_kind == "logistic"
    assert predictor.detector_problem is None
    probabilities, is_digit = predictor.predict_with_verdicts(mnist.x_test[:20])
    np.testing.assert_allclose(probabilities, run.model.predict(mnist.x_test[:20], verbose=0), atol=1e-4)
    assert is_digit.dtype == bool and is_digit.shape == (20,)
