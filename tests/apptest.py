"""What the AppTest page tests share: the app started on a page, its texts, waiting on a training."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from harness.server import APP


def app(page: str | None = None, locale: str = "en-US", link: str | None = None) -> AppTest:
    """The app run once in a browser whose language is `locale`, switched to `page` if given;
    opened with a learner's `link` (their token), else as a new learner."""
    at = AppTest.from_file(str(APP), default_timeout=180)  # Evaluate predicts 10,000 images on a busy machine
    at.context = {"locale": locale}
    if link:
        at.query_params["w"] = link
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Every text the page shows: progress bars, markdown, captions and alerts."""
    parts = [p.proto.text for p in at.get("progress")] + [m.value for m in at.markdown]
    parts += [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [s.value for s in at.success]
    return "\n".join(parts)


def wait_for(at: AppTest, predicate, seconds: float = 180) -> None:
    """Rerun the app until `predicate(at)` holds (trainings run in the background meanwhile)."""
    deadline = time.monotonic() + seconds
    while not predicate(at):
        assert time.monotonic() < deadline, texts(at)
        time.sleep(0.5)
        at.run()


def start_training(at: AppTest, preset: str, epochs: int, train_images: int | None = None) -> AppTest:
    """On the Train page: pick `preset`, set epochs (and training images), press Train."""
    at.selectbox(key="preset").set_value(preset).run()
    at.slider(key="epochs").set_value(epochs)
    if train_images is not None:
        at.slider(key="train_images").set_value(train_images)
    return at.button(key="train_start").click().run()


def workspace_of(at: AppTest):
    """The workspace of the learner the app session `at` belongs to, read from the store."""
    from mnist_demo.workspace import Workspace, open_store, state_dir

    store = open_store()
    return Workspace(store, store.learner_by_token(at.query_params["w"]), state_dir())


def result_metrics(at: AppTest, seconds: float = 180) -> dict[str, str]:
    """The Train page's metrics once its latest run has its result (trained, then tested)."""
    wait_for(at, lambda a: any(m.label == "Test accuracy" for m in a.metric), seconds)
    return {m.label: m.value for m in at.metric}
