"""Plotly figures for the pages: training curves, probabilities, confusion and per-class charts.

Each figure is written as plain dicts and wrapped without plotly's property-by-property
validation (`_figure`): validating costs more than the rest of a page run, and the live pages
build a figure on every poll. `tests/test_charts.py` passes every figure through plotly's
validating constructor instead."""

from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go

TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#ff7f0e"
MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "x": 0}


def _figure(data: list[dict], layout: dict) -> go.Figure:
    return go.Figure({"data": data, "layout": layout}, _validate=False)


@functools.cache
def _colorscale(name: str) -> tuple:
    """Plotly's colour scale `name` as its list of stops. Validation would expand the name; the
    browser's plotly.js reads names its own way ("Blues" runs the other way, "gray" is unknown)."""
    import plotly.colors

    return tuple(tuple(stop) for stop in plotly.colors.get_colorscale(name))


def _two_panels(left_title: str, right_title: str) -> dict:
    """The layout of `make_subplots(rows=1, cols=2, subplot_titles=...)`, written out: panel 1
    draws on axes x/y, panel 2 on x2/y2."""
    def title(text: str, x: float) -> dict:
        return {"text": text, "x": x, "xref": "paper", "xanchor": "center", "y": 1.0, "yref": "paper",
                "yanchor": "bottom", "showarrow": False, "font": {"size": 16}}

    return {
        "xaxis": {"anchor": "y", "domain": [0.0, 0.45]}, "yaxis": {"anchor": "x", "domain": [0.0, 1.0]},
        "xaxis2": {"anchor": "y2", "domain": [0.55, 1.0]}, "yaxis2": {"anchor": "x2", "domain": [0.0, 1.0]},
        "annotations": [title(left_title, 0.225), title(right_title, 0.775)],
    }


def _in_panel(trace: dict, col: int) -> dict:
    return {**trace, "xaxis": "x2", "yaxis": "y2"} if col == 2 else {**trace, "xaxis": "x", "yaxis": "y"}


def _axis(layout: dict, name: str, col: int) -> dict:
    return layout[f"{name}axis{col if col > 1 else ''}"]


def _accuracy_axis(axis: dict) -> None:
    """An accuracy axis in percent that never reaches past 100 %."""
    axis.update(tickformat=".0%", autorangeoptions={"maxallowed": 1.0, "minallowed": 0.0})


def _line(x, y, name: str, color: str, width: float, **more) -> dict:
    return {"type": "scatter", "x": list(x), "y": list(y), "name": name, "line": {"color": color, "width": width},
            **more}


def training_figure(snap, labels: dict[str, str]) -> go.Figure:
    """Loss and accuracy side by side: per batch (smoothed), per epoch, validation per epoch.

    `labels` holds the translated texts: loss, accuracy, epoch, batch, train_epoch, validation."""
    layout = _two_panels(labels["loss"], labels["accuracy"])
    data = []
    epochs = [e.epoch for e in snap.epochs]
    for col, batch_values, epoch_attr, val_attr in (
        (1, snap.batch_loss, "loss", "val_loss"),
        (2, snap.batch_accuracy, "accuracy", "val_accuracy"),
    ):
        legend = col == 1
        val = [(e.epoch, getattr(e, val_attr)) for e in snap.epochs if getattr(e, val_attr) is not None]
        data += [_in_panel(trace, col) for trace in (
            _line(snap.batch_x, batch_values, labels["batch"], TRAIN_COLOR, 1, mode="lines", opacity=0.45,
                  legendgroup="batch", showlegend=legend),
            _line(epochs, [getattr(e, epoch_attr) for e in snap.epochs], labels["train_epoch"], TRAIN_COLOR, 2.5,
                  mode="lines+markers", legendgroup="train", showlegend=legend),
            _line([v[0] for v in val], [v[1] for v in val], labels["validation"], VAL_COLOR, 2.5,
                  mode="lines+markers", legendgroup="val", showlegend=legend),
        )]
        _axis(layout, "x", col).update(title={"text": labels["epoch"]}, rangemode="tozero")
    layout["yaxis"]["rangemode"] = "tozero"
    _accuracy_axis(layout["yaxis2"])
    layout.update(height=380, margin=MARGIN, legend={**LEGEND_BELOW, "y": -0.22}, uirevision="training")
    return _figure(data, layout)


