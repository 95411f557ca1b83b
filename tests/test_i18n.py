"""Japanese is a first-class language: a complete catalog, every page rendered in it, the browser's choice."""

import re
import string

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from harness.drawing import SEVEN, canvas_value
from harness.server import APP
from mnist_demo import i18n, models
from mnist_demo.i18n.ja import CATALOG as JA
from mnist_demo.render import render_strokes

from .conftest import requires_mnist

EN = i18n.CATALOG["en"]
PAGES = ["home", "train", "draw", "robustness", "evaluate", "compare", "data"]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# --- the catalog ---------------------------------------------------------------------------------

def test_japanese_is_registered():
    assert i18n.CATALOG["ja"] is JA
    assert set(i18n.languages()) == {"en", "ja"} == set(i18n.LANGUAGE_NAMES)


def test_every_key_exists_in_both_languages():
    assert sorted(set(EN) - set(JA)) == [], "English keys without a Japanese text"
    assert sorted(set(JA) - set(EN)) == [], "Japanese keys that English does not have"


def test_both_catalogs_list_their_keys_in_one_order():
    assert list(EN) == list(JA)


def test_keys_start_with_their_page_or_a_shared_group():
    groups = {"frame", "common", "home", "train", "draw", "robust", "evaluate", "compare", "data", "teacher", "error"}
    assert sorted({key.split(".")[0] for key in EN} - groups) == []
    seen: list[str] = []
    for key in EN:  # one block per group: a group's keys are not scattered through the file
        group = key.split(".")[0]
        if not seen or seen[-1] != group:
            assert group not in seen, f"{key} is away from the other {group}.* keys"
            seen.append(group)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_no_empty_texts(lang):
    assert [k for k, v in i18n.CATALOG[lang].items() if not v.strip()] == []


def test_same_placeholders_in_both_languages():
    assert {k: (_fields(EN[k]), _fields(JA[k])) for k in EN if k in JA and _fields(EN[k]) != _fields(JA[k])} == {}


def test_japanese_texts_format_like_english():
    for key, text in EN.items():
        values = {name: "x" for name in _fields(text)}
        i18n.translate(key, "ja", **values)


def test_every_preset_has_a_description_in_both_languages():
    for name in models.PRESETS:
        assert f"common.preset.{name}" in EN and f"common.preset.{name}" in JA


def test_translate_reads_the_japanese_catalog():
    assert i18n.translate("train.title", "ja") == JA["train.title"]
    assert i18n.translate("frame.training", "ja", label="a", epoch=1, epochs=3) == "a: エポック 1/3"


def test_learners_terms_are_used():
    text = "\n".join(JA.values())
    for term in ("エポック", "バッチサイズ", "学習率", "正規化", "損失", "正解率", "過学習", "畳み込み", "全結合層",
                 "ドロップアウト", "ワンホット表現"):
        assert term in text, term
    for key, english in (("train.epochs_help", "epoch"), ("train.batch_size_help", "batch size"),
                         ("train.learning_rate_help", "learning rate"), ("train.dropout_help", "dropout")):
        assert f"({english})" in JA[key], key


# --- the default language -------------------------------------------------------------------------

@pytest.mark.parametrize("locale, lang", [
    ("ja", "ja"), ("ja-JP", "ja"), ("JA-jp", "ja"), ("ja_JP", "ja"),
    ("en", "en"), ("en-US", "en"), ("en-GB", "en"), ("EN_us", "en"),
    (None, "ja"), ("", "ja"), ("de-DE", "ja"), ("fr", "ja"), ("zh-CN", "ja"), ("  ", "ja"),
])
def test_language_for_locale(locale, lang):
    assert i18n.language_for_locale(locale) == lang


# --- the pages in Japanese ------------------------------------------------------------------------

def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, v in value.items():
            if key not in ("data", "arrowData", "bytes"):
                yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _rendered(at) -> str:
    """Every string the page sent to the browser: titles, markdown, labels, help, options, chart specs, columns."""
    out, stack = [], [at._tree]
    while stack:
        node = stack.pop()
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.extend(_strings(MessageToDict(proto)))
        stack.extend(getattr(node, "children", {}).values())
    for frame in at.dataframe:
        out.extend(str(c) for c in frame.value.columns)
    return "\n".join(out)


def _english_phrases():
    """Pieces of English catalog texts of four words or more, that the Japanese text of the key does not contain."""
    for key, text in EN.items():
        if JA.get(key) == text:
            continue
        for piece in re.split(r"\{[^}]*\}|\*\*|\n", text):
            piece = piece.strip(" .,:;()-")
            if len(piece.split()) >= 4 and piece not in JA.get(key, ""):
                yield key, piece


ENGLISH_PHRASES = list(_english_phrases())


def _japanese_app(page: str, **context) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.context = context
    at.session_state["lang"] = "ja"
    at.run()
    if page != "home":
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@requires_mnist
@pytest.mark.parametrize("page", PAGES)
def test_page_in_japanese_shows_no_english_catalog_text(page):
    at = _japanese_app(page, locale="en-US")  # the session's choice wins over the browser's language
    if page == "draw":
        at.session_state["draw_canvas_0"] = canvas_value(render_strokes(SEVEN, fraction=0.6))
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert "## 予測: 7" in _rendered(at)
    text = _rendered(at)
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text)
    found = sorted({(key, piece) for key, piece in ENGLISH_PHRASES if piece in text})
    assert found == [], f"English on the Japanese {page} page"
    expected_title = {"home": "home.title", "train": "train.title", "draw": "draw.title.mnist",
                      "evaluate": "evaluate.title", "compare": "compare.title"}.get(page)
    if expected_title:
        assert at.title[0].value == JA[expected_title]
    if page == "train":
        presets = at.selectbox(key="preset")
        assert presets.value == "mlp-512x2" and JA["common.preset.mlp-512x2"] in [c.value for c in at.caption]
        assert at.slider(key="epochs").label == "エポック数"
        assert at.slider(key="epochs").help.startswith("エポック (epoch)")


@requires_mnist
def test_train_page_follows_the_browser_and_the_switch():
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.context = {"locale": "ja-JP"}
    at.run()
    at.switch_page("pages/train.py")
    at.run()
    assert at.title[0].value == "モデルを学習させる" and at.session_state["lang"] == "ja"
    switch = at.radio(key="lang")
    assert switch.value == "ja" and switch.label == JA["frame.language"]
    switch.set_value("en").run()
    assert at.title[0].value == EN["train.title"]
    at.run()
    assert at.session_state["lang"] == "en" and at.title[0].value == EN["train.title"]  # remembered


def test_a_browser_that_says_nothing_gets_japanese():
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception and at.session_state["lang"] == "ja"
    assert at.title[0].value == JA["home.title"]


def test_counts_read_as_words_in_both_languages():
    assert i18n.translate_count("train.more", 1) == "Train 1 more epoch"
    assert i18n.translate_count("train.more", 3) == "Train 3 more epochs"
    assert i18n.translate_count("train.more", 3, "ja") == "さらに 3 エポック学習"
    assert "epoch(s)" not in " ".join(i18n.CATALOG["en"].values())
