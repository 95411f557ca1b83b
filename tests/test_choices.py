import pytest

from mnist_demo.choices import sanitized


def test_valid_settings_are_unchanged():
    values = dict(kind="cnn", preset="cnn-fast", optimizer="adam", epochs=3, batch_size=128,
                  learning_rate=0.005, width=16, dropout=0.25, train_images=60000)
    assert sanitized(values, 60000) == values


@pytest.mark.parametrize("key, forced, expected", [
    ("epochs", 500, 50), ("epochs", -3, 1), ("epochs", "many", 1),
    ("batch_size", 100000, 1024), ("batch_size", 0, 16), ("batch_size", 120, 128),
    ("learning_rate", 50.0, 1.0), ("learning_rate", -1, 0.0001),
    ("width", 10**9, 1024), ("dropout", 3.0, 0.7), ("dropout", -1, 0.0),
    ("train_images", 10**9, 60000), ("train_images", 5, 1000),
])
def test_out_of_range_values_come_back_into_range(key, forced, expected):
    values = dict(kind="mlp", preset="mlp-64", **{key: forced})
    assert sanitized(values, 60000)[key] == pytest.approx(expected)


def test_unknown_names_are_replaced():
    out = sanitized(dict(kind="rnn", preset="gpt", optimizer="lbfgs"), 60000)
    assert out["kind"] == "mlp" and out["preset"] == "mlp-512x2" and out["optimizer"] == "rmsprop"
    assert sanitized(dict(kind="cnn", preset="mlp-64"), 60000)["preset"] == "keras-mnist-cnn"
