"""Every user-facing text of the app, by key, in English and Japanese, and the one function that looks them up.

Keys start with the page that shows them (`home.`, `train.`, `draw.`, `evaluate.`, `compare.`,
`data.`, `frame.` for the sidebar and navigation), `common.` for texts several pages show, and
`error.` for the errors the library raises (see `mnist_demo.errors`). Both catalogs list the
same keys in the same order, so a missing translation shows up as a diff of two files."""

from __future__ import annotations

from . import en, ja

DEFAULT_LANGUAGE = "en"
CATALOG: dict[str, dict[str, str]] = {"en": en.CATALOG, "ja": ja.CATALOG}
LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}
UNKNOWN_LOCALE_LANGUAGE = "ja"  # the language of a session whose browser does not say, or says neither


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The text for `key` in `lang` (falling back to English), with `{name}` fields filled in."""
    text = CATALOG.get(lang, {}).get(key) or CATALOG[DEFAULT_LANGUAGE].get(key)
    if text is None:
        raise KeyError(f"no text for {key!r}")
    return text.format(**values) if values else text


def translate_count(key: str, n: int, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """`key`'s text for a count: `<key>.one` when `n` is 1, else `<key>.other`, with `{n}` filled in."""
    return translate(f"{key}.{'one' if n == 1 else 'other'}", lang, n=n, **values)


def languages() -> list[str]:
    return list(CATALOG)


def language_for_locale(locale: str | None) -> str:
    """The app language for a browser language tag (`st.context.locale`, navigator.language):
    "ja-JP" -> "ja", "en-US" -> "en", anything else or nothing -> Japanese."""
    primary = (locale or "").strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGE_NAMES else UNKNOWN_LOCALE_LANGUAGE
