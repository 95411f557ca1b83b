import numpy as np
import streamlit as st

from mnist_demo.charts import class_count_figure, pixel_figure
from mnist_demo.data import one_hot
from mnist_demo.images import digit_image
from mnist_demo.ui.fixes import require_app_frame
from mnist_demo.ui.resources import chosen_dataset, try_dataset
from mnist_demo.ui.text import class_names, t
from mnist_demo.ui.workspace import remembered

require_app_frame()

dataset_name = chosen_dataset()
st.title(t("data.title", name=t(f"common.dataset.{dataset_name}")))
ds, problem = try_dataset(dataset_name)
if ds is None:
    st.error(t("data.no_data", problem=problem))
    st.stop()
names = class_names(ds.name)

st.markdown(t("data.intro", train=f"{len(ds.x_train):,}", test=f"{len(ds.x_test):,}"))
train_counts = np.bincount(ds.y_train, minlength=ds.num_classes)
test_counts = np.bincount(ds.y_test, minlength=ds.num_classes)
st.plotly_chart(
    class_count_figure(train_counts, test_counts, names,
                       {"title": t("data.per_class"), "train": t("data.train"), "test": t("data.test")}),
    key="class_counts", width="stretch",
)
if train_counts.min() == train_counts.max():
    st.caption(t("data.balanced", n=f"{train_counts.min():,}"))
else:
    st.caption(t("data.balance", low=names[int(train_counts.argmin())], low_n=f"{train_counts.min():,}",
                 high=names[int(train_counts.argmax())], high_n=f"{train_counts.max():,}"))

st.subheader(t("data.one_image"))
with remembered("data_index"):
    st.session_state.setdefault("data_index", 0)
    index = st.number_input(t("data.index"), 0, len(ds.x_train) - 1, step=1, key="data_index")
image, label = ds.x_train[index], int(ds.y_train[index])
left, right = st.columns([1, 3])
with left:
    st.image(digit_image(image, 6), caption=t("data.label", label=names[label]))
    st.markdown(t("data.grayscale"))
with right:
    raw_tab, scaled_tab = st.tabs([t("data.raw_tab"), t("data.scaled_tab")])
    hover = t("common.chart.pixel_hover")
    with raw_tab:
        st.plotly_chart(pixel_figure(image, 1, {"title": t("data.raw_title"), "hover": hover}), key="pixels_raw",
                        width="stretch")
    with scaled_tab:
        st.plotly_chart(pixel_figure(image, 1 / 255, {"title": t("data.scaled_title"), "hover": hover}),
                        key="pixels_scaled", width="stretch")

st.subheader(t("data.one_hot"))
st.markdown(t("data.one_hot_text", label=names[label], k=label))
encoded = one_hot(np.array([label]), ds.num_classes)[0]
st.dataframe([{name: int(v) for name, v in zip(names, encoded, strict=True)}], hide_index=True)
st.code(f"keras.utils.to_categorical({label}, {ds.num_classes})\n# -> {encoded.astype(int).tolist()}",
        language="python")
