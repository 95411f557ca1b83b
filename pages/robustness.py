import numpy as np
import streamlit as st

from mnist_demo.charts import probability_figure, robustness_figure
from mnist_demo.images import digit_from_text, digit_image
from mnist_demo.robustness import LAB_IMAGES, Distortion, holds_better
from mnist_demo.ui.fixes import require_app_frame
from mnist_demo.ui.guard import fragment
from mnist_demo.ui.model_choice import model_choices, model_picker, pick_predictor
from mnist_demo.ui.resources import chosen_dataset, robustness_job, try_dataset
from mnist_demo.ui.text import class_names, t
from mnist_demo.ui.workspace import kept, remembered

require_app_frame()

SLIDERS = {"robust_dx": 0, "robust_dy": 0, "robust_rotation": 0, "robust_scale": 1.0,
           "robust_thickness": 0, "robust_noise": 0}
COMPARE_PIXELS, COMPARE_DEGREES = 3, 45

dataset_name = chosen_dataset()
names = class_names(dataset_name)
st.title(t("robust.title"))
st.caption(t("robust.intro"))
ds, problem = try_dataset(dataset_name)
if ds is None:
    st.error(t("robust.no_data", problem=problem))
    st.stop()
choice, predictor, model_label = model_picker("robust_model", dataset_name)


def back_to_original():
    st.session_state.update(SLIDERS)


drawn = kept(f"last_drawing.{dataset_name}")
drawing = digit_from_text(drawn)
sources = ["drawing", "test"] if drawing is not None else ["test"]
controls, result = st.columns([1, 1], gap="large")
with controls, remembered("robust_source", "robust_index", "robust_drawing_seen", *SLIDERS,
                          valid={"robust_source": sources}):
    if drawing is not None and st.session_state.get("robust_drawing_seen") != drawn:
        st.session_state.robust_source = "drawing"  # a new drawing is what the learner came to distort
    st.session_state.robust_drawing_seen = drawn
    st.session_state.setdefault("robust_source", sources[0])
    st.session_state.setdefault("robust_index", 0)
    for key, value in SLIDERS.items():
        st.session_state.setdefault(key, value)
    if drawing is None:
        source = st.session_state.robust_source = "test"
        st.caption(t("robust.no_drawing"))
    else:
        source = st.radio(t("robust.source"), sources, horizontal=True, key="robust_source",
                          format_func=lambda s: t(f"robust.source_{s}"))
    if source == "test":
        index = st.number_input(t("robust.index"), 0, len(ds.x_test) - 1, step=1, key="robust_index")
        original, label = ds.x_test[index], names[int(ds.y_test[index])]
        st.caption(t("robust.label", label=label))
    else:
        original = drawing
    left, right = st.columns(2)
    distortion = Distortion(
        shift=(left.slider(t("robust.dx"), -8, 8, key="robust_dx"),
               right.slider(t("robust.dy"), -8, 8, key="robust_dy")),
        rotation=left.slider(t("robust.rotation"), -90, 90, step=5, key="robust_rotation"),
        scale=right.slider(t("robust.scale"), 0.5, 1.5, step=0.05, key="robust_scale"),
        thickness=left.slider(t("robust.thickness"), -2, 3, key="robust_thickness"),
        noise=right.slider(t("robust.noise"), 0, 128, step=8, key="robust_noise"),
    )
    st.button(t("robust.reset"), icon=":material/restart_alt:", on_click=back_to_original)

changed = distortion.apply(original)
before, after = predictor.predict_images(np.stack([original, changed]))
with result:
    pictures = st.columns(2)
    pictures[0].image(digit_image(original, 6), caption=t("robust.before"), width="stretch")
    pictures[1].image(digit_image(changed, 6), caption=t("robust.after"), width="stretch")
    was, now = int(before.argmax()), int(after.argmax())
    values = dict(answer=names[now], after=f"{after[now]:.0%}", was=names[was], before=f"{before[was]:.0%}")
    st.markdown(t("robust.same" if was == now else "robust.changed", **values))
    st.plotly_chart(probability_figure(after, names, {
        "title": t("robust.probabilities"), "probability": t("common.chart.probability"),
        "class": t("common.chart.digit" if dataset_name == "mnist" else "common.chart.class"),
    }), key="robust_probabilities", width="stretch")


