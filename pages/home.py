import numpy as np
import streamlit as st

from mnist_demo.charts import digit_image
from mnist_demo.session import available_datasets, class_names, require_app_frame, selected_dataset_name, t, try_dataset

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
ds, problem = try_dataset(name)
st.subheader(t("home.samples", name=t(f"dataset.{name}")))
if ds is None:
    st.warning(problem)
else:
    names = class_names(ds)
    picks = np.random.default_rng(0).choice(len(ds.x_train), 24, replace=False)
    columns = st.columns(12)
    for i, index in enumerate(picks):
        with columns[i % 12]:
            st.image(digit_image(ds.x_train[index], 3), caption=names[ds.y_train[index]])

st.subheader(t("home.next"))
st.page_link("pages/train.py", label=t("home.link_train"), icon=":material/model_training:")
st.page_link("pages/draw.py", label=t("home.link_draw"), icon=":material/draw:")
