from functools import partial

import streamlit as st

from mnist_demo import models, notebook
from mnist_demo.charts import training_figure
from mnist_demo.choices import (
    BATCH_SIZES,
    CLASS_DEFAULTS,
    DROPOUT,
    DROPOUT_STEP,
    EPOCHS,
    KIND_DEFAULTS,
    LEARNING_RATES,
    TRAIN_IMAGES_STEP,
    WIDTHS,
    sanitized,
)
from mnist_demo.codegen import OPTIMIZER_CLASS, keras_code
from mnist_demo.experiments import batch_norm_lag
from mnist_demo.training import HOLDOUT, TEST
from mnist_demo.ui.exercise import apply_to_train, locked, show_notices
from mnist_demo.ui.fixes import require_app_frame
from mnist_demo.ui.guard import fragment
from mnist_demo.ui.model_choice import load_uploaded_model
from mnist_demo.ui.resources import chosen_dataset, try_dataset
from mnist_demo.ui.runs import Poll, active_run, continue_run, latest_run, run_error, save_run, start_training, stop_run
from mnist_demo.ui.text import duration, language, t, t_count
from mnist_demo.ui.weights_view import weights_forming
from mnist_demo.ui.workspace import remembered

require_app_frame()

SETTINGS = ("kind", "preset", "epochs", "batch_size", "learning_rate", "optimizer", "dropout", "width", "train_images",
            "normalize", "validate_on_test", "upload_normalize")


def apply_preset():
    spec = models.preset(st.session_state.preset)
    st.session_state.update(
        epochs=min(spec.epochs, EPOCHS[1]), batch_size=spec.batch_size, learning_rate=spec.learning_rate,
        optimizer=spec.optimizer, dropout=spec.dropout, width=models.width_of(spec),
    )


def apply_kind():
    st.session_state.preset = KIND_DEFAULTS[st.session_state.kind]
    apply_preset()
    st.session_state.epochs = min(st.session_state.epochs, CLASS_DEFAULTS["epochs"])


def replace_saved(entry, name: str) -> None:
    """The learner said yes: the run's model replaces their model of that name."""
    saved, problem, _ = save_run(entry, name, replace=True)
    st.session_state.replace_name = None
    st.session_state.save_result = ("success", t("train.saved", name=saved)) if saved else (
        "error", t("train.save_failed", error=problem))


st.title(t("train.title"))
dataset_name = chosen_dataset()
ds, problem = try_dataset(dataset_name)
if ds is None:
    st.error(t("common.no_data", problem=problem))
    st.stop()