def kind_of(predictor) -> str:
    return predictor.info.spec.get("kind", "")


def default_comparison(choices: dict[str, str]) -> list[str]:
    """The chosen model and the first offered model of the other kind (MLP beside CNN)."""
    for other in choices:
        if other != choice:
            candidate, _ = pick_predictor(other, dataset_name)
            if candidate is not None and kind_of(candidate) not in ("", kind_of(predictor)):
                return [choice, other]
    return [choice]


st.subheader(t("robust.curves"))
st.caption(t("robust.curves_help", n=LAB_IMAGES))
choices = model_choices(dataset_name)
saved_pick = [c for c in kept("robust_compare", []) if c in choices]
with remembered("robust_compare"):
    if "robust_compare" in st.session_state:
        st.session_state.robust_compare = [c for c in st.session_state.robust_compare if c in choices]
    else:
        st.session_state.robust_compare = saved_pick or default_comparison(choices)
    picked = st.multiselect(t("robust.models"), list(choices), format_func=choices.get, max_selections=4,
                            key="robust_compare")

models = {}
for pick in picked:
    picked_predictor, problem = pick_predictor(pick, dataset_name)
    if picked_predictor is None:
        st.warning(problem)
    else:
        models[choices[pick]] = picked_predictor
jobs = {name: robustness_job(p, dataset_name) for name, p in models.items()}


@fragment(run_every=0.5)
def curves_progress():
    """While curves are being measured: how far each model got."""
    for name, job in jobs.items():
        if not job.finished:
            st.progress(job.done / job.total, text=t("robust.computing", name=name, done=job.done, total=job.total))
    if all(job.finished for job in jobs.values()):
        st.rerun()


if not all(job.finished for job in jobs.values()):
    curves_progress()
    st.stop()
for name, job in jobs.items():
    if job.error:
        st.error(t("robust.failed", name=name, error=job.error))
curves = {name: job.curves for name, job in jobs.items() if job.curves}
if curves:
    st.plotly_chart(robustness_figure(curves, {key: t(f"robust.{key}") for key in (
        "shift_title", "rotation_title", "shift_axis", "rotation_axis", "accuracy_axis")}),
        key="robust_curves", width="stretch")
    for name, c in curves.items():
        shift, rotation = c["shift"], c["rotation"]
        st.markdown("- " + t("robust.at_shift", name=name, n=LAB_IMAGES, start=f"{shift.accuracy_at(0):.0%}",
                                moved=f"{shift.accuracy_at(COMPARE_PIXELS):.0%}", px=COMPARE_PIXELS,
                                turned=f"{rotation.accuracy_at(COMPARE_DEGREES):.0%}", deg=COMPARE_DEGREES))
    by_kind = {kind_of(models[name]): name for name in curves}
    augmented = {name for name in curves if models[name].info.extra.get("augment")}
    compared = {by_kind.get("cnn")} if {"mlp", "cnn"} <= set(by_kind) else set()
    for name in sorted(augmented - compared):
        st.caption(t("robust.augmented", name=name))
    if compared:
        mlp, cnn = curves[by_kind["mlp"]]["shift"], curves[by_kind["cnn"]]["shift"]
        key = holds_better(mlp, cnn, COMPARE_PIXELS) + "_holds"
        key += "_augmented" if key == "cnn_holds" and by_kind["cnn"] in augmented else ""
        st.info(t(f"robust.{key}", px=COMPARE_PIXELS,
                  mlp=f"{mlp.accuracy_at(COMPARE_PIXELS):.0%}", cnn=f"{cnn.accuracy_at(COMPARE_PIXELS):.0%}"))
    else:
        st.caption(t("robust.one_model"))
