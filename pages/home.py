import numpy as np
import streamlit as st

from mnist_demo.charts import digit_gallery_html
from mnist_demo.session import (
    available_datasets,
    class_names,
    require_app_frame,
    selected_dataset_name,
    t,
    try_test_split,
)

require_app_frame()

st.title(t("home.title"))
st.markdown(t("home.intro"))

st.subheader(t("home.datasets"))
for name, source in available_datasets().items():
    if source:
        st.markdown(t("home.dataset_local", name=t(f"dataset.{name}"), source=source))
    else:
        st.markdown(t("home.dataset_missing", name=t(f"dataset.{name}")))

name = selected_dataset_name()
split, problem = try_test_split(name)
st.subheader(t("home.samples", name=t(f"dataset.{name}")))
if split is None:
    st.warning(problem)
else:
    images, labels = split
    names = class_names(name)
    picks = np.random.default_rng(0).choice(len(images), 24, replace=False)
    st.markdown(digit_gallery_html(images[picks], [names[labels[i]] for i in picks]), unsafe_allow_html=True)

st.subheader(t("home.next"))
st.page_link("pages/train.py", label=t("home.link_train"), icon=":material/model_training:")
st.page_link("pages/draw.py", label=t("home.link_draw"), icon=":material/draw:")
