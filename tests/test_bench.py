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


def test_load_summary_counts_latencies_while_training_and_outcomes():
    import argparse

    from bench.load import Student, summary, training_windows

    a, b = Student(0, "browser"), Student(1, "websocket")
    a.training_seen = [10.0, 11.0, 12.0]  # a training ran from 10 to 12 s
    b.training_seen = [30.0, 31.0]
    a.latencies = [(11.5, 0.8), (20.0, 0.3)]
    b.latencies = [(30.5, 0.2), (40.0, 0.1), (41.0, 0.05)]
    a.outcome, b.outcome = "finished", "stopped"
    b.crashes = ["predict: TimeoutError"]
    assert training_windows([a, b]) == [(10.0, 12.0), (30.0, 31.0)]
    args = argparse.Namespace(students=2, browsers=1, minutes=1.0, think=2.0)
    out = summary({"people": [a, b], "rss_mb": [100.0, 250.0], "cpu_percent": 50.0, "elapsed_s": 60.0}, args)
    assert out["predictions"]["browser, while training"] == {"count": 1, "p50_s": 0.8, "p95_s": 0.8, "max_s": 0.8}
    assert out["predictions"]["websocket, while training"]["count"] == 1
    assert out["predictions"]["websocket"]["count"] == 3
    assert out["trainings"] == {"finished": 1, "stopped": 1}
    assert out["crashes"] == 1 and "student 1 (websocket)" in out["crash_details"][0]
    assert out["server_rss_mb_max"] == 250.0 and out["training_seconds_observed"] == 3.0
