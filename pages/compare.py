import streamlit as st

from mnist_demo import models
from mnist_demo.charts import history_figure, overlay_figure
from mnist_demo.choices import EPOCHS, TRAIN_IMAGES_STEP
from mnist_demo.experiments import normalization_findings, normalization_story
from mnist_demo.ui.fixes import require_app_frame
from mnist_demo.ui.guard import fragment
from mnist_demo.ui.resources import chosen_dataset, try_dataset
from mnist_demo.ui.runs import Poll, active_run, comparable_histories, latest_experiment, start_normalization_experiment
from mnist_demo.ui.text import duration, t
from mnist_demo.ui.workspace import remembered

require_app_frame()

st.title(t("compare.title"))
dataset_name = chosen_dataset()
ds, problem = try_dataset(dataset_name)

st.subheader(t("compare.experiment"))
st.markdown(t("compare.experiment_intro"))
if ds is None:
    st.error(t("common.no_data", problem=problem))
else:
    cols = st.columns(3)
    with remembered("exp_preset", "exp_epochs", "exp_images", valid={"exp_preset": models.PRESETS}):
        st.session_state.setdefault("exp_preset", "mlp-512x2")
        st.session_state.setdefault("exp_epochs", 3)
        st.session_state.setdefault("exp_images", len(ds.x_train))
        preset_name = cols[0].selectbox(t("common.setting.preset"), list(models.PRESETS), key="exp_preset")
        epochs = cols[1].slider(t("common.setting.epochs"), EPOCHS[0], 20, key="exp_epochs")
        images = cols[2].slider(t("common.setting.train_images"), TRAIN_IMAGES_STEP, len(ds.x_train),
                                step=TRAIN_IMAGES_STEP, key="exp_images")
    experiment = latest_experiment()
    busy = experiment is not None and not all(e.snapshot().settled for e in experiment)
    if st.button(t("compare.run"), type="primary", disabled=busy, key="exp_start"):
        start_normalization_experiment(models.preset(preset_name).replace(epochs=epochs), ds, images)
        st.rerun()

chart_labels = {k: t(f"common.chart.{k}") for k in ("loss", "accuracy", "epoch", "batch", "validation")}
experiment = latest_experiment()
running = experiment is not None and not all(e.snapshot().settled for e in experiment)


experiment_poll = Poll("exp_polling", 0.5)


@fragment(run_every=experiment_poll.every(running))
def experiment_progress():
    if experiment is None:
        return
    snaps = {}
    for step, entry in enumerate(experiment, start=1):
        entry.touch()
        snap = entry.snapshot()
        snaps[entry.label] = snap
        if snap.state == "queued" and step == 2 and not experiment[0].snapshot().settled:
            where = t("compare.second_step")  # waiting for the experiment's own first half
        elif snap.state == "queued":
            where = t("common.setting.queued", place=snap.queue_position or 1, wait=duration(entry.wait_seconds()))
        else:
            where = f"{snap.fraction:.0%}"
        st.caption(f"{t('compare.step', step=step)} **{entry.label}** · {t('common.state.' + snap.state)} · {where}")
    log_loss = st.toggle(t("compare.log_scale"), key="exp_log_loss", help=t("compare.log_scale_help"))
    st.plotly_chart(overlay_figure(snaps, chart_labels, log_loss=log_loss), key="experiment_chart", width="stretch")
    experiment_poll.rerun_page_if(all(s.settled for s in snaps.values()))


with remembered("exp_log_loss"):
    st.session_state.setdefault("exp_log_loss", True)  # the raw run's loss of ~100 flattens the other one
    experiment_progress()

if experiment is not None and not running:
    normalized, raw = (entry.snapshot() for entry in experiment)
    if normalized.state == "finished" and raw.state == "finished":
        for key, values in normalization_story(normalization_findings(normalized, raw)):
            st.markdown(t(key, **values))

st.divider()
st.subheader(t("compare.overlay"))
histories = comparable_histories()
if not histories:
    st.info(t("compare.nothing_yet" if active_run() is not None else "compare.nothing"))
else:
    with remembered("compare_pick", "compare_seen"):
        # The learner's picks are kept; runs that ended since the last visit join them (four at most).
        seen = set(st.session_state.get("compare_seen", []))
        picks = [n for n in st.session_state.get("compare_pick", []) if n in histories]
        picks += [n for n in histories if n not in seen and n not in picks]
        st.session_state.compare_pick = picks if len(picks) <= 4 else picks[-4:]
        st.session_state.compare_seen = list(histories)
        names = st.multiselect(t("compare.pick"), list(histories), key="compare_pick")
    chosen = [histories[n] for n in names]
    if chosen:
        st.plotly_chart(history_figure(chosen, {**chart_labels, "train": t("common.chart.train_short")}),
                        key="overlay_chart", width="stretch")
        st.dataframe([c["settings"] for c in chosen], hide_index=True, width="stretch")
