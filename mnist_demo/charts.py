"""Plotly figures for the pages: training curves, probabilities, confusion and per-class charts."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#ff7f0e"


def training_figure(snap, labels: dict[str, str]) -> go.Figure:
    """Loss and accuracy side by side: per batch (smoothed), per epoch, validation per epoch.

    `labels` holds the translated texts: loss, accuracy, epoch, batch, train_epoch, validation."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(labels["loss"], labels["accuracy"]))
    epochs = [e.epoch for e in snap.epochs]
    for col, batch_values, epoch_attr, val_attr in (
        (1, snap.batch_loss, "loss", "val_loss"),
        (2, snap.batch_accuracy, "accuracy", "val_accuracy"),
    ):
        legend = col == 1
        fig.add_trace(go.Scatter(
            x=list(snap.batch_x), y=list(batch_values), mode="lines", name=labels["batch"],
            line=dict(color=TRAIN_COLOR, width=1), opacity=0.45, legendgroup="batch", showlegend=legend,
        ), row=1, col=col)
        fig.add_trace(go.Scatter(
            x=epochs, y=[getattr(e, epoch_attr) for e in snap.epochs], mode="lines+markers",
            name=labels["train_epoch"], line=dict(color=TRAIN_COLOR, width=2.5),
            legendgroup="train", showlegend=legend,
        ), row=1, col=col)
        val = [(e.epoch, getattr(e, val_attr)) for e in snap.epochs if getattr(e, val_attr) is not None]
        fig.add_trace(go.Scatter(
            x=[v[0] for v in val], y=[v[1] for v in val], mode="lines+markers", name=labels["validation"],
            line=dict(color=VAL_COLOR, width=2.5), legendgroup="val", showlegend=legend,
        ), row=1, col=col)
        fig.update_xaxes(title_text=labels["epoch"], rangemode="tozero", row=1, col=col)
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    _accuracy_axis(fig, col=2)
    fig.update_layout(
        height=380, margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.22, x=0), uirevision="training",
    )
    return fig


def _accuracy_axis(fig: go.Figure, col: int) -> None:
    """An accuracy axis in percent that never reaches past 100 %."""
    fig.update_yaxes(tickformat=".0%", autorangeoptions=dict(maxallowed=1.0, minallowed=0.0), row=1, col=col)


def probability_figure(probabilities: np.ndarray, class_names, labels: dict[str, str]) -> go.Figure:
    probabilities = np.asarray(probabilities, dtype=float)
    best = int(np.argmax(probabilities))
    colors = [VAL_COLOR if i == best else TRAIN_COLOR for i in range(len(probabilities))]
    fig = go.Figure(go.Bar(
        x=[str(c) for c in class_names], y=probabilities, marker_color=colors,
        text=[f"{p:.0%}" for p in probabilities], textposition="outside",
    ))
    fig.update_layout(
        height=300, margin=dict(l=10, r=10, t=30, b=10), title=labels["title"],
        yaxis=dict(range=[0, 1.1], tickformat=".0%", title=labels["probability"]),
        xaxis=dict(type="category", title=labels["class"]),
    )
    return fig


def confusion_figure(confusion: np.ndarray, class_names, labels: dict[str, str],
                     mistakes_scale: bool = False) -> go.Figure:
    """Rows: true class, columns: predicted class; the diagonal is what the model got right.
    With `mistakes_scale` the colours reach their darkest at the largest mistake (the diagonal is
    darkest throughout), so that which classes are confused shows at a glance.

    Streamlit cannot select heatmap cells, so an invisible square marker sits on every cell:
    clicking a cell selects its marker, whose x and y are the predicted and true class."""
    confusion = np.asarray(confusion)
    names = [str(c) for c in class_names]
    fig = go.Figure(go.Heatmap(
        z=confusion, x=names, y=names, colorscale="Blues", text=confusion, texttemplate="%{text}",
        hoverinfo="skip", showscale=False, zmin=0 if mistakes_scale else None,
        zmax=max(1, int((confusion - np.diag(np.diag(confusion))).max())) if mistakes_scale else None,
    ))
    cells = [(x, y, int(confusion[i, j])) for i, y in enumerate(names) for j, x in enumerate(names)]
    fig.add_trace(go.Scatter(
        x=[c[0] for c in cells], y=[c[1] for c in cells], customdata=[c[2] for c in cells], mode="markers",
        marker=dict(symbol="square", size=34, color="rgba(0,0,0,0.01)"), showlegend=False,
        hovertemplate=labels["hover"].replace("%{z}", "%{customdata}") + "<extra></extra>",
        selected=dict(marker=dict(color="rgba(255,127,14,0.35)")),
        unselected=dict(marker=dict(opacity=1)),
    ))
    fig.update_layout(
        height=520, margin=dict(l=10, r=10, t=40, b=10), title=labels["title"], clickmode="event+select",
        xaxis=dict(title=labels["predicted"], type="category", side="top"),
        yaxis=dict(title=labels["true"], type="category", autorange="reversed"),
    )
    return fig


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
    fig = go.Figure(go.Bar(
        x=[str(c) for c in class_names], y=accuracy, marker_color=TRAIN_COLOR,
        text=[f"{a:.1%}" for a in accuracy], textposition="inside", insidetextanchor="end",
    ))
    low = max(0.0, float(np.min(accuracy)) - 0.05) if len(accuracy) else 0.0
    fig.update_layout(
        height=300, margin=dict(l=10, r=10, t=40, b=10), title=labels["title"],
        yaxis=dict(range=[low, 1.0], tickformat=".0%"), xaxis=dict(type="category"),
    )
    return fig


