import hashlib
import hmac
import os

import streamlit as st

from mnist_demo import classroom, models
from mnist_demo.charts import confusion_figure, enlarged, training_figure
from mnist_demo.choices import BATCH_SIZES, DROPOUT, DROPOUT_STEP, EPOCHS, LEARNING_RATES
from mnist_demo.codegen import OPTIMIZER_CLASS
from mnist_demo.datasets import DATASETS, PROPER_NAMES
from mnist_demo.errors import AppError
from mnist_demo.exercise import PARAMS, exercise_link, preset_settings, qr_png
from mnist_demo.i18n import LANGUAGE_NAMES
from mnist_demo.ui.fixes import require_app_frame
from mnist_demo.ui.guard import fragment
from mnist_demo.ui.text import class_names, explain, t
from mnist_demo.ui.weights_view import weights_forming
from mnist_demo.ui.workspace import current, runs, store
from mnist_demo.workspace import Workspace, state_dir

require_app_frame()

LIVE_EVERY_SECONDS = 2.0
ALL = "*"
BEST = "best"
CHART_TEXTS = ("loss", "accuracy", "epoch", "batch", "train_epoch", "validation")
PROJECTOR_CSS = """<style>
.st-key-projector [data-testid=stMarkdownContainer] p {font-size: 1.4rem}
.st-key-projector [data-testid=stCaptionContainer] {font-size: 1.3rem}
.st-key-projector [data-testid=stMetricLabel] [data-testid=stMarkdownContainer] p {font-size: 1.6rem}
.st-key-projector [data-testid=stMetricValue], .st-key-projector [data-testid=stMetricValue] p {font-size: 3.4rem}
</style>"""


def expected_passcode() -> str:
    """The passcode the server's owner set: the environment first, then Streamlit secrets."""
    passcode = os.environ.get(classroom.PASSCODE_ENV, "").strip()
    if not passcode:
        try:
            passcode = str(st.secrets.get("teacher_passcode", "") or st.secrets.get(classroom.PASSCODE_ENV, ""))
        except Exception:  # no secrets file at all
            passcode = ""
    return passcode.strip()


def opened(expected: str) -> bool:
    """This session gave the passcode (the one set now: a changed passcode closes the page again)."""
    mark = hashlib.sha256(expected.encode()).hexdigest()
    return hmac.compare_digest(st.session_state.get("teacher_mark", ""), mark)


def sign_in(expected: str) -> None:
    with st.form("teacher_sign_in"):
        given = st.text_input(t("teacher.passcode"), type="password", key="teacher_passcode")
        if st.form_submit_button(t("teacher.enter")):
            if classroom.passcode_matches(given, expected):
                st.session_state.teacher_mark = hashlib.sha256(expected.encode()).hexdigest()
                st.rerun()
            st.error(t("teacher.wrong_passcode"))


st.title(t("teacher.title"))
expected = expected_passcode()
if not expected:
    st.info(t("teacher.no_passcode", env=classroom.PASSCODE_ENV))
    st.stop()
if not opened(expected):
    sign_in(expected)
    st.stop()

me = current().id  # the teacher's own browser session is a workspace too: not one of the class
if st.session_state.get("teacher_marked") != me:
    classroom.mark_teacher(store(), me)
    st.session_state.teacher_marked = me
codes = sorted({learner.class_code for learner in store().learners()})
top = st.columns([2, 1, 1], vertical_alignment="bottom")
class_code = top[0].selectbox(
    t("teacher.class"), [ALL, *codes], key="teacher_class", help=t("teacher.class_help"),
    format_func=lambda c: t("teacher.class_all") if c == ALL else c or t("teacher.class_none"),
    accept_new_options=True)  # a new class's code is typed here, before anyone has joined it
projecting = top[1].toggle(t("teacher.projector"), key="teacher_projector", help=t("teacher.projector_help"))
if top[2].button(t("teacher.leave"), key="teacher_leave", icon=":material/logout:"):
    st.session_state.pop("teacher_mark", None)
    st.rerun()


def _test_result(row) -> str:
    """The run's test accuracy; an ended run that learnt something and is still being tested says so."""
    if row is None:
        return ""
    if row.test_accuracy is None and row.state in classroom.TESTED and row.accuracy is not None:
        return t("teacher.testing")
    return _percent(row.test_accuracy)


def the_class():
    chosen = classroom.class_learners(store(), None if class_code == ALL else class_code)
    return chosen, classroom.run_rows(store(), runs(), chosen)


def _percent(value) -> str:
    return "" if value is None else f"{value:.1%}"


