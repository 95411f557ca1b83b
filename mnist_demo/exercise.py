"""Exercise links: a URL that opens the Train page with settings preset and chosen controls locked.

    /train?preset=mlp-64&epochs=3&normalize=0&lock=epochs,normalize

The parameters are named as the settings are. A link is read, never trusted: a value out of range
is brought to the nearest offered one and an unknown one is left out, each with a notice the page
shows (an i18n key and its values); reading a link never raises. `exercise_link` writes one."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from .choices import BATCH_SIZES, DROPOUT, EPOCHS, LEARNING_RATES, sanitized
from .datasets import DATASETS
from .i18n import LANGUAGE_NAMES
from .models import KINDS, OPTIMIZERS, PRESETS, preset, presets_for, width_of

PARAMS = ("preset", "kind", "epochs", "batch_size", "learning_rate", "optimizer", "dropout", "normalize",
          "dataset", "lang")
LOCK_PARAM = "lock"
CLASS_PARAM = "class"
NUMBERS = {"epochs": int, "batch_size": int, "learning_rate": float, "dropout": float}
TRUE, FALSE = ("1", "true", "on", "yes"), ("0", "false", "off", "no")


@dataclass(frozen=True)
class Notice:
    """What the page tells the learner about one parameter: `key` is an i18n key."""

    key: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Exercise:
    """A read link: the settings it gives, the names of the controls it locks, what was changed."""

    settings: dict
    locked: frozenset[str]
    notices: tuple[Notice, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.settings or self.locked)


def _first(params: Mapping, name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return None if value is None else str(value).strip()


def preset_settings(name: str) -> dict:
    """Every Train setting a preset sets (as choosing it on the page does), epochs within range."""
    spec = preset(name)
    return {"kind": spec.kind, "preset": name, "epochs": min(spec.epochs, EPOCHS[1]),
            "batch_size": spec.batch_size, "learning_rate": spec.learning_rate, "optimizer": spec.optimizer,
            "dropout": spec.dropout, "width": width_of(spec)}


def _number(name: str, text: str, notices: list) -> float | None:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        notices.append(Notice("teacher.exercise.unknown", {"name": name, "value": text}))
        return None
    return value


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def read_exercise(params: Mapping) -> Exercise:
    """The exercise a link's query parameters describe (see the module docstring)."""
    settings: dict = {}
    notices: list[Notice] = []
    given = {name: _first(params, name) for name in PARAMS}
    given = {name: value for name, value in given.items() if value not in (None, "")}

    def unknown(name):
        notices.append(Notice("teacher.exercise.unknown", {"name": name, "value": given[name]}))

    kind = given.get("kind")
    if kind is not None and kind not in KINDS:
        unknown("kind")
        kind = None
    name = given.get("preset")
    if name is not None and name not in PRESETS:
        unknown("preset")
        name = None
    if name is not None:
        settings.update(preset_settings(name))
        if kind is not None and kind != settings["kind"]:
            notices.append(Notice("teacher.exercise.kind_of_preset", {"preset": name, "kind": settings["kind"]}))
    elif kind is not None:
        settings.update(preset_settings(presets_for(kind)[0]))

    offered = {"epochs": EPOCHS, "batch_size": BATCH_SIZES, "learning_rate": LEARNING_RATES, "dropout": DROPOUT}
    for name, cast in NUMBERS.items():
        if name not in given:
            continue
        value = _number(name, given[name], notices)
        if value is None:
            continue
        used = sanitized({name: value}, max_train_images=1)[name]
        used = cast(used) if cast is int else round(used, 6)
        if not _same(used, value):
            notices.append(Notice("teacher.exercise.clamped", {
                "name": name, "value": given[name], "used": used,
                "low": offered[name][0], "high": offered[name][-1]}))
        settings[name] = used

    if "optimizer" in given:
        if given["optimizer"].lower() in OPTIMIZERS:
            settings["optimizer"] = given["optimizer"].lower()
        else:
            unknown("optimizer")
    if "normalize" in given:
        flag = given["normalize"].lower()
        if flag in TRUE + FALSE:
            settings["normalize"] = flag in TRUE
        else:
            unknown("normalize")
    for name, allowed in (("dataset", DATASETS), ("lang", LANGUAGE_NAMES)):
        if name in given:
            if given[name] in allowed:
                settings[name] = given[name]
            else:
                unknown(name)

    locked = set()
    for name in filter(None, (part.strip() for part in (_first(params, LOCK_PARAM) or "").split(","))):
        if name in PARAMS:
            locked.add(name)
        else:
            notices.append(Notice("teacher.exercise.unknown_lock", {"name": name}))
    if "preset" in locked:
        locked.add("kind")  # another kind would choose another preset
    return Exercise(settings, frozenset(locked), tuple(notices))


def exercise_params(settings: Mapping, locked=(), class_code: str = "") -> dict[str, str]:
    """The query parameters of a link for these settings (only the names in PARAMS) and locks."""
    out = {}
    for name in PARAMS:
        if name not in settings or settings[name] is None:
            continue
        value = settings[name]
        if isinstance(value, bool):
            value = int(value)
        elif isinstance(value, float):
            value = f"{value:g}"
        out[name] = str(value)
    lock = [name for name in PARAMS if name in set(locked)]
    if lock:
        out[LOCK_PARAM] = ",".join(lock)
    if class_code:
        out[CLASS_PARAM] = class_code
    return out


def exercise_link(base: str, settings: Mapping, locked=(), class_code: str = "") -> str:
    """`base` (the Train page's address) with the exercise's query string."""
    query = urlencode(exercise_params(settings, locked, class_code), safe=",")
    return f"{base.split('?', 1)[0]}?{query}" if query else base


def query_signature(params: Mapping) -> tuple:
    """What of a URL makes an exercise: the same signature is the same exercise, applied once."""
    return tuple((name, _first(params, name)) for name in (*PARAMS, LOCK_PARAM) if _first(params, name))


def qr_png(link: str, scale: int = 8) -> bytes:
    """The link as a QR code (PNG), large enough to scan from the back of a room off a projector."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
