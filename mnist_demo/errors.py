"""The library's one error type: what went wrong as a catalog key and its values.

Every error a person can act on (a damaged data file, a refused model file, a bad name, an
unusable upload) is an `AppError`. Its `key` names a text under `error.` in the catalogs
(`mnist_demo.i18n`), and its `values` fill that text in. A page says it in the learner's
language (`ui.text.explain`); `str()` is the English text, for the command line and the log.
Texts name files, never server paths: a learner must not learn where the server keeps things."""

from __future__ import annotations

from . import i18n


class AppError(Exception):
    group = "app"  # the catalog group below `error.`, set by each subclass

    def __init__(self, reason: str, /, **values):
        self.reason = reason
        self.values = values
        super().__init__(i18n.translate(self.key, i18n.DEFAULT_LANGUAGE, **values))

    @property
    def key(self) -> str:
        return f"error.{self.group}.{self.reason}"

    def __reduce__(self):  # picklable across processes despite the keyword-only values
        return _rebuilt, (type(self), self.reason, self.values)


def _rebuilt(cls, reason: str, values: dict) -> AppError:
    return cls(reason, **values)