def _run_name(row) -> str:
    return f"#{row.number} {row.label} ({t('common.setting.normalized') if row.normalize else t('common.setting.raw')})"


def confusion_labels() -> dict[str, str]:
    return {"title": "", "predicted": t("evaluate.predicted"), "true": t("evaluate.true"),
            "hover": t("evaluate.cell_hover")}


def class_confusion(rows) -> None:
    """The whole class's confusion matrix, one data set at a time, and the pair it confuses most."""
    st.subheader(t("teacher.confusion"))
    present = classroom.confusion_datasets(rows)
    if not present:
        st.caption(t("teacher.no_confusion"))
        return
    dataset = present[0] if len(present) == 1 else st.radio(
        t("frame.dataset"), present, key="teacher_confusion_dataset", horizontal=True, format_func=PROPER_NAMES.get)
    combined = classroom.class_confusion(rows, dataset)
    names = class_names(dataset)
    true_class, predicted, n = combined.most_confused()
    if combined.mistakes:
        st.markdown(t("teacher.confusion_most", runs=combined.runs, dataset=PROPER_NAMES[dataset],
                      true=names[true_class], pred=names[predicted], n=f"{n:,}",
                      mistakes=f"{combined.mistakes:,}", share=f"{n / combined.mistakes:.0%}"))
    else:
        st.markdown(t("teacher.confusion_none", runs=combined.runs, dataset=PROPER_NAMES[dataset]))
    st.plotly_chart(confusion_figure(combined.matrix, names, confusion_labels(), mistakes_scale=True),
                    key="teacher_confusion", width="stretch")


@fragment(run_every=LIVE_EVERY_SECONDS)
def class_now():
    """The class at a glance, redrawn every LIVE_EVERY_SECONDS while the page is open."""
    learners, rows = the_class()
    numbers = classroom.counts(rows)
    cols = st.columns(4)
    cols[0].metric(t("teacher.metric.learners"), len(learners))
    cols[1].metric(t("teacher.metric.training"), numbers["training"])
    cols[2].metric(t("teacher.metric.waiting"), numbers["waiting"])
    cols[3].metric(t("teacher.metric.finished"), numbers["finished"])
    if runs().queue.paused:
        st.warning(t("teacher.paused"), icon=":material/pause_circle:")

    st.subheader(t("teacher.now"))
    if not learners:
        st.info(t("teacher.no_learners"))
    else:
        st.table([{  # a plain table: it stays readable from the back of the room
            t("teacher.col.learner"): learner.nickname,
            t("teacher.col.class"): learner.class_code,
            t("teacher.col.run"): _run_name(row) if row else t("teacher.no_run"),
            t("teacher.col.state"): t(f"common.state.{row.state}") if row else "",
            t("teacher.col.epoch"): f"{row.epoch}/{row.epochs}" if row and row.epochs else "",
            t("teacher.col.accuracy"): _percent(row.accuracy) if row else "",
            t("common.metric.test_accuracy"): _test_result(row),
            t("teacher.col.place"): str(row.place) if row and row.place else "",  # one type per column
        } for learner, row in classroom.current_runs(rows, learners)])

    st.subheader(t("teacher.leaderboard"))
    best = classroom.leaderboard(rows)
    if not best:
        st.caption(t("teacher.no_results"))
        return
    st.dataframe([{
        t("teacher.col.rank"): rank, t("teacher.col.learner"): row.learner, t("teacher.col.run"): _run_name(row),
        t("common.metric.test_accuracy"): _percent(row.test_accuracy), t("common.metric.seconds"): row.seconds,
        t("common.setting.learning_rate"): row.learning_rate, t("common.setting.batch_size"): row.batch_size,
        t("common.setting.epochs"): row.epoch,
    } for rank, row in enumerate(best, 1)], hide_index=True, width="stretch", key="teacher_leaderboard")

    st.subheader(t("teacher.experiment"))
    names = {"learning_rate": t("common.setting.learning_rate"), "batch_size": t("common.setting.batch_size"),
             "epochs": t("common.setting.epochs"), "dropout": t("train.dropout")}
    setting = st.selectbox(t("teacher.experiment_setting"), classroom.SCATTER_SETTINGS, key="teacher_setting",
                           format_func=names.get, help=t("teacher.experiment_help"))
    column = "epoch" if setting == "epochs" else setting
    st.plotly_chart(classroom.scatter_figure(rows, column, {
        "x": names[setting], "y": t("common.metric.test_accuracy"),
        "normalized": t("common.setting.normalized"), "raw": t("common.setting.raw")}),
        key="teacher_scatter", width="stretch")
    class_confusion(rows)


