"""The frame of the MNIST demo: page config, the shared sidebar, and navigation.

The frame sends its part of the page before it imports `mnist_demo.ui.runs` (and with it
numpy): the first visitor of a fresh server gets the sidebar drawn while Python imports."""

import streamlit as st

from mnist_demo import i18n
from mnist_demo.datasets import DATASETS, PROPER_NAMES
from mnist_demo.ui import fixes
from mnist_demo.ui.exercise import apply_to_frame, locked
from mnist_demo.ui.text import t
from mnist_demo.ui.workspace import link, remembered, rename

fixes.check()
fixes.keep_keras_state_across_reruns()
fixes.keep_an_ended_runs_last_messages()
fixes.rerun_whole_when_a_fragment_is_gone()

# The learner's language and data set are kept in their workspace, like every page's settings.
with remembered("lang", "dataset", valid={"lang": i18n.LANGUAGE_NAMES, "dataset": DATASETS}) as workspace:
    st.session_state.setdefault("lang", i18n.language_for_locale(st.context.locale))
    st.session_state.setdefault("dataset", DATASETS[0])
    apply_to_frame()  # an exercise link's language and data set
    st.set_page_config(page_title=t("frame.title"), page_icon=":material/draw:", layout="wide")

    pages = [
        st.Page("pages/home.py", title=t("frame.nav.home"), icon=":material/home:", default=True, url_path="home"),
        st.Page("pages/train.py", title=t("frame.nav.train"), icon=":material/model_training:", url_path="train"),
        st.Page("pages/draw.py", title=t("frame.nav.draw"), icon=":material/draw:", url_path="draw"),
        st.Page("pages/robustness.py", title=t("frame.nav.robust"), icon=":material/open_with:",
                url_path="robustness"),
        st.Page("pages/evaluate.py", title=t("frame.nav.evaluate"), icon=":material/fact_check:", url_path="evaluate"),
        st.Page("pages/compare.py", title=t("frame.nav.compare"), icon=":material/compare_arrows:", url_path="compare"),
        st.Page("pages/data.py", title=t("frame.nav.data"), icon=":material/grid_on:", url_path="data"),
        st.Page("pages/teacher.py", title=t("frame.nav.teacher"), icon=":material/school:", url_path="teacher"),
    ]
    navigation = st.navigation(pages)

    # One button that shows the choices and opens them: two radios drawn on every first visit
    # cost the browser a tenth of a second. Radios, not segmented controls: those look up every
    # non-ASCII label ("日本語") in Streamlit's emoji catalog, slow to load on a fresh server.
    settings = t("frame.settings", language=i18n.LANGUAGE_NAMES[st.session_state.lang],
                 dataset=t(f"common.dataset.{st.session_state.dataset}"))
    with st.sidebar.popover(settings, icon=":material/tune:", help=t("frame.settings_help"), width="stretch"):
        st.radio(t("frame.language"), list(i18n.LANGUAGE_NAMES), key="lang", format_func=i18n.LANGUAGE_NAMES.get,
                 horizontal=True, disabled=locked("lang"))
        # Option labels that do not change with the language: Streamlit matches a radio's value
        # by its label, and a closed popover keeps the label from before a language switch.
        st.radio(t("frame.dataset"), DATASETS, key="dataset", format_func=PROPER_NAMES.get,
                 help=t("frame.dataset_help"), disabled=locked("dataset"))
        st.divider()
        st.session_state.nickname = st.session_state.get("nickname", workspace.learner.nickname)
        st.text_input(t("frame.nickname"), key="nickname", max_chars=40,
                      on_change=lambda: rename(st.session_state.nickname.strip() or workspace.learner.nickname))
        st.caption(t("frame.link"))
        st.code(link(), language=None, wrap_lines=True)

from mnist_demo import heap  # noqa: E402
from mnist_demo.ui.guard import fragment, guarded  # noqa: E402
from mnist_demo.ui.runs import Poll, active_run, learner_runs, status_line, touch_runs  # noqa: E402

status_poll = Poll("status_polling", 1.0, queued_seconds=4.0)
watched = active_run()
waiting = watched is not None and watched.snapshot().state == "queued"


@fragment(run_every=status_poll.every(watched is not None, queued=waiting))
def training_status():
    """Every page shows the learner's training, and keeps its place in the queue while a tab is open.

    It polls only while a training is queued or running (an idle class costs the server
    nothing), and reruns the page once when it ends, so the page can show the result."""
    entries = learner_runs()
    touch_runs(entries)
    entry = active_run(entries)
    if entry is None:
        status_poll.rerun_page_if(True)
        return
    snap = entry.snapshot()
    text, fill = status_line(entry.label, snap, entry.wait_seconds() if snap.state == "queued" else None)
    st.caption(text)
    if fill is not None:
        st.progress(fill)
    status_poll.rerun_page_if(False, queued=snap.state == "queued")

with st.sidebar:
    training_status()

with guarded():
    navigation.run()

heap.freeze_after_imports()  # what this run imported (TensorFlow, with a first training) is the libraries'