def pixel_figure(image: np.ndarray, scale: float, labels: dict[str, str]) -> go.Figure:
    """One digit's pixels as a heatmap with each value written in its cell."""
    values = np.asarray(image, dtype=np.float64) * scale
    text = [[f"{v:.0f}" if scale == 1 else (f"{v:.2f}".lstrip("0") if v else "0") for v in row] for row in values]
    fig = go.Figure(go.Heatmap(
        z=values, text=text, texttemplate="%{text}", textfont=dict(size=7), colorscale="gray",
        zmin=0, zmax=255 * scale, showscale=True,
        hovertemplate=labels.get("hover", "row %{y}, column %{x}: %{z}") + "<extra></extra>",
    ))
    fig.update_layout(
        height=560, margin=dict(l=10, r=10, t=40, b=10), title=labels["title"],
        yaxis=dict(autorange="reversed", scaleanchor="x", constrain="domain"), xaxis=dict(constrain="domain"),
    )
    return fig


def class_count_figure(train_counts, test_counts, class_names, labels: dict[str, str]) -> go.Figure:
    names = [str(c) for c in class_names]
    fig = go.Figure([
        go.Bar(x=names, y=train_counts, name=labels["train"], marker_color=TRAIN_COLOR),
        go.Bar(x=names, y=test_counts, name=labels["test"], marker_color=VAL_COLOR),
    ])
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=40, b=10), title=labels["title"], barmode="group",
                      xaxis=dict(type="category"))
    return fig


def history_figure(series: list[dict], labels: dict[str, str]) -> go.Figure:
    """Per-epoch curves of several runs on shared axes: each series is
    {"name", "epochs", "loss", "accuracy", "val_loss", "val_accuracy"} (lists; validation may be empty)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(labels["loss"], labels["accuracy"]))
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
    for i, s in enumerate(series):
        color = palette[i % len(palette)]
        for col, key in ((1, "loss"), (2, "accuracy")):
            fig.add_trace(go.Scatter(
                x=s["epochs"], y=s[key], mode="lines+markers", name=f"{s['name']} · {labels['train']}",
                line=dict(color=color, dash="dot"), legendgroup=f"{i}t", showlegend=col == 1,
            ), row=1, col=col)
            if s.get(f"val_{key}"):
                fig.add_trace(go.Scatter(
                    x=s["epochs"], y=s[f"val_{key}"], mode="lines+markers",
                    name=f"{s['name']} · {labels['validation']}", line=dict(color=color),
                    legendgroup=f"{i}v", showlegend=col == 1,
                ), row=1, col=col)
        fig.update_xaxes(title_text=labels["epoch"])
    _accuracy_axis(fig, col=2)
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))
    return fig


def overlay_figure(snapshots: dict, labels: dict[str, str], log_loss: bool = False) -> go.Figure:
    """Several live runs on shared axes: each run's smoothed batch curve, thin, and its
    validation per epoch, bold. `snapshots` maps a run's name to its Snapshot. With `log_loss`
    the loss axis is logarithmic, so that a loss of 100 and one of 0.1 both show."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(labels["loss"], labels["accuracy"]))
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    for i, (name, snap) in enumerate(snapshots.items()):
        color = palette[i % len(palette)]
        for col, batch_values, val_attr in ((1, snap.batch_loss, "val_loss"), (2, snap.batch_accuracy, "val_accuracy")):
            fig.add_trace(go.Scatter(
                x=list(snap.batch_x), y=list(batch_values), mode="lines", name=f"{name} · {labels['batch']}",
                line=dict(color=color, width=1), opacity=0.5, legendgroup=f"{i}b", showlegend=col == 1,
            ), row=1, col=col)
            val = [(e.epoch, getattr(e, val_attr)) for e in snap.epochs if getattr(e, val_attr) is not None]
            fig.add_trace(go.Scatter(
                x=[v[0] for v in val], y=[v[1] for v in val], mode="lines+markers",
                name=f"{name} · {labels['validation']}", line=dict(color=color, width=3),
                legendgroup=f"{i}v", showlegend=col == 1,
            ), row=1, col=col)
            fig.update_xaxes(title_text=labels["epoch"], rangemode="tozero", row=1, col=col)
    if log_loss:
        fig.update_yaxes(type="log", row=1, col=1)
    _accuracy_axis(fig, col=2)
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.18, x=0), uirevision="overlay")
    return fig


CURVE_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")


def robustness_figure(curves: dict[str, dict], labels: dict[str, str]) -> go.Figure:
    """Test accuracy against shift (left) and rotation (right), one line per model.

    `curves` maps a model's label to its {"shift": Curve, "rotation": Curve}; `labels` holds the
    translated texts: shift_title, rotation_title, shift_axis, rotation_axis, accuracy_axis."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(labels["shift_title"], labels["rotation_title"]))
    for i, (name, model_curves) in enumerate(curves.items()):
        color = CURVE_COLORS[i % len(CURVE_COLORS)]
        for col, parameter in ((1, "shift"), (2, "rotation")):
            curve = model_curves[parameter]
            fig.add_trace(go.Scatter(
                x=list(curve.values), y=list(curve.accuracies), mode="lines+markers", name=name,
                line=dict(color=color, width=2.5), legendgroup=name, showlegend=col == 1,
                hovertemplate="%{x}: %{y:.1%}<extra>" + name + "</extra>",
            ), row=1, col=col)
    fig.update_xaxes(title_text=labels["shift_axis"], dtick=1, row=1, col=1)
    fig.update_xaxes(title_text=labels["rotation_axis"], dtick=15, row=1, col=2)
    for col in (1, 2):
        fig.update_yaxes(tickformat=".0%", range=[0, 1.02], row=1, col=col)
    fig.update_yaxes(title_text=labels["accuracy_axis"], row=1, col=1)
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.22, x=0))
    return fig