def _projected(rows, chosen: str):
    """The run to show: the chosen one, or the class's best tested run now."""
    if chosen == BEST:
        best = classroom.leaderboard(rows)
        return best[0] if best else None
    return next((r for r in rows if r.run_id == chosen), None)


@fragment(run_every=LIVE_EVERY_SECONDS)
def projector():
    """One run large, for the whole room: its curves, confusion matrix and first-layer weights,
    redrawn every LIVE_EVERY_SECONDS while it trains."""
    _, rows = the_class()
    names = {r.run_id: f"{r.learner} · {_run_name(r)}" for r in sorted(rows, key=lambda r: -r.created)}
    chosen = st.selectbox(t("teacher.projector_run"), [BEST, *names], key="teacher_projected",
                          format_func=lambda v: t("teacher.projector_best") if v == BEST else names.get(v, v))
    row = _projected(rows, chosen)
    snap = classroom.run_snapshot(store(), runs(), row.run_id) if row else None
    if snap is None:
        st.info(t("teacher.projector_none"))
        return
    st.html(PROJECTOR_CSS)
    with st.container(key="projector"):
        st.header(f"{row.learner} · {_run_name(row)}")
        cols = st.columns(4)
        cols[0].metric(t("teacher.col.state"), t(f"common.state.{row.state}"))
        cols[1].metric(t("teacher.col.epoch"), f"{row.epoch}/{row.epochs}" if row.epochs else "–")
        cols[2].metric(t("teacher.col.accuracy"), _percent(row.accuracy) or "–")
        cols[3].metric(t("common.metric.test_accuracy"), _test_result(row) or "–")
        if not snap.batch_loss:
            st.info(t("teacher.projector_waiting" if row.state in classroom.WAITING else "teacher.projector_no_curves"))
            return
        labels = {k: t(f"common.chart.{k}") for k in CHART_TEXTS}
        if row.validation == "test":
            labels["validation"] = t("common.chart.validation_test")
        st.plotly_chart(enlarged(training_figure(snap, labels), 600), key="projector_curves", width="stretch")
        left, right = st.columns([3, 2], gap="large")
        with left:
            st.subheader(t("evaluate.confusion"))
            if snap.confusion:
                st.plotly_chart(enlarged(confusion_figure(snap.confusion, class_names(row.dataset),
                                                          confusion_labels(), mistakes_scale=True), 720),
                                key="projector_confusion", width="stretch")
            else:
                st.info(t("teacher.projector_untested"))
        with right:
            if snap.weights:
                weights_forming(snap.weights, large=True)
            else:
                st.info(t("teacher.projector_no_weights"))


if projecting:
    projector()
    st.stop()
class_now()
learners, rows = the_class()

st.divider()
st.subheader(t("teacher.controls"))
queue = runs().queue
left, middle, right = st.columns(3)
if queue.paused:
    left.button(t("teacher.resume"), key="teacher_resume", icon=":material/play_arrow:", on_click=queue.resume)
else:
    left.button(t("teacher.pause"), key="teacher_pause", icon=":material/pause:", on_click=queue.pause)
middle.download_button(t("teacher.export"), classroom.results_csv(rows), file_name="class-results.csv",
                       mime="text/csv", key="teacher_export", icon=":material/download:")

with st.expander(t("teacher.stop_run"), icon=":material/stop_circle:"):
    active = [r for r in rows if r.state in classroom.TRAINING + classroom.WAITING and runs().live(r.run_id)]
    if not active:
        st.caption(t("teacher.nothing_to_stop"))
    else:
        chosen = st.selectbox(t("teacher.stop_run"), active, key="teacher_stop_choice", label_visibility="collapsed",
                              format_func=lambda r: f"{r.learner} · {_run_name(r)} · {t('common.state.' + r.state)}")
        if st.button(t("teacher.stop"), key="teacher_stop"):
            runs().stop(chosen.run_id, t("teacher.stopped_reason"))
            st.rerun()

with st.expander(t("teacher.publish"), icon=":material/publish:"):
    st.caption(t("teacher.publish_help"))
    by_id = {learner.id: learner for learner in learners}
    saved = [s for learner in learners for s in store().saved_models(learner.id)]
    if not saved:
        st.caption(t("teacher.nothing_saved"))
    else:
        model = st.selectbox(t("teacher.publish_model"), saved, key="teacher_publish_model",
                             format_func=lambda s: f"{by_id[s.learner_id].nickname} · {s.name}")
        name = st.text_input(t("teacher.publish_name"), value=model.name, max_chars=64, key="teacher_publish_name")
        if st.button(t("teacher.publish_button"), key="teacher_publish"):
            owner = Workspace(store(), by_id[model.learner_id], state_dir())
            try:
                target = classroom.publish_model(owner.path(model.model_file), name)
                st.success(t("teacher.published", name=target.stem))
            except AppError as e:
                st.error(explain(e))

