"""A classroom: N students at once on one app server or several replicas, for a bounded time, on loopback only.

    python -m bench.load [--students 10] [--browsers 2] [--minutes 4] [--think 2] [--json PATH]
    python -m bench.load --replicas 2 --ray ...   # two app servers, one PostgreSQL, trainings on Ray

Every student opens the Train page, trains the default MLP for one epoch on all 60,000
images (the server trains MNIST_DEMO_MAX_TRAININGS at a time, the rest queue), then until
time is up: opens Draw, draws a 7 or a 1, waits for the prediction, visits another page,
pausing `--think` seconds between actions. At the end each student stops its training if
it still runs and waits until the Train page says finished or stopped.

`--browsers` students are real Chromium tabs drawing with the mouse; the others are
`harness.ws_session` clients, which speak the browser's websocket protocol without rendering
anything (10 tabs on 2 cores would measure the tabs, not the server). Reported: crashes
(exceptions on a page, sessions the server dropped, harness errors; a websocket student's
crash lists the runs the server started and ended around its last request), prediction latency
p50/p95 for each kind of student over the whole run and while a training was running
(browser: mouse-up to the prediction shown; websocket: canvas value sent to the prediction
received), each training's outcome, queue waits against the wait the page promised, every
traceback in the server logs, the servers' peak RSS (summed over replicas; the Ray head's
apart) and CPU, and the load average before and after. The run fails (exit status 1) on any
traceback in a server log and on any student's crash.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.common import percentile
from harness.browser import CANVAS, CHROMIUM, CHROMIUM_ARGS, IDLE, PREDICTION_HEADING, SIDEBAR_NAV, draw_strokes_async
from harness.drawing import ONE, SEVEN, canvas_json, drawn
from harness.server import cpu_seconds, rss_bytes, running_app
from harness.ws_session import StreamlitSession, json_value, slider_value

PREDICTION = r"^## Prediction: \d"
STARTED = r"· (training|waiting in the queue)$"
OUTCOME = r"· (finished|stopped|failed)$"
SIDEBAR_TRAINING = r": epoch \d+/\d+$"
SIDEBAR_BUSY = r": (epoch \d+/\d+|testing on the test set)$"
QUEUED = r"waiting for a free slot, place (\d+) \(about (\d+) (s|min)\)$"
TRACEBACK = "Traceback (most recent call last)"
OTHER_PAGES = ("home", "data", "evaluate")


@dataclass
class Student:
    number: int
    kind: str
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (when, seconds)
    crashes: list[str] = field(default_factory=list)
    outcome: str | None = None
    step: str = "start"
    training_seen: list[float] = field(default_factory=list)  # times the sidebar said "epoch x/y"
    pressed: float | None = None  # when Train was pressed
    busy_until: float | None = None  # the last time the sidebar showed the run training or testing
    estimates: list[tuple[float, float]] = field(default_factory=list)  # (when, seconds) the page promised


def promised_waits(texts: list[tuple[float, str]], after: float, every: float = 30.0) -> list[tuple[float, float]]:
    """The waits the page promised after `after` ("waiting for a free slot ... (about N s/min)"), as
    (when, seconds), one per `every` seconds: the sidebar says it again each second."""
    promises = []
    for at, text in texts:
        found = re.search(QUEUED, text)
        if at >= after and found and (not promises or at - promises[-1][0] >= every):
            promises.append((at, int(found.group(2)) * (60 if found.group(3) == "min" else 1)))
    return promises


async def ws_student(url: str, student: Student, deadline: float, think: float) -> None:
    rng = np.random.default_rng(student.number)
    session = StreamlitSession(url)
    sent_at = 0.0  # when the last drawing was sent
    try:
        student.step = "open Train"
        await session.open("train")
        await session.wait_for_widget("train_start")
        student.step = "start a training"
        sent = await session.rerun(set_values={"epochs": slider_value(1)}, triggers=("train_start",))
        student.pressed = sent
        await session.wait_for(STARTED, after=sent, timeout=120)
        round_ = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(think)
            student.step = "open Draw"
            await session.goto("draw")
            await session.wait_for_widget("draw_canvas_0", timeout=120)
            await asyncio.sleep(think)
            student.step = "predict"
            drawing = canvas_json(drawn(SEVEN if round_ % 2 == 0 else ONE, rng))
            sent = sent_at = await session.rerun(set_values={"draw_canvas_0": json_value(drawing)})
            shown, _ = await session.wait_for(PREDICTION, after=sent, timeout=120)
            student.latencies.append((sent, shown - sent))
            student.step = f"open {OTHER_PAGES[round_ % 3]}"
            await session.goto(OTHER_PAGES[round_ % 3])
            round_ += 1
        student.step = "stop the training"
        await session.goto("train")
        await session.wait_for_widget("train_stop", timeout=120)
        sent = await session.rerun(triggers=("train_stop",))
        _, text = await session.wait_for(OUTCOME, after=sent, timeout=180)
        student.outcome = re.search(OUTCOME, text).group(1)
    except Exception as e:
        last = [text[:50] for _, text in session.seen.texts[-3:]]
        since = [f"{at - sent_at:+.1f} s {what}" for at, what in session.seen.runs if at >= sent_at - 5][:12]
        student.crashes.append(f"{student.step}: {type(e).__name__}: {str(e)[:160]} (last texts: {last}; "
                               f"runs around the last request: {since})")
    finally:
        student.crashes += [f"exception shown: {m[:160]}" for m in session.seen.exceptions]
        if session.closed_by_server and not student.crashes:
            student.crashes.append("the server closed the session")
        student.training_seen = [at for at, text in session.seen.texts if re.search(SIDEBAR_TRAINING, text)]
        busy = [at for at, text in session.seen.texts if re.search(SIDEBAR_BUSY, text)]
        student.busy_until = busy[-1] if busy else None
        if student.pressed is not None:
            student.estimates = promised_waits(session.seen.texts, student.pressed)
        await session.close()


async def browser_draw(page, strokes, dx: int, dy: int) -> float:
    """Draw with the mouse; seconds from the last mouse-up to the prediction being shown."""
    await draw_strokes_async(page, page.locator(CANVAS), strokes, (dx, dy))
    released = time.monotonic()
    await page.get_by_role("heading", name=PREDICTION_HEADING).wait_for(timeout=120_000)
    return time.monotonic() - released


async def navigate(page, path: str) -> None:
    """Follow the sidebar link, as a student does: a new page load would be a new session."""
    await page.locator(SIDEBAR_NAV).get_by_role("link", name=path.capitalize(), exact=True).click()
    await page.wait_for_url(re.compile((r"/(home)?" if path == "home" else f"/{path}") + r"(\?.*)?$"))
    await page.wait_for_selector(IDLE)


async def browser_student(browser, url: str, student: Student, deadline: float, think: float) -> None:
    rng = random.Random(student.number)
    context = await browser.new_context(viewport={"width": 1300, "height": 900}, locale="en-US")
    page = await context.new_page()
    page.set_default_timeout(120_000)
    closed = []
    page.on("websocket", lambda ws: ws.on("close", lambda _: closed.append(time.monotonic())))
    try:
        student.step = "open Train"
        await page.goto(f"{url}/train")
        await page.wait_for_selector(IDLE)
        student.step = "start a training"
        await page.locator('.st-key-epochs input[type="range"]').focus()
        await page.keyboard.press("Home")  # 1 epoch, as the websocket students set it
        await page.wait_for_selector(IDLE)
        await page.locator(".st-key-train_start button").click()
        await page.get_by_text(re.compile(STARTED)).first.wait_for()
        round_ = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(think)
            student.step = "open Draw"
            await navigate(page, "draw")
            await page.locator(CANVAS).wait_for()
            await asyncio.sleep(think)
            student.step = "predict"
            started = time.monotonic()
            strokes = SEVEN if round_ % 2 == 0 else ONE
            seconds = await browser_draw(page, strokes, rng.randint(40, 100), rng.randint(20, 80))
            student.latencies.append((started, seconds))
            if await page.locator('[data-testid="stException"]').count():
                student.crashes.append("exception shown on Draw")
            student.step = f"open {OTHER_PAGES[round_ % 3]}"
            await navigate(page, OTHER_PAGES[round_ % 3])
            round_ += 1
        student.step = "stop the training"
        await navigate(page, "train")
        stop = page.locator(".st-key-train_stop button")
        if await stop.is_enabled():
            await stop.click()
        outcome = page.get_by_text(re.compile(OUTCOME)).first
        await outcome.wait_for(timeout=180_000)
        student.outcome = re.search(OUTCOME, await outcome.inner_text()).group(1)
    except Exception as e:
        student.crashes.append(f"{student.step}: {type(e).__name__}: {str(e).splitlines()[0][:160]}")
        folder = os.environ.get("BENCH_LOAD_SCREENSHOTS")
        if folder:
            await page.screenshot(path=f"{folder}/student-{student.number}.png", full_page=True)
    finally:
        await context.close()


async def classroom(servers: list, students: int, browsers: int, minutes: float, think: float,
                    extra_rss=None) -> dict:
    """Students spread over `servers` in turn (student i on server i mod N), as a sticky proxy would."""
    from playwright.async_api import async_playwright

    deadline = time.monotonic() + minutes * 60
    people = [Student(i, "browser" if i < browsers else "websocket") for i in range(students)]
    pids = [server.pid for server in servers]
    rss, extra, started, cpu0 = [], [], time.monotonic(), sum(cpu_seconds(pid) for pid in pids)

    async def sample_memory():
        while True:
            rss.append(sum(rss_bytes(pid) for pid in pids) / 2**20)
            if extra_rss is not None:
                extra.append(extra_rss() / 2**20)
            await asyncio.sleep(2)

    sampler = asyncio.create_task(sample_memory())
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS) if browsers else None
        await asyncio.gather(*(
            browser_student(browser, servers[s.number % len(servers)].url, s, deadline, think)
            if s.kind == "browser" else ws_student(servers[s.number % len(servers)].url, s, deadline, think)
            for s in people
        ))
        if browser is not None:
            await browser.close()
    sampler.cancel()
    elapsed = time.monotonic() - started
    cpu = sum(cpu_seconds(pid) for pid in pids) - cpu0
    return {"people": people, "rss_mb": rss, "extra_rss_mb": extra, "cpu_percent": 100 * cpu / elapsed,
            "elapsed_s": elapsed}


def training_windows(people: list[Student], gap: float = 5.0) -> list[tuple[float, float]]:
    """When some training ran: the sidebar says "epoch x/y" every second while one does."""
    times = sorted(t for s in people for t in s.training_seen)
    windows = []
    for t in times:
        if windows and t - windows[-1][1] <= gap:
            windows[-1][1] = t
        else:
            windows.append([t, t])
    return [(a, b) for a, b in windows]


def latency_summary(samples: list[float]) -> dict:
    if not samples:
        return {"count": 0}
    return {"count": len(samples), "p50_s": round(statistics.median(samples), 3),
            "p95_s": round(percentile(samples, 95), 3), "max_s": round(max(samples), 3)}


def queue_summary(people: list[Student]) -> dict:
    """How long runs waited for a slot, how far each promised wait (one per 30 s and student, made
    at least 10 s before the start) was from the wait that followed, when the last run ended."""
    waits, errors = [], []
    for p in people:
        if p.pressed is None or not p.training_seen:
            continue
        began = p.training_seen[0]
        waits.append(began - p.pressed)
        errors += [promise / (began - when) - 1 for when, promise in p.estimates if began - when >= 10]
    pressed = [p.pressed for p in people if p.pressed is not None]
    ended = [p.busy_until for p in people if p.busy_until is not None]
    return {
        "runs_seen_starting": len(waits),
        "wait_p50_s": round(statistics.median(waits), 1) if waits else None,
        "wait_max_s": round(max(waits), 1) if waits else None,
        "estimates_checked": len(errors),
        "estimate_error_p50": round(statistics.median(errors), 2) if errors else None,
        "estimate_abs_error_p50": round(statistics.median(abs(e) for e in errors), 2) if errors else None,
        "estimates_within_30_percent": sum(abs(e) <= 0.3 for e in errors),
        "last_run_done_after_s": round(max(ended) - min(pressed), 1) if ended and pressed else None,
    }


def tracebacks(log: str) -> list[str]:
    """Each traceback in a server log, as its last line (the exception), which names the bug."""
    found = []
    for chunk in log.split(TRACEBACK)[1:]:
        lines = [line for line in chunk.splitlines()[1:] if line.strip()]
        last = next((line for line in lines if not line.startswith((" ", "\t"))), lines[-1] if lines else "")
        found.append(last[:200])
    return found


def summary(run: dict, args) -> dict:
    people, windows = run["people"], training_windows(run["people"])

    def during_training(when: float) -> bool:
        return any(a <= when <= b for a, b in windows)

    latencies = {}
    for kind in ("browser", "websocket"):
        samples = [(w, s) for p in people if p.kind == kind for w, s in p.latencies]
        latencies[kind] = latency_summary([s for _, s in samples])
        latencies[f"{kind}, while training"] = latency_summary([s for w, s in samples if during_training(w)])
    outcomes = [p.outcome or "unknown" for p in people]
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"), "cpus": os.cpu_count(),
        "load_average_before": run.get("load_before"), "load_average_after": list(os.getloadavg()),
        "students": args.students, "browsers": args.browsers, "minutes": args.minutes, "think_s": args.think,
        "replicas": args.replicas, "trainings_on": "ray" if args.ray else "threads",
        "database": "postgresql" if args.replicas > 1 else "sqlite",
        "crashes": sum(len(p.crashes) for p in people),
        "crash_details": [f"student {p.number} ({p.kind}): {c}" for p in people for c in p.crashes],
        "server_tracebacks": len(run["tracebacks"]), "traceback_details": run["tracebacks"][:20],
        "predictions": latencies,
        "trainings": {k: outcomes.count(k) for k in sorted(set(outcomes))},
        "training_seconds_observed": round(sum(b - a for a, b in windows), 1),
        "queue": queue_summary(people),
        "server_rss_mb_max": round(max(run["rss_mb"]), 1) if run["rss_mb"] else None,
        "ray_rss_mb_max": round(max(run["extra_rss_mb"]), 1) if run["extra_rss_mb"] else None,
        "server_cpu_percent": round(run["cpu_percent"], 1),
        "wall_seconds": round(run["elapsed_s"], 1),
    }


@contextlib.contextmanager
def class_servers(replicas: int, ray: bool):
    """`replicas` app servers sharing one state folder, and (for more than one) one PostgreSQL;
    with `ray`, trainings go to a local Ray head of the machine's cores. Yields (servers, ray head)."""
    with contextlib.ExitStack() as stack:
        env = {"MNIST_DEMO_STATE_DIR": stack.enter_context(tempfile.TemporaryDirectory(prefix="mnist-demo-load-"))}
        if replicas > 1:
            from harness.postgres import running_postgres

            env["MNIST_DEMO_DATABASE_URL"] = stack.enter_context(running_postgres()).new_database()
        head = None
        if ray:
            from harness.ray_head import ray_head

            head = stack.enter_context(ray_head(num_cpus=os.cpu_count() or 2))
            env["RAY_ADDRESS"] = head.address
        yield [stack.enter_context(running_app(env=env)) for _ in range(replicas)], head


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--browsers", type=int, default=2, help="how many of the students are real Chromium tabs")
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--think", type=float, default=2.0, help="seconds a student pauses between actions")
    parser.add_argument("--replicas", type=int, default=1, help="app servers sharing one PostgreSQL (more than 1)")
    parser.add_argument("--ray", action="store_true", help="train on a local Ray head instead of in threads")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    with class_servers(args.replicas, args.ray) as (servers, head):
        load_before = list(os.getloadavg())
        run = asyncio.run(classroom(servers, args.students, args.browsers, args.minutes, args.think,
                                    extra_rss=head.rss_bytes if head else None))
        run["load_before"] = load_before
        run["tracebacks"] = [tb for server in servers for tb in tracebacks(server.log_text())]
    result = summary(run, args)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return result


def failures(result: dict) -> list[str]:
    """What makes the run fail: any traceback in a server log, any student's crash."""
    return [*(f"server traceback: {tb}" for tb in result["traceback_details"]), *result["crash_details"]]


if __name__ == "__main__":
    found = failures(main())
    for failure in found:
        print(f"FAILED {failure}", file=sys.stderr)
    sys.exit(1 if found else 0)
