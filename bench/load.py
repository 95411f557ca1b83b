"""A classroom on one server: N students at once, for a bounded time, on loopback only.

    python -m bench.load [--students 10] [--browsers 2] [--minutes 4] [--think 2] [--json PATH]

Every student opens the Train page, trains the default MLP for one epoch on all 60,000
images (the server trains MNIST_DEMO_MAX_TRAININGS at a time, the rest queue), then until
time is up: opens Draw, draws a 7 or a 1, waits for the prediction, visits another page,
pausing `--think` seconds between actions. At the end each student stops its training if
it still runs and waits until the Train page says finished or stopped.

`--browsers` students are real Chromium tabs drawing with the mouse; the others are
`harness.ws_session` clients, which speak the browser's websocket protocol without rendering
anything (10 tabs on 2 cores would measure the tabs, not the server). Reported: crashes
(exceptions on a page, sessions the server dropped, harness errors), prediction latency
p50/p95 for each kind of student over the whole run and while a training was running
(browser: mouse-up to the prediction shown; websocket: canvas value sent to the prediction
received), each training's outcome, and the server's peak RSS and CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
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


async def ws_student(url: str, student: Student, deadline: float, think: float) -> None:
    rng = np.random.default_rng(student.number)
    session = StreamlitSession(url)
    try:
        student.step = "open Train"
        await session.open("train")
        await session.wait_for_widget("train_start")
        student.step = "start a training"
        sent = await session.rerun(set_values={"epochs": slider_value(1)}, triggers=("train_start",))
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
            sent = await session.rerun(set_values={"draw_canvas_0": json_value(drawing)})
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
        student.crashes.append(f"{student.step}: {type(e).__name__}: {str(e)[:160]} (last texts: {last})")
    finally:
        student.crashes += [f"exception shown: {m[:160]}" for m in session.seen.exceptions]
        if session.closed_by_server and not student.crashes:
            student.crashes.append("the server closed the session")
        student.training_seen = [at for at, text in session.seen.texts if re.search(SIDEBAR_TRAINING, text)]
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
    await page.wait_for_url(re.compile(r"/(home)?$" if path == "home" else f"/{path}$"))
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


async def classroom(url: str, pid: int, students: int, browsers: int, minutes: float, think: float) -> dict:
    from playwright.async_api import async_playwright

    deadline = time.monotonic() + minutes * 60
    people = [Student(i, "browser" if i < browsers else "websocket") for i in range(students)]
    rss, started, cpu0 = [], time.monotonic(), cpu_seconds(pid)

    async def sample_memory():
        while True:
            rss.append(rss_bytes(pid) / 2**20)
            await asyncio.sleep(2)

    sampler = asyncio.create_task(sample_memory())
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS) if browsers else None
        await asyncio.gather(*(
            browser_student(browser, url, s, deadline, think) if s.kind == "browser"
            else ws_student(url, s, deadline, think)
            for s in people
        ))
        if browser is not None:
            await browser.close()
    sampler.cancel()
    elapsed = time.monotonic() - started
    return {"people": people, "rss_mb": rss, "cpu_percent": 100 * (cpu_seconds(pid) - cpu0) / elapsed,
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
        "students": args.students, "browsers": args.browsers, "minutes": args.minutes, "think_s": args.think,
        "crashes": sum(len(p.crashes) for p in people),
        "crash_details": [f"student {p.number} ({p.kind}): {c}" for p in people for c in p.crashes],
        "predictions": latencies,
        "trainings": {k: outcomes.count(k) for k in sorted(set(outcomes))},
        "training_seconds_observed": round(sum(b - a for a, b in windows), 1),
        "server_rss_mb_max": round(max(run["rss_mb"]), 1) if run["rss_mb"] else None,
        "server_cpu_percent": round(run["cpu_percent"], 1),
        "wall_seconds": round(run["elapsed_s"], 1),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--browsers", type=int, default=2, help="how many of the students are real Chromium tabs")
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--think", type=float, default=2.0, help="seconds a student pauses between actions")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    with running_app() as server:
        run = asyncio.run(classroom(server.url, server.pid, args.students, args.browsers, args.minutes, args.think))
    result = summary(run, args)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