def probability_figure(probabilities: np.ndarray, class_names, labels: dict[str, str]) -> go.Figure:
    probabilities = np.asarray(probabilities, dtype=float)
    best = int(np.argmax(probabilities))
    return _figure([{
        "type": "bar", "x": [str(c) for c in class_names], "y": probabilities.tolist(),
        "marker": {"color": [VAL_COLOR if i == best else TRAIN_COLOR for i in range(len(probabilities))]},
        "text": [f"{p:.0%}" for p in probabilities], "textposition": "outside",
    }], {
        "height": 300, "margin": {**MARGIN, "t": 30}, "title": {"text": labels["title"]},
        "yaxis": {"range": [0, 1.1], "tickformat": ".0%", "title": {"text": labels["probability"]}},
        "xaxis": {"type": "category", "title": {"text": labels["class"]}},
    })


def confusion_figure(confusion: np.ndarray, class_names, labels: dict[str, str],
                     mistakes_scale: bool = False) -> go.Figure:
    """Rows: true class, columns: predicted class; the diagonal is what the model got right.
    With `mistakes_scale` the colours reach their darkest at the largest mistake (the diagonal is
    darkest throughout), so that which classes are confused shows at a glance.

    Streamlit cannot select heatmap cells, so an invisible square marker sits on every cell:
    clicking a cell selects its marker, whose x and y are the predicted and true class."""
    confusion = np.asarray(confusion)
    names = [str(c) for c in class_names]
    heatmap = {
        "type": "heatmap", "z": confusion.tolist(), "x": names, "y": names, "colorscale": _colorscale("Blues"),
        "text": confusion.tolist(), "texttemplate": "%{text}", "hoverinfo": "skip", "showscale": False,
    }
    if mistakes_scale:
        heatmap.update(zmin=0, zmax=max(1, int((confusion - np.diag(np.diag(confusion))).max())))
    cells = [(x, y, int(confusion[i, j])) for i, y in enumerate(names) for j, x in enumerate(names)]
    markers = {
        "type": "scatter", "x": [c[0] for c in cells], "y": [c[1] for c in cells],
        "customdata": [c[2] for c in cells], "mode": "markers",
        "marker": {"symbol": "square", "size": 34, "color": "rgba(0,0,0,0.01)"}, "showlegend": False,
        "hovertemplate": labels["hover"].replace("%{z}", "%{customdata}") + "<extra></extra>",
        "selected": {"marker": {"color": "rgba(255,127,14,0.35)"}}, "unselected": {"marker": {"opacity": 1}},
    }
    return _figure([heatmap, markers], {
        "height": 520, "margin": MARGIN, "title": {"text": labels["title"]}, "clickmode": "event+select",
        "xaxis": {"title": {"text": labels["predicted"]}, "type": "category", "side": "top"},
        "yaxis": {"title": {"text": labels["true"]}, "type": "category", "autorange": "reversed"},
    })


def enlarged(fig: go.Figure, height: int, font_size: int = 20) -> go.Figure:
    """The figure for a projector: taller, every text in it `font_size` or larger. Axes, legend,
    subplot titles and heatmap cells are each set: the app's plotly theme gives them their own sizes,
    which the layout's font does not override."""
    fig.update_layout(height=height, font=dict(size=font_size), title_font_size=font_size + 4,
                      legend_font_size=font_size)
    fig.update_xaxes(tickfont_size=font_size, title_font_size=font_size + 2)
    fig.update_yaxes(tickfont_size=font_size, title_font_size=font_size + 2)
    fig.update_annotations(font_size=font_size + 4)
    fig.update_traces(textfont_size=font_size, selector=dict(type="heatmap"))
    return fig


