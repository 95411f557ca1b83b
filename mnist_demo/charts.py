"""Plotly figures for the pages: training curves, probabilities, digit grids."""

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
    fig.update_layout(
        height=360, margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=-0.35), uirevision="training",
    )
    return fig


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


def digit_image(image: np.ndarray, scale: int = 8) -> np.ndarray:
    """A small grey image blown up with hard pixel edges, for display."""
    return np.kron(np.asarray(image, dtype=np.uint8), np.ones((scale, scale), np.uint8))
