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
    args = argparse.Namespace(students=2, browsers=1, minutes=1.0, think=2.0, replicas=1, ray=False)
    out = summary({"people": [a, b], "rss_mb": [100.0, 250.0], "extra_rss_mb": [], "cpu_percent": 50.0,
                   "elapsed_s": 60.0, "tracebacks": ["TypeError: unsupported format string"]}, args)
    assert out["predictions"]["browser, while training"] == {"count": 1, "p50_s": 0.8, "p95_s": 0.8, "max_s": 0.8}
    assert out["predictions"]["websocket, while training"]["count"] == 1
    assert out["predictions"]["websocket"]["count"] == 3
    assert out["trainings"] == {"finished": 1, "stopped": 1}
    assert out["crashes"] == 1 and "student 1 (websocket)" in out["crash_details"][0]
    assert out["server_rss_mb_max"] == 250.0 and out["training_seconds_observed"] == 3.0
    assert out["server_tracebacks"] == 1 and out["database"] == "sqlite"


def test_load_queue_summary_compares_the_promised_wait_with_the_wait_measured():
    from bench.load import Student, promised_waits, queue_summary

    early, late = Student(0, "websocket"), Student(1, "websocket")
    early.pressed, early.training_seen, early.busy_until = 0.0, [2.0, 3.0], 20.0
    late.pressed, late.training_seen, late.busy_until = 1.0, [101.0], 130.0
    texts = [(0.5, "MLP 512x2: waiting for a free slot, place 1 (about 40 s)"),
             (1.5, "MLP 512x2: waiting for a free slot, place 2 (about 2 min)"),
             (2.0, "MLP 512x2: waiting for a free slot, place 2 (about 2 min)"),  # said again a second later
             (41.0, "MLP 512x2: waiting for a free slot, place 1 (about 30 s)"),
             (95.0, "MLP 512x2: waiting for a free slot, place 1 (about 5 s)")]  # too close to the start to judge
    late.estimates = promised_waits(texts, after=1.0)
    assert late.estimates == [(1.5, 120), (41.0, 30), (95.0, 5)]
    out = queue_summary([early, late])
    assert out["runs_seen_starting"] == 2 and out["wait_max_s"] == 100.0
    assert out["estimates_checked"] == 2 and out["estimates_within_30_percent"] == 1  # 120 for 99.5 s; 30 for 60
    assert out["estimate_abs_error_p50"] == round((abs(120 / 99.5 - 1) + 0.5) / 2, 2)
    assert out["last_run_done_after_s"] == 130.0


def test_load_finds_every_traceback_in_a_server_log_by_its_exception():
    from bench.load import tracebacks

    log = """  You can now view your Streamlit app
Traceback (most recent call last):
  File "app.py", line 82, in training_status
    st.caption(t("frame.training", epoch=snap.epochs_done + 1))
TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'
2026-12-01 ok
Traceback (most recent call last):
  File "x.py", line 1, in <module>
KeyError: 'w'
"""
    assert tracebacks(log) == ["TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'", "KeyError: 'w'"]
    assert tracebacks("  You can now view your Streamlit app\n") == []


def test_drawn_digits_reports_every_width_flags_folds_and_tables(tmp_path):
    import shutil

    from bench import drawn_digits
    from mnist_demo.drawn import DATA_FILE, default_data_dir
    from mnist_demo.storage import default_model_path, read_info

    if not (default_data_dir() / DATA_FILE).is_file():
        pytest.skip(f"no drawn-digits data under {default_data_dir()}")

    fold = tmp_path / "fold.keras"
    shutil.copy(default_model_path(), fold)
    info = read_info(default_model_path())
    info.extra = {**info.extra, "drawing": {"hold_out_sources": ["aga"]}}
    fold.with_suffix(".json").write_text(info.to_json())
    out = tmp_path / "drawn.json"
    result = drawn_digits.main(["--limit", "12", "--widths", "10,28", "--negatives-scale", "0.01", "--no-mnist",
                                "--compare", str(default_model_path()), "--folds", str(fold), "--json", str(out)])
    assert json.loads(out.read_text())["widths"] == [10, 28]
    for report in (result["model"], result["compare"]):
        assert set(report["per_width"]) == {"10", "28"}
        for row in report["per_width"].values():
            assert row["count"] == 12 and 0 <= row["accuracy"] <= 1 and 0 <= row["flagged"] <= 1
        assert set(report["negatives"]["pooled"]) == {"letters", "shapes", "scribbles", "crossed_digits"}
        assert all(0 <= v <= 1 for v in report["negatives"]["pooled"].values())
    # The fold held out "aga", the first 12 samples' source: the same model, so the same answers.
    fold_row = result["leave_sources_out"]["per_width"]["10"]
    assert fold_row["count"] == 12 and fold_row["accuracy"] == result["model"]["per_width"]["10"]["accuracy"]
    assert set(result["model"]["candidates"]) >= {"msp", result["model"]["detector"]}
    tables = drawn_digits.format_tables(result)
    assert "| 10 px |" in tables and "| 28 px |" in tables and "| letters |" in tables
    assert result["latency"]["predict_canvas_p50_ms"] > 0


BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < {seconds}: pass\n"


def _wait_gone(pid: int) -> None:
    import time
    from pathlib import Path

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} still running")


WINDOW_OF_TWO_SECONDS = """
import json, time
from bench import quiet
with quiet.Window() as window:
    time.sleep(2)
print(json.dumps(window.to_dict() | {"other_cpu_seconds": window.other_cpu_seconds}))
"""


def test_a_busy_process_outside_the_bench_marks_its_window_disturbed():
    import json
    import subprocess
    import sys

    from bench.common import PROJECT_ROOT

    # The bench runs in its own process; the burner is this test's child, not the bench's.
    bench = subprocess.Popen([sys.executable, "-c", WINDOW_OF_TWO_SECONDS], cwd=PROJECT_ROOT,
                             stdout=subprocess.PIPE, text=True)
    subprocess.run([sys.executable, "-c", BURN.format(seconds=1.5)], check=True)
    window = json.loads(bench.communicate(timeout=60)[0])
    assert window["other_cpu_seconds"] >= 1.0
    assert window["disturbed"]
    assert len(window["load_before"]) == len(window["load_after"]) == 3


def test_the_bench_s_own_descendants_are_not_other_work_even_when_orphaned():
    import subprocess
    import sys

    from bench import quiet

    with quiet.Window() as child:
        subprocess.run([sys.executable, "-c", BURN.format(seconds=1.5)], check=True)
    assert child.own_cpu_seconds >= 1.4
    with quiet.Window() as orphan:
        # The shell exits at once and leaves the burner without a parent (as Chromium's helpers
        # are when the browser closes): it is adopted by the bench, not by init.
        out = subprocess.run(["sh", "-c", f'"{sys.executable}" -c "$0" >/dev/null 2>&1 & echo $!',
                              BURN.format(seconds=1.5)], capture_output=True, text=True, check=True)
        _wait_gone(int(out.stdout))
    assert orphan.own_cpu_seconds >= 1.4


def test_the_table_says_where_the_machine_was_and_how_many_attempts_it_took(tmp_path):
    row = _row(1)
    row["machine_window"] = {"load_before": [0.4, 0.5, 0.6], "load_after": [2.1, 1.0, 0.7], "seconds": 30.0,
                             "other_cores": 0.05, "disturbed": False}
    row["attempts"] = [{**row["machine_window"], "other_cores": 1.3, "disturbed": True}, row["machine_window"]]
    _, md_path = common.write_results([row], tmp_path, "latest")
    assert "| 0.4 → 2.1; 0.05 cores (best of 2 attempts) |" in md_path.read_text()


def test_the_load_run_fails_on_any_server_traceback_or_student_crash_and_passes_without():
    from bench.load import failures

    clean = {"traceback_details": [], "crash_details": []}
    assert failures(clean) == []
    assert failures({**clean, "traceback_details": ["TypeError: unsupported format string"]}) == [
        "server traceback: TypeError: unsupported format string"]
    assert failures({**clean, "crash_details": ["student 3 (websocket): predict: TimeoutError"]}) == [
        "student 3 (websocket): predict: TimeoutError"]
