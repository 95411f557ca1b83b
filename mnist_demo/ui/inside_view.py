"""The Draw page's inside view: what each layer of the chosen model made of this drawing, which
pixels pushed its answer, what a first-layer unit looks for and where it fires here, and the
training images the model finds nearest. `explain` and `neighbours` do the work; this lays it out.

The expander is stateful (`on_change="rerun"`), so that nothing is computed while it is closed.
What one drawing costs is kept in the session for that drawing only: picking a filter reruns the
page without recomputing the layers or the saliency."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from .. import explain, neighbours
from ..images import digit_image
from ..saliency import saliencies
from .resources import try_dataset
from .text import class_names, t

EXPANDER_KEY = "draw_inside"
UNIT_KEY = "draw_inside_unit"
MEMO_KEY = "_draw_inside_memo"
SHOWN_MAPS = 16
INPUT_SCALE = 6  # screen pixels per input pixel


@st.cache_resource(show_spinner=False, max_entries=neighbours.KEPT_IN_MEMORY)
def _index_build(path: str, mtime: float, size: int, limit: int | None, _predictor, _dataset):
    """The neighbour index of one model file, built once per process in the background: keyed by
    the file's identity (path, modification time, size), not by the session that asked first."""
    return neighbours.index_build(_predictor, neighbours.default_cache_dir(), limit, _dataset)


def _file_identity(predictor) -> tuple[str, float, int] | None:
    if predictor.path is None or not predictor.path.is_file():
        return None
    stat = predictor.path.stat()
    return str(predictor.path), stat.st_mtime, stat.st_size


def _memo(key: tuple, compute):
    """`compute()` once per key for the drawing in hand; a new drawing forgets the last one's."""
    memo = st.session_state.get(MEMO_KEY)
    if memo is None or memo.get("drawing") != key[0]:
        memo = st.session_state[MEMO_KEY] = {"drawing": key[0]}
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _big(picture: np.ndarray, scale: int = INPUT_SCALE) -> np.ndarray:
    return explain.picture_grid(np.asarray(picture)[None], scale=scale)


def inside_section(predictor, prediction, names: tuple[str, ...]) -> None:
    """The "Inside the model" expander under a prediction; its contents only when it is open."""
    panel = st.expander(t("draw.inside.title"), key=EXPANDER_KEY, on_change="rerun", icon=":material/neurology:")
    if not panel.open:
        return
    with panel:
        _inside(predictor, prediction, names)


def _inside(predictor, prediction, names: tuple[str, ...]) -> None:
    image = prediction.image
    identity = _file_identity(predictor)
    drawing = (hashlib.sha1(image.tobytes()).hexdigest(), identity or id(predictor))
    view = _memo((drawing, "view"), lambda: explain.inside_view(predictor, image))
    margin_key = "draw.inside.margin_unsure" if view.unsure else "draw.inside.margin_sure"
    st.markdown(t(margin_key, answer=names[view.digit], runner=names[view.runner_up],
                  p=f"{view.probabilities[view.digit]:.0%}", q=f"{view.probabilities[view.runner_up]:.0%}",
                  margin=f"{view.margin:.2f}"))
    _saliency(predictor, prediction, view, names, drawing)
    _layers(view, names)
    _unit_picker(predictor, view, image, drawing)
    _neighbours(predictor, view, identity)


def _saliency(predictor, prediction, view, names, drawing) -> None:
    st.markdown(f"#### {t('draw.inside.saliency')}")
    st.caption(t("draw.inside.saliency_help"))
    shown = [view.digit, view.runner_up] if view.unsure else [view.digit]
    maps = _memo((drawing, "saliency", tuple(shown)), lambda: saliencies(predictor, prediction.image, shown))
    answer = maps[0]
    cols = st.columns(3)
    scale = float(max(np.abs(m.map).max() for m in maps)) or None  # one scale: the two maps compare
    cols[0].image(_big(explain.over_image(prediction.image, answer.map, scale)),
                  output_format="PNG", caption=t("draw.inside.saliency_answer", answer=names[view.digit]))
    if prediction.steps is not None:
        on_canvas = explain.on_canvas(answer.map, prediction.steps)
        cols[1].image(explain.over_image(prediction.steps.ink, on_canvas), width=28 * INPUT_SCALE,
                      output_format="PNG", caption=t("draw.inside.saliency_canvas"))
    if view.unsure:
        other = maps[1]
        cols[2].image(_big(explain.over_image(prediction.image, other.map, scale)),
                      output_format="PNG", caption=t("draw.inside.saliency_other", other=names[view.runner_up]))
        st.info(t("draw.inside.unsure", answer=names[view.digit], other=names[view.runner_up]))


