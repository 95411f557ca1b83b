"""The data sets the app knows and their class names.

Plain names in a module of their own, without numpy: the app's frame offers them to the
first visitor of a fresh server before the modules that load data are imported."""

DATASETS = ("mnist", "fashion-mnist")
PROPER_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}  # the same in every language
CLASS_NAMES = {
    "mnist": tuple(str(d) for d in range(10)),
    "fashion-mnist": (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),
}
