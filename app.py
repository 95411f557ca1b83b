"""The frame of the MNIST demo: page config, the shared sidebar, and navigation."""

import streamlit as st

from mnist_demo import data, i18n
from mnist_demo.session import active_run, keep_keras_state_across_reruns, t, touch_runs

keep_keras_state_across_reruns()

st.session_state.setdefault("lang", i18n.language_for_locale(st.context.locale))
st.set_page_config(page_title=t("app.title"), page_icon=":material/draw:", layout="wide")
st.session_state.setdefault("dataset", "mnist")

pages = [
    st.Page("pages/home.py", title=t("nav.home"), icon=":material/home:", default=True, url_path="home"),
    st.Page("pages/train.py", title=t("nav.train"), icon=":material/model_training:", url_path="train"),
    st.Page("pages/draw.py", title=t("nav.draw"), icon=":material/draw:", url_path="draw"),
    st.Page("pages/evaluate.py", title=t("nav.evaluate"), icon=":material/fact_check:", url_path="evaluate"),
    st.Page("pages/compare.py", title=t("nav.compare"), icon=":material/compare_arrows:", url_path="compare"),
    st.Page("pages/data.py", title=t("nav.data"), icon=":material/grid_on:", url_path="data"),
]
navigation = st.navigation(pages)

with st.sidebar:
    # Radios, not segmented controls: those look up every non-ASCII label ("日本語") in
    # Streamlit's emoji catalog, which costs the first visitor of a fresh server 0.05 s.
    st.radio(t("sidebar.language"), list(i18n.LANGUAGE_NAMES), key="lang", format_func=i18n.LANGUAGE_NAMES.get,
             horizontal=True)
    st.radio(
        t("sidebar.dataset"), data.DATASETS, key="dataset",
        format_func={name: t(f"dataset.{name}") for name in data.DATASETS}.get, help=t("sidebar.dataset_help"),
    )


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
