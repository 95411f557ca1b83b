"""The frame of the MNIST demo: page config, the shared sidebar, and navigation.

The frame sends its part of the page before it imports `mnist_demo.session` (and with it
numpy): the first visitor of a fresh server gets the sidebar drawn while Python imports."""

import streamlit as st

from mnist_demo import i18n
from mnist_demo.datasets import DATASETS, PROPER_NAMES

st.session_state.setdefault("lang", i18n.language_for_locale(st.context.locale))
st.session_state.setdefault("dataset", DATASETS[0])


def t(key: str, **values) -> str:
    """`session.t`, which the frame cannot import yet."""
    return i18n.translate(key, st.session_state.lang, **values)


st.set_page_config(page_title=t("app.title"), page_icon=":material/draw:", layout="wide")

pages = [
    st.Page("pages/home.py", title=t("nav.home"), icon=":material/home:", default=True, url_path="home"),
    st.Page("pages/train.py", title=t("nav.train"), icon=":material/model_training:", url_path="train"),
    st.Page("pages/draw.py", title=t("nav.draw"), icon=":material/draw:", url_path="draw"),
    st.Page("pages/evaluate.py", title=t("nav.evaluate"), icon=":material/fact_check:", url_path="evaluate"),
    st.Page("pages/compare.py", title=t("nav.compare"), icon=":material/compare_arrows:", url_path="compare"),
    st.Page("pages/data.py", title=t("nav.data"), icon=":material/grid_on:", url_path="data"),
]
navigation = st.navigation(pages)

# One button that shows the choices and opens them: two radios drawn on every first visit
# cost the browser a tenth of a second. Radios, not segmented controls: those look up every
# non-ASCII label ("日本語") in Streamlit's emoji catalog, slow to load on a fresh server.
settings = t("sidebar.settings", language=i18n.LANGUAGE_NAMES[st.session_state.lang],
             dataset=t(f"dataset.{st.session_state.dataset}"))
with st.sidebar.popover(settings, icon=":material/tune:", help=t("sidebar.settings_help"), width="stretch"):
    st.radio(t("sidebar.language"), list(i18n.LANGUAGE_NAMES), key="lang", format_func=i18n.LANGUAGE_NAMES.get,
             horizontal=True)
    # Option labels that do not change with the language: Streamlit matches a radio's value
    # by its label, and a closed popover keeps the label from before a language switch.
    st.radio(t("sidebar.dataset"), DATASETS, key="dataset", format_func=PROPER_NAMES.get,
             help=t("sidebar.dataset_help"))

from mnist_demo.session import active_run, keep_keras_state_across_reruns, touch_runs  # noqa: E402

keep_keras_state_across_reruns()


@st.fragment(run_every=1.0 if active_run() is not None else None)
def training_status():
    """Every page shows the session's training, and keeps it alive while the tab is open.

    It polls only while a training is queued or running (an idle class costs the server
    nothing), and reruns the page once when it ends, so the page can show the result."""
    touch_runs()
    entry = active_run()
    if entry is None:
        if st.session_state.pop("status_polling", False):
            st.rerun()
        return
    st.session_state.status_polling = True
    snap = entry.run.snapshot()
    if snap.state == "queued":
        st.caption(t("sidebar.queued", label=entry.label, place=snap.queue_position or 1))
    else:
        st.caption(t("sidebar.training", label=entry.label, epoch=min(snap.epochs_done + 1, snap.epochs_total),
                     epochs=snap.epochs_total))
        st.progress(snap.fraction)


with st.sidebar:
    training_status()

navigation.run()
