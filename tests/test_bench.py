"""The benchmark suite's plumbing: one in-process figure in quick mode, and the results writer.

No timing assertions here (house rule): only the shape of what the suite reports."""

import json
import math

import pytest

from bench import common, predict_latency


def test_predict_latency_quick_returns_a_complete_result():
    pytest.importorskip("keras")
    row = predict_latency.run(quick=True)
    for key in common.RESULT_KEYS:
        assert key in row
    assert row["figure"] and row["target"]
    assert isinstance(row["met"], bool)
    for key in ("value", "reference", "ratio"):
        assert isinstance(row[key], float) and math.isfinite(row[key]) and row[key] > 0, (key, row[key])
    assert row["predicted_digit"] in range(10)


def _row(i: int) -> dict:
    return common.result(f"figure {i}", 1.0 + i, 2.0 + i, (1.0 + i) / (2.0 + i), "some target", i % 2 == 0,
                         unit="s", note="a note" if i == 0 else None)


def test_writer_makes_a_six_row_markdown_table_and_json(tmp_path):
    rows = [_row(i) for i in range(5)] + [common.failed("broken", "a target", "RuntimeError: no browser")]
    json_path, md_path = common.write_results(rows, tmp_path, "latest")
    table = [line for line in md_path.read_text().splitlines() if line.startswith("| ")]
    assert table[0].startswith("| figure |")
    assert len(table) - 1 == 6  # header + six rows (the |---| line does not start with "| ")
    text = md_path.read_text()
    assert "CPUs" in text and common.cpu_model() in text
    assert "**no**" in text and "RuntimeError: no browser" in text
    data = json.loads(json_path.read_text())
    assert len(data["results"]) == 6
    assert {"date", "platform", "cpu_count", "cpu_model"} <= set(data["machine"])


def test_percentile_and_median():
    assert common.median([3, 1, 2]) == 2
    assert common.percentile([1, 2, 3, 4, 5], 50) == 3
    assert common.percentile([0, 10], 90) == pytest.approx(9)
