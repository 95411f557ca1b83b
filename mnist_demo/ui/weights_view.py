"""The Train page's weights that form while it trains: the first layer's latest snapshot as pictures
(`weight_pictures`), redrawn with the live progress."""

from __future__ import annotations

import streamlit as st

from .. import explain
from ..weight_pictures import WeightPictures
from .text import t


def weights_forming(snapshots, large: bool = False) -> None:
    """The latest first-layer snapshot of a run's progress (`Snapshot.weights`), if it has one;
    `large` draws it for a projector: fewer columns, bigger pixels."""
    if not snapshots:
        return
    latest = WeightPictures.from_dict(snapshots[-1])
    dense = latest.kind == "dense"
    st.markdown(f"**{t('train.weights.title_dense' if dense else 'train.weights.title_conv')}**")
    scale = 4 if dense else max(2, 40 // latest.pictures.shape[1])
    columns = 8 if dense else 16
    if large:
        scale, columns = scale * 2, columns // 2
    st.image(explain.picture_grid(latest.pictures, columns, scale, gap=2), output_format="PNG",
             caption=t("train.weights.caption", layer=latest.layer, at=f"{latest.at:.2f}",
                       scale=f"{latest.scale:.3g}"))
