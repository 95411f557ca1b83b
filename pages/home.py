import streamlit as st

from mnist_demo.images import digit_gallery_html
from mnist_demo.ui.fixes import require_app_frame
from mnist_demo.ui.resources import available_datasets, chosen_dataset, try_test_sample
from mnist_demo.ui.text import class_names, t

SAMPLE_COUNT = 24

require_app_frame()

st.title(t("home.title"))
st.markdown(t("home.intro"))

st.subheader(t("home.datasets"))
for name, source in available_datasets().items():
    if source:
        st.markdown(t("home.dataset_local", name=t(f"common.dataset.{name}")))  # never the server's path
    else:
        st.markdown(t("home.dataset_missing", name=t(f"common.dataset.{name}")))

name = chosen_dataset()
sample, problem = try_test_sample(name, SAMPLE_COUNT)
st.subheader(t("home.samples", name=t(f"common.dataset.{name}"), count=SAMPLE_COUNT))
if sample is None:
    st.warning(problem)
else:
    images, labels = sample
    names = class_names(name)
    st.html(digit_gallery_html(images, [names[label] for label in labels]))

st.subheader(t("home.next"))
st.page_link("pages/train.py", label=t("home.link_train"), icon=":material/model_training:")
st.page_link("pages/draw.py", label=t("home.link_draw"), icon=":material/draw:")