def per_class_figure(accuracy: np.ndarray, class_names, labels: dict[str, str]) -> go.Figure:
    accuracy = np.asarray(accuracy, dtype=float)
    low = max(0.0, float(np.min(accuracy)) - 0.05) if len(accuracy) else 0.0
    return _figure([{
        "type": "bar", "x": [str(c) for c in class_names], "y": accuracy.tolist(), "marker": {"color": TRAIN_COLOR},
        "text": [f"{a:.1%}" for a in accuracy], "textposition": "inside", "insidetextanchor": "end",
    }], {
        "height": 300, "margin": MARGIN, "title": {"text": labels["title"]},
        "yaxis": {"range": [low, 1.0], "tickformat": ".0%"}, "xaxis": {"type": "category"},
    })


def pixel_figure(image: np.ndarray, scale: float, labels: dict[str, str]) -> go.Figure:
    """One digit's pixels as a heatmap with each value written in its cell."""
    values = np.asarray(image, dtype=np.float64) * scale
    text = [[f"{v:.0f}" if scale == 1 else (f"{v:.2f}".lstrip("0") if v else "0") for v in row] for row in values]
    return _figure([{
        "type": "heatmap", "z": values.tolist(), "text": text, "texttemplate": "%{text}", "textfont": {"size": 7},
        "colorscale": _colorscale("gray"), "zmin": 0, "zmax": 255 * scale, "showscale": True,
        "hovertemplate": labels.get("hover", "row %{y}, column %{x}: %{z}") + "<extra></extra>",
    }], {
        "height": 560, "margin": MARGIN, "title": {"text": labels["title"]},
        "yaxis": {"autorange": "reversed", "scaleanchor": "x", "constrain": "domain"},
        "xaxis": {"constrain": "domain"},
    })


def class_count_figure(train_counts, test_counts, class_names, labels: dict[str, str]) -> go.Figure:
    names = [str(c) for c in class_names]
    return _figure([
        {"type": "bar", "x": names, "y": list(train_counts), "name": labels["train"], "marker": {"color": TRAIN_COLOR}},
        {"type": "bar", "x": names, "y": list(test_counts), "name": labels["test"], "marker": {"color": VAL_COLOR}},
    ], {"height": 320, "margin": MARGIN, "title": {"text": labels["title"]}, "barmode": "group",
        "xaxis": {"type": "category"}})


PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
OVERLAY_PALETTE = PALETTE[:4]  # live runs side by side: few, in the strongest colours


def history_figure(series: list[dict], labels: dict[str, str]) -> go.Figure:
    """Curves of several runs on shared axes: each series is {"name", "epochs", "loss", "accuracy",
    "val_loss", "val_accuracy"} (lists; validation may be empty), and optionally "batch_x",
    "batch_loss", "batch_accuracy": the smoothed batch curve, drawn thin in place of the per-epoch
    training points (x in epochs, so both kinds of series share the axis)."""
    layout = _two_panels(labels["loss"], labels["accuracy"])
    data = []
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        for col, key in ((1, "loss"), (2, "accuracy")):
            if s.get("batch_x"):
                data.append(_in_panel({
                    "type": "scatter", "x": list(s["batch_x"]), "y": list(s[f"batch_{key}"]), "mode": "lines",
                    "name": f"{s['name']} · {labels['batch']}", "line": {"color": color, "width": 1},
                    "opacity": 0.6, "legendgroup": f"{i}t", "showlegend": col == 1,
                }, col))
            else:
                data.append(_in_panel({
                    "type": "scatter", "x": list(s["epochs"]), "y": list(s[key]), "mode": "lines+markers",
                    "name": f"{s['name']} · {labels['train']}", "line": {"color": color, "dash": "dot"},
                    "legendgroup": f"{i}t", "showlegend": col == 1,
                }, col))
            if s.get(f"val_{key}"):
                data.append(_in_panel({
                    "type": "scatter", "x": list(s["epochs"]), "y": list(s[f"val_{key}"]), "mode": "lines+markers",
                    "name": f"{s['name']} · {labels['validation']}", "line": {"color": color},
                    "legendgroup": f"{i}v", "showlegend": col == 1,
                }, col))
    for col in (1, 2):
        _axis(layout, "x", col).update(title={"text": labels["epoch"]}, rangemode="tozero")
    _accuracy_axis(layout["yaxis2"])
    layout.update(height=420, margin=MARGIN, legend={**LEGEND_BELOW, "y": -0.18})
    return _figure(data, layout)


