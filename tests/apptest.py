"""What the AppTest page tests share: the app started on a page, its texts, waiting on a training."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from harness.server import APP


def app(page: str | None = None, locale: str = "en-US") -> AppTest:
    """The app run once in a browser whose language is `locale`, switched to `page` if given."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.context = {"locale": locale}
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
