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
from mnist_demo.images import digit_image
from mnist_demo.ui.fixes import require_app_frame
from mnist_demo.ui.model_choice import model_picker
from mnist_demo.ui.text import explain, t
from mnist_demo.ui.workspace import remembered
from mnist_demo.uploads import UploadError, image_from_upload

require_app_frame()

st.title(t("draw.title"))
predictor = model_picker("draw_model")[1]
st.caption(t("draw.model_info", name=predictor.name,
             scaling=t("common.setting.normalized") if predictor.info.normalize else t("common.setting.raw")))

st.session_state.setdefault("canvas_generation", 0)
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
        st.caption(t("draw.instructions"))
        canvas = st_canvas(
            stroke_width=STROKE_WIDTH, stroke_color=STROKE_COLOR, background_color=BACKGROUND_COLOR,
            width=CANVAS_SIZE, height=CANVAS_SIZE, drawing_mode="freedraw", return_image_data=True,
            key=f"draw_canvas_{st.session_state.canvas_generation}",
        )
        rgba = canvas.image_data
        if st.button(t("draw.clear"), icon=":material/delete:"):
            st.session_state.canvas_generation += 1
            st.rerun()
    else:
        upload = st.file_uploader(t("draw.upload"), type=["png", "jpg", "jpeg"], help=t("draw.upload_help"),
                                  key="draw_upload")
        if upload is not None:
            try:
                rgba = image_from_upload(upload.getvalue())
                st.image(rgba, caption=upload.name, width=CANVAS_SIZE)
            except UploadError as e:
                st.error(t("draw.bad_upload", error=explain(e)))

    with st.expander(t("draw.inspector"), expanded=False):
        toggles = st.columns(3)
        options = PreprocessOptions(
            crop=toggles[0].toggle(t("draw.step_crop"), key="step_crop"),
            scale=toggles[1].toggle(t("draw.step_scale"), key="step_scale"),
            center=toggles[2].toggle(t("draw.step_center"), key="step_center"),
        )

prediction = predictor.predict_canvas(rgba, options) if rgba is not None else None
with result:
    if prediction is None and rgba is not None and canvas_problem(rgba) == "noise":
        st.warning(t("draw.noise"))
    elif prediction is None:
        st.info(t("draw.empty"))
    else:
        st.markdown(t("draw.prediction", digit=prediction.digit, confidence=f"{prediction.confidence:.0%}"))
        st.plotly_chart(
            probability_figure(prediction.probabilities, range(10), {
                "title": t("draw.probabilities"), "probability": t("common.chart.probability"),
                "class": t("common.chart.digit"),
            }),
            key="probabilities", width="stretch",
        )

if prediction is not None:
    steps = prediction.steps
    st.subheader(t("draw.pipeline"))
    cols = st.columns(5)
    images = [
        (steps.ink, t("draw.step_raw")),
        (steps.crop, t("draw.step_crop_image")),
        (digit_image(steps.scaled, 8), t("draw.step_scaled")),
        (digit_image(steps.image, 8), t("draw.step_centered")),
        (digit_image(prediction.image, 8), t("draw.step_model_input", scale=predictor.scaling_text)),
    ]
    for col, (image, caption) in zip(cols, images, strict=True):
        col.image(image, caption=caption, width="stretch", clamp=True)