def overlay_figure(snapshots: dict, labels: dict[str, str], log_loss: bool = False) -> go.Figure:
    """Several live runs on shared axes: each run's smoothed batch curve, thin, and its
    validation per epoch, bold. `snapshots` maps a run's name to its Snapshot. With `log_loss`
    the loss axis is logarithmic, so that a loss of 100 and one of 0.1 both show."""
    layout = _two_panels(labels["loss"], labels["accuracy"])
    data = []
    for i, (name, snap) in enumerate(snapshots.items()):
        color = OVERLAY_PALETTE[i % len(OVERLAY_PALETTE)]
        for col, batch_values, val_attr in ((1, snap.batch_loss, "val_loss"), (2, snap.batch_accuracy, "val_accuracy")):
            val = [(e.epoch, getattr(e, val_attr)) for e in snap.epochs if getattr(e, val_attr) is not None]
            data += [_in_panel(trace, col) for trace in (
                _line(snap.batch_x, batch_values, f"{name} · {labels['batch']}", color, 1, mode="lines",
                      opacity=0.5, legendgroup=f"{i}b", showlegend=col == 1),
                _line([v[0] for v in val], [v[1] for v in val], f"{name} · {labels['validation']}", color, 3,
                      mode="lines+markers", legendgroup=f"{i}v", showlegend=col == 1),
            )]
    for col in (1, 2):
        _axis(layout, "x", col).update(title={"text": labels["epoch"]}, rangemode="tozero")
    if log_loss:
        layout["yaxis"]["type"] = "log"
    _accuracy_axis(layout["yaxis2"])
    layout.update(height=420, margin=MARGIN, legend={**LEGEND_BELOW, "y": -0.18}, uirevision="overlay")
    return _figure(data, layout)


CURVE_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")


def robustness_figure(curves: dict[str, dict], labels: dict[str, str]) -> go.Figure:
    """Test accuracy against shift (left) and rotation (right), one line per model.

    `curves` maps a model's label to its {"shift": Curve, "rotation": Curve}; `labels` holds the
    translated texts: shift_title, rotation_title, shift_axis, rotation_axis, accuracy_axis."""
    layout = _two_panels(labels["shift_title"], labels["rotation_title"])
    data = []
    for i, (name, model_curves) in enumerate(curves.items()):
        color = CURVE_COLORS[i % len(CURVE_COLORS)]
        for col, parameter in ((1, "shift"), (2, "rotation")):
            curve = model_curves[parameter]
            data.append(_in_panel(_line(
                curve.values, curve.accuracies, name, color, 2.5, mode="lines+markers", legendgroup=name,
                showlegend=col == 1, hovertemplate="%{x}: %{y:.1%}<extra>" + name + "</extra>",
            ), col))
    layout["xaxis"].update(title={"text": labels["shift_axis"]}, dtick=1)
    layout["xaxis2"].update(title={"text": labels["rotation_axis"]}, dtick=15)
    for axis in (layout["yaxis"], layout["yaxis2"]):
        axis.update(tickformat=".0%", range=[0, 1.02])
    layout["yaxis"]["title"] = {"text": labels["accuracy_axis"]}
    layout.update(height=380, margin=MARGIN, legend={**LEGEND_BELOW, "y": -0.22})
    return _figure(data, layout)