def _layers(view, names) -> None:
    st.markdown(f"#### {t('draw.inside.layers')}")
    st.caption(t("draw.inside.layers_help" if view.feature_maps() else "draw.inside.layers_help_dense"))
    for layer in view.feature_maps():
        order = layer.strongest_first()[:SHOWN_MAPS]
        maps = explain.grey_pictures(layer.output.transpose(2, 0, 1)[order])
        scale = max(1, 56 // layer.shape[0])
        shape = "×".join(map(str, layer.shape))
        st.image(explain.picture_grid(maps, 8, scale, gap=2), output_format="PNG",
                 caption=t("draw.inside.maps", layer=layer.name, shape=shape, shown=len(order),
                           channels=layer.shape[-1]))
    for layer in view.dense_layers():
        st.image(explain.units_picture(layer.output), output_format="PNG",
                 caption=t("draw.inside.units", layer=layer.name, units=layer.shape[0],
                           firing=int(np.count_nonzero(layer.output > 0))))
    top = np.argsort(-view.probabilities, kind="stable")[:3]
    st.caption(t("draw.inside.softmax", top=", ".join(f"{names[i]} {view.probabilities[i]:.0%}" for i in top)))


def _unit_picker(predictor, view, image, drawing) -> None:
    first = _memo((drawing, "first"), lambda: explain.first_layer_weights(predictor))
    if first is None:
        return
    conv = first.kind == "conv"
    fired = view.finished(first.layer) if conv else view.layer(first.layer)
    st.markdown(f"#### {t('draw.inside.unit_title_conv' if conv else 'draw.inside.unit_title_dense')}")
    count = len(first.pictures)
    if st.session_state.get(UNIT_KEY) not in range(count):
        st.session_state[UNIT_KEY] = int(fired.strongest_first()[0])
    unit = st.selectbox(t("draw.inside.unit_pick_conv" if conv else "draw.inside.unit_pick_dense"),
                        list(range(count)), key=UNIT_KEY,
                        format_func=lambda i: t("draw.inside.unit_conv" if conv else "draw.inside.unit_dense", n=i),
                        help=t("draw.inside.unit_help"))
    weights = explain.grey_pictures(first.pictures[unit][None], signed=True)[0]
    side = 28 * INPUT_SCALE
    cols = st.columns(2)
    cols[0].image(_big(weights, max(1, side // weights.shape[0])), width=side, output_format="PNG",
                  caption=t("draw.inside.kernel" if conv else "draw.inside.weights", n=unit))
    if conv:  # the filter's feature map itself: black where it is silent, white where it fires most
        where = _big(explain.grey_pictures(fired.channel(unit)[None])[0], max(1, side // fired.shape[0]))
        strength = float(fired.strengths()[unit])
    else:  # which pixels made the unit fire: its weights times the ink, integrated along the path
        found = _memo((drawing, "unit", unit), lambda: explain.unit_map(predictor, image, first.layer, unit))
        where, strength = _big(explain.over_image(image, found.map)), float(fired.output[unit])
    cols[1].image(where, width=side, output_format="PNG",
                  caption=t("draw.inside.fires", n=unit, value=f"{strength:.2f}"))


def _neighbours(predictor, view, identity) -> None:
    st.markdown(f"#### {t('draw.inside.neighbours')}")
    trained_on = predictor.info.dataset
    data, problem = try_dataset(trained_on)
    if identity is None or data is None:
        st.caption(problem or t("draw.inside.no_neighbours"))
        return
    build = _index_build(*identity, neighbours.app_limit(), predictor, data)
    if not build.done:
        _wait_for_index(build)
        return
    if build.error is not None:
        st.warning(t("draw.inside.index_failed", error=build.error))
        return
    near = build.index.query(view.penultimate().output)
    labels = class_names(trained_on)
    st.caption(t("draw.inside.neighbours_help", n=f"{len(build.index):,}"))
    cols = st.columns(len(near.items))
    for col, item in zip(cols, near.items, strict=True):
        col.image(digit_image(data.x_train[item.index], 3), width="stretch", output_format="PNG",
                  caption=t("draw.inside.neighbour", label=labels[item.label], distance=f"{item.distance:.2f}"))
    if near.far_reason is not None:
        st.warning(t(f"draw.inside.far.{near.far_reason.replace(' ', '_')}"))


@st.fragment(run_every=1.0)
def _wait_for_index(build) -> None:
    """The index build's progress, redrawn every second until it is done; then the whole page."""
    if build.done:
        st.rerun()
    st.progress(build.fraction, text=t("draw.inside.index_building", done=f"{build.fraction:.0%}"))
