import streamlit as st

from mnist_demo.charts import confusion_figure, per_class_figure
from mnist_demo.images import digit_gallery_html, digit_image
from mnist_demo.ui.fixes import require_app_frame
from mnist_demo.ui.guard import fragment
from mnist_demo.ui.model_choice import evaluation_job, model_picker
from mnist_demo.ui.resources import chosen_dataset, try_dataset
from mnist_demo.ui.text import class_names, t
from mnist_demo.ui.workspace import remembered

require_app_frame()

BLUE, RED = "#1f5fbf", "#d62728"  # right and wrong, as in the tutorials' grid

st.title(t("evaluate.title"))
dataset_name = chosen_dataset()
predictor = model_picker("eval_model", dataset_name)[1]
ds, problem = try_dataset(dataset_name)
if ds is None:
    st.error(t("evaluate.no_data", problem=problem))
    st.stop()
names = class_names(ds.name)
if predictor.info.dataset != dataset_name:
    st.warning(t("evaluate.other_dataset", trained=t(f"common.dataset.{predictor.info.dataset}"),
                 chosen=t(f"common.dataset.{dataset_name}")))

job = evaluation_job(predictor, dataset_name)
CELL_IMAGES = 36


@fragment(run_every=0.5)
def evaluation_progress():
    """While the test set is being predicted: how far it got, and the accuracy on what is done."""
    partial = job.partial()
    st.progress(job.done / job.total, text=t("evaluate.computing", done=f"{job.done:,}", total=f"{job.total:,}"))
    if partial is not None:
        st.caption(t("evaluate.so_far", n=f"{len(partial.labels):,}", acc=f"{partial.test_accuracy:.2%}"))
    if job.finished:
        st.rerun()


if not job.finished:
    evaluation_progress()
    st.stop()
if job.error:
    st.error(t("evaluate.failed", error=job.error))
    st.stop()
result = job.result

cols = st.columns(3)
cols[0].metric(t("common.metric.test_accuracy"), f"{result.test_accuracy:.4f}")
cols[1].metric(t("common.metric.test_loss"), f"{result.test_loss:.4f}")
cols[2].metric(t("evaluate.mistakes"), f"{len(result.misclassified):,} / {len(result.labels):,}")
st.plotly_chart(per_class_figure(result.per_class_accuracy, names, {"title": t("evaluate.per_class")}),
                key="per_class", width="stretch")

st.subheader(t("evaluate.confusion"))
st.caption(t("evaluate.confusion_help"))
matrix_col, cell_col = st.columns([3, 2], gap="large")
with matrix_col:
    event = st.plotly_chart(
        confusion_figure(result.confusion, names, {
            "title": "", "predicted": t("evaluate.predicted"), "true": t("evaluate.true"),
            "hover": t("evaluate.cell_hover"),
        }),
        key="confusion", on_select="rerun", selection_mode="points", width="stretch",
    )
worst_true, worst_pred = result.most_confused()
classes = range(ds.num_classes)
with remembered("cell_true", "cell_pred", valid={"cell_true": classes, "cell_pred": classes}):
    st.session_state.setdefault("cell_true", worst_true)
    st.session_state.setdefault("cell_pred", worst_pred)
    points = event.selection.points if event and event.selection else []
    clicked = (str(points[0]["y"]), str(points[0]["x"])) if points else None
    if clicked and clicked != st.session_state.get("last_clicked_cell"):
        st.session_state.cell_true = names.index(clicked[0])
        st.session_state.cell_pred = names.index(clicked[1])
    st.session_state.last_clicked_cell = clicked
    with cell_col:
        pick = st.columns(2)
        true_class = pick[0].selectbox(t("evaluate.true"), classes, key="cell_true",
                                       format_func=lambda i: names[i])
        pred_class = pick[1].selectbox(t("evaluate.predicted"), classes, key="cell_pred",
                                       format_func=lambda i: names[i])
        indices = result.pair_indices(true_class, pred_class)
        st.markdown(t("evaluate.cell_count", n=len(indices), true=names[true_class],
                      pred=names[pred_class]))
        if len(indices) > CELL_IMAGES:
            st.caption(t("evaluate.cell_first", shown=CELL_IMAGES))
        with st.container(key="cell_images"):
            grid = st.columns(6)
            for i, index in enumerate(indices[:CELL_IMAGES]):
                grid[i % 6].image(digit_image(ds.x_test[index], 2), caption=f"#{index}")

st.subheader(t("evaluate.grid"))
with remembered("only_mistakes"):
    only_mistakes = st.toggle(t("evaluate.only_mistakes"), key="only_mistakes")
shown = list(result.misclassified[:30] if only_mistakes else range(30))
predicted, truth = result.predictions[shown], result.labels[shown]
st.html(digit_gallery_html(
    ds.x_test[shown], [names[p] for p in predicted], size=64, kind="test-sample",
    colors=[BLUE if p == y else RED for p, y in zip(predicted, truth, strict=True)],
    titles=[t("evaluate.truth", label=names[y]) for y in truth],
))

st.subheader(t("evaluate.first_ten"))
st.caption(t("evaluate.first_ten_help"))
st.dataframe(
    [{"#": i, t("evaluate.label"): names[label], t("evaluate.prediction"): names[pred],
      "✓": "✓" if label == pred else "✗"} for i, label, pred in result.first(10)],
    hide_index=True,
)
