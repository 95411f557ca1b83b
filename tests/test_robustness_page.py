"""The robustness lab, run by AppTest: sliders change the digit and the answer follows the model;
the learner's last drawing is there to distort; the curves put their MLP beside the shipped CNN,
and the words under them come from the curves' own numbers."""

import re

from harness.drawing import SEVEN, canvas_value
from mnist_demo import data, robustness
from mnist_demo.render import render_strokes
from mnist_demo.storage import default_model_path

from .apptest import app, result_metrics, start_training, texts, wait_for
from .conftest import requires_mnist

pytestmark = requires_mnist


def _shipped():
    from mnist_demo.predict import Predictor

    return Predictor.load(default_model_path())


def _answer(text: str) -> tuple[str, str]:
    found = re.search(r"(?:still reads|Now it reads) \*\*(\d)\*\*,? (?:at )?(\d+%)", text)
    assert found, text
    return found.group(1), found.group(2)


def test_a_turned_test_digit_gets_the_answer_the_model_gives_it():
    at = app("pages/robustness.py")
    assert "robust_source" not in [r.key for r in at.radio]  # nothing drawn yet: only test images
    assert "Draw on the Draw page and your drawing appears here too." in texts(at)
    at.number_input(key="robust_index").set_value(3).run()
    at.slider(key="robust_rotation").set_value(90)
    at.slider(key="robust_thickness").set_value(2).run()
    assert not at.exception, [e.value for e in at.exception]

    image = data.load_dataset("mnist").x_test[3]
    changed = robustness.Distortion(rotation=90, thickness=2).apply(image)
    probabilities = _shipped().predict_images(changed[None])[0]
    digit = int(probabilities.argmax())
    assert _answer(texts(at)) == (str(digit), f"{probabilities[digit]:.0%}")
    assert "Its label: **0**" in texts(at)

    at.button[[b.label for b in at.button].index("Back to the original")].click().run()
    assert at.slider(key="robust_rotation").value == 0 and at.slider(key="robust_thickness").value == 0
    assert "It still reads **0**" in texts(at)


def test_the_last_drawing_is_offered_and_the_sliders_are_kept_across_pages():
    at = app("pages/draw.py")
    at.session_state["draw_canvas_0"] = canvas_value(render_strokes(SEVEN, fraction=0.6))
    at.run()
    assert "## Prediction: 7" in texts(at)
    at.switch_page("pages/robustness.py").run()
    assert at.radio(key="robust_source").value == "drawing"
    assert "It still reads **7**" in texts(at)
    at.slider(key="robust_dx").set_value(5).run()
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/robustness.py").run()
    assert at.slider(key="robust_dx").value == 5 and at.radio(key="robust_source").value == "drawing"


def test_the_curves_put_the_learners_mlp_beside_the_cnn_and_say_what_their_numbers_say():
    at = app("pages/train.py")
    start_training(at, "mlp-64", 1, train_images=5000)
    result_metrics(at)
    at.switch_page("pages/robustness.py").run()
    picked = at.multiselect(key="robust_compare")
    assert len(picked.value) == 2 and picked.value[1] == "default", picked.value  # their run, then the CNN
    wait_for(at, lambda a: any("the CNN keeps" in i.value or "the MLP keeps" in i.value for i in a.info), 300)
    assert not at.exception, [e.value for e in at.exception]
    lines = {m.value for m in at.markdown if m.value.startswith("- ")}
    assert len(lines) == 2
    moved = {}
    for line in lines:
        found = re.search(r"(\d+)% unmoved \(first 500 test images\), (\d+)% moved by 3 pixels, "
                          r"(\d+)% turned by 45 degrees", line)
        assert found, line
        moved["cnn" if "Shipped" in line else "mlp"] = int(found.group(2))
    sentence = next(i.value for i in at.info if "keeps" in i.value)
    winner = "CNN" if moved["cnn"] > moved["mlp"] else "MLP"
    assert sentence.startswith(f"Moved by 3 pixels, the {winner} keeps")
    assert f"the CNN keeps {moved['cnn']}%" in sentence or f"and the CNN {moved['cnn']}%" in sentence
    if winner == "CNN":  # the shipped CNN learnt from moved digits: the words say so, not convolution alone
        assert "it was trained on digits moved at random (augmentation)" in sentence

    at.run()  # measured once: the next run shows the curves at once, without measuring again
    assert not at.get("progress") and len(at.get("plotly_chart")) == 2  # the probabilities and the curves