with st.expander(t("teacher.reset"), icon=":material/delete_forever:"):
    st.caption(t("teacher.reset_help"))
    done = st.session_state.pop("teacher_reset_done", None)
    if done is not None:
        st.success(t("teacher.reset_done", n=done))
    if not st.session_state.get("teacher_reset_ask"):
        st.button(t("teacher.reset"), key="teacher_reset", disabled=not learners,
                  on_click=st.session_state.update, kwargs={"teacher_reset_ask": True})
    else:
        st.warning(t("teacher.reset_ask", n=len(learners)))
        yes, no = st.columns(2)
        if yes.button(t("teacher.reset_yes"), key="teacher_reset_yes", type="primary"):
            st.session_state.teacher_reset_done = classroom.reset_class(
                store(), runs(), state_dir(), [learner.id for learner in learners])
            st.session_state.teacher_reset_ask = False
            st.rerun()
        no.button(t("teacher.reset_no"), key="teacher_reset_no",
                  on_click=st.session_state.update, kwargs={"teacher_reset_ask": False})

st.divider()
st.subheader(t("teacher.exercise.title"))
st.caption(t("teacher.exercise.help"))
names = {"preset": t("common.setting.preset"), "kind": t("train.kind"), "epochs": t("common.setting.epochs"),
         "batch_size": t("common.setting.batch_size"), "learning_rate": t("common.setting.learning_rate"),
         "optimizer": t("common.setting.optimizer"), "dropout": t("train.dropout"),
         "normalize": t("common.setting.normalize"), "dataset": t("frame.dataset"), "lang": t("frame.language")}
offered = [p for p in PARAMS if p != "kind"]  # the preset says the kind
given = st.multiselect(t("teacher.exercise.set"), offered, default=["preset", "epochs", "normalize"],
                       key="ex_given", format_func=names.get)
cols = st.columns(3)
chosen_preset = cols[0].selectbox(names["preset"], list(models.PRESETS), key="ex_preset",
                                  disabled="preset" not in given)
base = preset_settings(chosen_preset)
widgets = {
    "epochs": lambda c: c.slider(names["epochs"], *EPOCHS, value=min(3, EPOCHS[1]), key="ex_epochs"),
    "batch_size": lambda c: c.select_slider(names["batch_size"], BATCH_SIZES, value=base["batch_size"],
                                            key="ex_batch_size"),
    "learning_rate": lambda c: c.select_slider(names["learning_rate"], LEARNING_RATES,
                                               value=base["learning_rate"], key="ex_learning_rate"),
    "optimizer": lambda c: c.selectbox(names["optimizer"], models.OPTIMIZERS, key="ex_optimizer",
                                       index=models.OPTIMIZERS.index(base["optimizer"]),
                                       format_func=OPTIMIZER_CLASS.get),
    "dropout": lambda c: c.slider(names["dropout"], *DROPOUT, step=DROPOUT_STEP, value=float(base["dropout"]),
                                  key="ex_dropout"),
    "normalize": lambda c: c.toggle(names["normalize"], value=True, key="ex_normalize"),
    "dataset": lambda c: c.selectbox(names["dataset"], DATASETS, key="ex_dataset", format_func=PROPER_NAMES.get),
    "lang": lambda c: c.selectbox(names["lang"], list(LANGUAGE_NAMES), key="ex_lang",
                                  format_func=LANGUAGE_NAMES.get),
}
settings = {"preset": chosen_preset} if "preset" in given else {}
for i, name in enumerate(n for n in widgets if n in given):
    settings[name] = widgets[name](cols[(i + 1) % 3])
lock = st.multiselect(t("teacher.exercise.lock"), offered, default=[n for n in ("epochs", "normalize") if n in given],
                      key="ex_lock", format_func=names.get)
page_url = (st.context.url or "").split("?", 1)[0]
train_url = f"{page_url.rsplit('/', 1)[0]}/train" if page_url else "/train"
link = exercise_link(train_url, settings, lock, class_code="" if class_code == ALL else class_code)
st.caption(t("teacher.exercise.link"))
st.code(link, language=None, wrap_lines=True)
st.image(qr_png(link), caption=t("teacher.exercise.qr"), width=320)