with remembered(*SETTINGS):  # the learner's settings, kept in their workspace
    if "preset" not in st.session_state:  # a learner's first visit: a run that fits a class
        st.session_state.update(kind=CLASS_DEFAULTS["kind"], preset=CLASS_DEFAULTS["preset"])
        apply_preset()
        st.session_state.epochs = CLASS_DEFAULTS["epochs"]

    st.session_state.setdefault("train_images", len(ds.x_train))
    st.session_state.setdefault("normalize", True)
    st.session_state.setdefault("validate_on_test", False)
    st.session_state.setdefault("upload_normalize", True)
    apply_to_train(SETTINGS)  # an exercise link's values, its locked ones held
    st.session_state.update(sanitized(
        {k: st.session_state[k] for k in ("kind", "preset", "optimizer", "epochs", "batch_size", "learning_rate",
                                          "width", "dropout", "train_images") if k in st.session_state},
        len(ds.x_train),
    ))

    show_notices()
    settings, live = st.columns([1, 2], gap="large")
    with settings:
        st.radio(t("train.kind"), models.KINDS, key="kind", horizontal=True, on_change=apply_kind,
                 disabled=locked("kind"),
                 format_func={k: t(f"common.kind.{k}") for k in models.KINDS}.get, help=t("train.kind_help"))
        st.selectbox(t("common.setting.preset"), models.presets_for(st.session_state.kind), key="preset",
                     on_change=apply_preset, disabled=locked("preset"))
        st.caption(t(f"common.preset.{st.session_state.preset}"))  # in full: a select box would cut it off
        st.slider(t("common.setting.epochs"), *EPOCHS, key="epochs", help=t("train.epochs_help"),
                  disabled=locked("epochs"))
        st.select_slider(t("common.setting.batch_size"), BATCH_SIZES, key="batch_size",
                         help=t("train.batch_size_help"), disabled=locked("batch_size"))
        st.select_slider(t("common.setting.learning_rate"), LEARNING_RATES, key="learning_rate",
                         help=t("train.learning_rate_help"), disabled=locked("learning_rate"))
        st.selectbox(t("common.setting.optimizer"), models.OPTIMIZERS, key="optimizer", format_func=OPTIMIZER_CLASS.get,
                     disabled=locked("optimizer"))
        st.slider(t("train.dropout"), *DROPOUT, step=DROPOUT_STEP, key="dropout", help=t("train.dropout_help"),
                  disabled=locked("dropout"))
        st.select_slider(t(f"train.width_{st.session_state.kind}"), WIDTHS[st.session_state.kind], key="width",
                         help=t("train.width_help"))
        st.slider(t("common.setting.train_images"), TRAIN_IMAGES_STEP, len(ds.x_train), step=TRAIN_IMAGES_STEP,
                  key="train_images", help=t("train.train_images_help"))

        spec = models.with_dropout(models.with_width(models.preset(st.session_state.preset), st.session_state.width),
                                   st.session_state.dropout).replace(
            epochs=st.session_state.epochs, batch_size=st.session_state.batch_size,
            learning_rate=st.session_state.learning_rate, optimizer=st.session_state.optimizer,
        )

    with live:
        normalize = st.toggle(t("common.setting.normalize"), key="normalize", disabled=locked("normalize"))
        st.caption(t("train.normalize_on") if normalize else t("train.normalize_off"))
        on_test = st.toggle(t("train.validate_on_test"), key="validate_on_test", help=t("train.validate_on_test_help"))
        running = active_run()
        start, stop, _ = st.columns([1, 1, 2])
        if start.button(t("train.start"), type="primary", disabled=running is not None, width="stretch",
                        key="train_start"):
            with st.spinner(t("train.starting")):  # the first training of a server imports TensorFlow
                start_training(spec, ds, normalize=normalize, train_images=st.session_state.train_images,
                               preset=st.session_state.preset, validate_on_test=on_test)
            st.rerun()
        if stop.button(t("train.stop"), disabled=running is None, width="stretch", key="train_stop"):
            stop_run(running, t("train.stopped_by_user"))

    with st.expander(t("train.code"), icon=":material/code:"):
        st.caption(t("train.code_help"))
        code_settings = dict(
            train_images=st.session_state.train_images if st.session_state.train_images < len(ds.x_train) else None,
            validation=TEST if on_test else HOLDOUT,
        )
        st.code(keras_code(spec, normalize, dataset_name, **code_settings), language="python")
        # Built when clicked, not on every rerun of the page.
        st.download_button(t("train.code_notebook"),
                           partial(notebook.keras_notebook, spec, normalize, dataset_name, lang=language(),
                                   **code_settings),
                           file_name=notebook.file_name(st.session_state.preset, dataset_name),
                           mime="application/x-ipynb+json", key="notebook_download", on_click="ignore",
                           icon=":material/download:", help=t("train.code_notebook_help"))

    with st.expander(t("train.upload.title"), icon=":material/upload_file:"):
        upload = st.file_uploader(t("train.upload.file"), type=["keras"], key="model_upload")
        expects_scaled = st.toggle(t("train.upload.normalize"), key="upload_normalize",
                                   help=t("train.upload.normalize_help"))
        if upload is not None and st.button(t("train.upload.load"), key="upload_load"):
            name, problem = load_uploaded_model(upload.name, upload.getvalue(), expects_scaled)
            if problem:
                st.error(problem)
            else:
                st.success(t("train.upload.loaded", name=name))

chart_labels = {k: t(f"common.chart.{k}") for k in ("loss", "accuracy", "epoch", "batch", "train_epoch", "validation")}


progress_poll = Poll("polling", 0.5, queued_seconds=4.0)


@fragment(run_every=progress_poll.every(running is not None,
                                        queued=running is not None and running.snapshot().state == "queued"))
