import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mnist_demo.canvas import (
    BACKGROUND_COLOR,
    CANVAS_SIZE,
    STROKE_COLOR,
    STROKE_WIDTH,
    PreprocessOptions,
    canvas_problem,
)
from mnist_demo.charts import probability_figure
from mnist_demo.images import digit_image, digit_text, squared
from mnist_demo.models import smoothed_target
from mnist_demo.ui.fixes import require_app_frame
from mnist_demo.ui.inside_view import inside_section
from mnist_demo.ui.model_choice import model_picker
from mnist_demo.ui.resources import chosen_dataset
from mnist_demo.ui.text import class_names, explain, t
from mnist_demo.ui.workspace import keep, remembered
from mnist_demo.uploads import UploadError, image_from_upload

require_app_frame()

dataset_name = chosen_dataset()
names = class_names(dataset_name)
st.title(t(f"draw.title.{dataset_name}"))
_, predictor, model_label = model_picker("draw_model", dataset_name)
st.caption(t("draw.model_info", name=model_label,
             scaling=t("common.setting.normalized") if predictor.info.normalize else t("common.setting.raw")))


# The answer is sent first, the inspector's switches, the steps and the chart after it, so that it
# shows as soon as the browser has it. Not a fragment: with the canvas in a fragment, a whole rerun
# near a stroke sometimes remounts the canvas empty in the browser (docs/upstream/).
st.session_state.setdefault("canvas_generation", 0)
st.session_state.setdefault("upload_generation", 0)
pad, result = st.columns([1, 1], gap="large")
with pad, remembered("draw_source", "step_crop", "step_scale", "step_center",
                     valid={"draw_source": ("canvas", "upload")}):
    for step in ("step_crop", "step_scale", "step_center"):
        st.session_state.setdefault(step, True)
    source = st.radio(t("draw.source"), ["canvas", "upload"], horizontal=True, key="draw_source",
                      format_func={s: t(f"draw.source_{s}") for s in ("canvas", "upload")}.get,
                      label_visibility="collapsed")
    rgba = None
    if source == "canvas":
        st.caption(t(f"draw.instructions.{dataset_name}"))
        canvas = st_canvas(
            stroke_width=STROKE_WIDTH, stroke_color=STROKE_COLOR, background_color=BACKGROUND_COLOR,
            width=CANVAS_SIZE, height=CANVAS_SIZE, drawing_mode="freedraw", return_image_data=True,
            key=f"draw_canvas_{st.session_state.canvas_generation}",
        )
        rgba = canvas.image_data
    else:
        upload = st.file_uploader(t(f"draw.upload.{dataset_name}"), type=["png", "jpg", "jpeg"],
                                  help=t("draw.upload_help"),
                                  key=f"draw_upload_{st.session_state.upload_generation}")
        if upload is not None:
            try:
                rgba = image_from_upload(upload.getvalue())
                st.image(rgba, caption=upload.name, width=CANVAS_SIZE)
            except UploadError as e:  # say why, and empty the uploader for the next try
                st.session_state.upload_refused = t("draw.bad_upload", error=explain(e))
                st.session_state.upload_generation += 1
                st.rerun()
        refused = st.session_state.pop("upload_refused", None)
        if refused:
            st.error(refused)

    options = PreprocessOptions(crop=st.session_state.step_crop, scale=st.session_state.step_scale,
                                center=st.session_state.step_center)  # the inspector's switches, drawn below
    prediction = predictor.predict_canvas(rgba, options) if rgba is not None else None
    with result:
        if prediction is None and rgba is not None and canvas_problem(rgba) == "noise":
            st.warning(t("draw.noise"))
        elif prediction is None:
            st.info(t(f"draw.empty.{dataset_name}") if source == "canvas" else t("draw.empty_upload"))
        else:
            answer, confidence = names[prediction.digit], f"{prediction.confidence:.0%}"
            st.markdown(t("draw.prediction", answer=answer, confidence=confidence))
            smoothing = predictor.info.spec.get("label_smoothing") or 0.0
            if smoothing:  # a clear digit at 90 % is the smoothing, not doubt
                st.caption(t("draw.smoothed", smoothing=f"{smoothing:g}",
                             most=f"{smoothed_target(smoothing, len(names)):.0%}"))
            if predictor.info.dataset == "mnist" and prediction.is_digit is False:
                st.warning(t("draw.not_a_digit", answer=answer, confidence=confidence))
            chart = st.empty()  # filled last: the browser takes longest to draw it

    if source == "canvas" and st.button(t("draw.clear"), icon=":material/delete:"):
        st.session_state.canvas_generation += 1
        st.rerun()
    with st.expander(t("draw.inspector"), expanded=False):
        toggles = st.columns(3)
        toggles[0].toggle(t("draw.step_crop"), key="step_crop")
        toggles[1].toggle(t("draw.step_scale"), key="step_scale")
        toggles[2].toggle(t("draw.step_center"), key="step_center")

if prediction is not None:
    keep(f"last_drawing.{dataset_name}", digit_text(prediction.image))  # the robustness lab starts from it
    steps = prediction.steps
    st.subheader(t("draw.pipeline"))
    cols = st.columns(5)
    images = [  # every tile square, so that they line up whatever the drawing's shape
        (squared(steps.ink), t("draw.step_raw") if source == "canvas" else t("draw.step_raw_upload")),
        (squared(steps.crop), t("draw.step_crop_image")),
        (digit_image(steps.scaled, 8), t("draw.step_scaled")),
        (digit_image(steps.image, 8), t("draw.step_centered")),
        (digit_image(prediction.image, 8), t("draw.step_model_input", scale=predictor.scaling_text)),
    ]
    for col, (image, caption) in zip(cols, images, strict=True):
        col.image(squared(image), caption=caption, width="stretch", clamp=True)
    chart.plotly_chart(
        probability_figure(prediction.probabilities, names, {
            "title": t(f"draw.probabilities.{dataset_name}"), "probability": t("common.chart.probability"),
            "class": t("common.chart.digit" if dataset_name == "mnist" else "common.chart.class"),
        }),
        key="probabilities", width="stretch",
    )
    inside_section(predictor, prediction, names)
