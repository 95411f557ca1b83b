import streamlit as st

from mnist_demo.images import digit_gallery_html
from mnist_demo.session import (
    available_datasets,
    class_names,
    require_app_frame,
    selected_dataset_name,
    t,
    try_test_sample,
)

SAMPLE_COUNT = 24

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
sample, problem = try_test_sample(name, SAMPLE_COUNT)
st.subheader(t("home.samples", name=t(f"dataset.{name}"), count=SAMPLE_COUNT))
if sample is None:
    st.warning(problem)
else:
    images, labels = sample
    names = class_names(name)
    st.html(digit_gallery_html(images, [names[label] for label in labels]))

st.subheader(t("home.next"))
st.page_link("pages/train.py", label=t("home.link_train"), icon=":material/model_training:")
st.page_link("pages/draw.py", label=t("home.link_draw"), icon=":material/draw:")