def live_progress():
    entry = latest_run()
    if entry is None:
        st.info(t("train.nothing_yet"))
        return
    entry.touch()
    snap = entry.snapshot()
    st.markdown(f"**{entry.label}** · {t('common.state.' + snap.state)}")
    if snap.state == "queued":  # no chart yet: it would be empty axes
        st.info(t("common.setting.queued", place=snap.queue_position or 1, wait=duration(entry.wait_seconds())))
        progress_poll.rerun_page_if(False, queued=True)
        return
    if snap.state == "running" and not snap.batch_x:  # building the model: the chart would be empty axes
        st.info(t("train.preparing"))
        progress_poll.rerun_page_if(False)
        return
    if snap.evaluating:
        st.progress(snap.evaluated, text=t("train.testing", n=f"{len(ds.x_test):,}"))
    elif snap.done:
        st.caption(t_count("train.progress_done", len(snap.epochs), rate=f"{snap.samples_per_second:,.0f}",
                     elapsed=f"{snap.elapsed:.0f}"))
    else:
        st.progress(snap.fraction, text=t(
            "train.progress", epoch=min(snap.epochs_done + 1, snap.epochs_total), epochs=snap.epochs_total,
            eta=duration(snap.eta), rate=f"{snap.samples_per_second:,.0f}", elapsed=f"{snap.elapsed:.0f}",
        ))
    validation = t("common.chart.validation_test") if entry.validates_on_test else t("common.chart.validation")
    st.plotly_chart(training_figure(snap, {**chart_labels, "validation": validation}), key="training_chart",
                    width="stretch")
    if snap.epochs:
        last = snap.epochs[-1]
        cols = st.columns(4)
        cols[0].metric(t("common.metric.loss"), f"{last.loss:.4f}")
        cols[1].metric(t("common.metric.accuracy"), f"{last.accuracy:.4f}")
        if last.val_loss is not None:
            cols[2].metric(t("common.metric.val_loss"), f"{last.val_loss:.4f}")
            cols[3].metric(t("common.metric.val_accuracy"), f"{last.val_accuracy:.4f}")
        st.caption(t("train.metrics_caption"))
        if entry.spec.label_smoothing:
            st.caption(t("train.loss_floor", smoothing=f"{entry.spec.label_smoothing:g}",
                         floor=f"{models.loss_floor(entry.spec, ds.num_classes):.2f}"))
    weights_forming(snap.weights)
    progress_poll.rerun_page_if(snap.settled)


with live:
    live_progress()

entry = latest_run()
if entry is not None and entry.snapshot().settled:
    snap = entry.snapshot()
    st.divider()
    st.subheader(t("train.result"))
    if snap.state == "failed":
        st.error(t("train.failed", error=run_error(snap)))
        st.stop()
    if snap.state == "interrupted":
        st.warning(t("train.interrupted_note"))
    if snap.state == "stopped":
        st.warning(t("train.stopped_note", reason=snap.stop_reason or ""))
        lag = batch_norm_lag(entry.spec, snap)
        if lag:
            st.info(t("train.bn_note", test=f"{snap.test_accuracy:.2%}", batch=f"{lag:.2%}",
                      batches=f"{len(snap.batch_loss):,}"))
    if snap.test_accuracy is None or entry.model_path is None:
        st.stop()  # an interrupted run keeps its curves, but no model
    cols = st.columns(3)
    cols[0].metric(t("common.metric.test_accuracy"), f"{snap.test_accuracy:.4f}")
    cols[1].metric(t("common.metric.test_loss"), f"{snap.test_loss:.4f}")
    cols[2].metric(t("common.metric.seconds"), f"{snap.elapsed:.1f}")
    st.caption(t("train.saved", name=entry.saved_as) if entry.saved_as else t("train.unsaved_note"))
    with st.expander(t("train.summary"), expanded=False):
        rows = models.summary_rows(entry.model())
        st.dataframe(rows, hide_index=True, width="stretch", column_config={
            "layer": t("train.col_layer"), "output shape": t("train.col_output"), "params": t("train.col_params")})
        st.caption(t("train.total_params", n=f"{sum(r['params'] for r in rows):,}"))

    save_col, download_col = st.columns(2)
    with save_col:
        with st.form("save_model"):
            name = st.text_input(t("train.save_name"), value=entry.saved_as or f"{entry.preset}-{entry.number}",
                                 max_chars=64, key="save_name")
            if st.form_submit_button(t("train.save")):
                saved, problem, ask = save_run(entry, name)
                st.session_state.replace_name = name if ask else None
                if problem and not ask:
                    st.error(t("train.save_failed", error=problem))
                elif saved:
                    st.success(t("train.saved", name=saved))
        asking = st.session_state.get("replace_name")
        if asking:
            st.warning(t("train.save_replace", name=asking))
            yes, no = st.columns(2)
            yes.button(t("train.replace"), key="save_replace", on_click=replace_saved, args=(entry, asking))
            no.button(t("train.keep_both"), key="save_keep", on_click=st.session_state.pop, args=("replace_name",))
        replaced = st.session_state.pop("save_result", None)
        if replaced:
            getattr(st, replaced[0])(replaced[1])
    with download_col:
        more = st.number_input(t("train.more_epochs"), 1, 20, value=1, key="more_epochs")
        more_allowed = snap.state == "finished" and not locked("epochs")  # a locked epoch count holds here too
        if st.button(t_count("train.more", int(more)), key="train_more", disabled=not more_allowed):
            continue_run(entry, ds, int(more))
            st.rerun()
        st.download_button(t("train.download"), entry.download_bytes(), file_name=f"{entry.preset}.keras",
                           mime="application/octet-stream")
