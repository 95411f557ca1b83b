"""A classroom on one server: N real browser sessions at once, for a bounded time, on loopback only.

    python -m bench.load [--students 10] [--minutes 3] [--json PATH]

Each student opens the app in its own browser context, starts a training (the server
trains at most MNIST_DEMO_MAX_TRAININGS at once, the rest queue), then draws digits,
waits for each prediction, and switches pages until time is up; at the end every
student stops its training if it still runs. Printed: crashes (exceptions shown or
connections lost), prediction latency (mouse-up -> prediction shown) p50/p95 while
trainings run, trainings finished / stopped / failed, and the server's RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import time
from pathlib import Path

from bench.app_server import rss_bytes
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, running_app
from tests.strokes import ONE, SEVEN

CANVAS = '[class*="st-key-draw_canvas_0"] canvas.upper-canvas'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'


async def draw(page, strokes, dx=70, dy=50) -> float:
    """Draw on the canvas; seconds from the last mouse-up to the prediction being shown."""
    canvas = page.locator(CANVAS)
    await canvas.hover(position={"x": 10, "y": 200})
    box = await canvas.bounding_box()
    for stroke in strokes:
        x0, y0 = stroke[0]
        await page.mouse.move(box["x"] + x0 + dx, box["y"] + y0 + dy)
        await page.mouse.down()
        for x, y in stroke[1:]:
            await page.mouse.move(box["x"] + x + dx, box["y"] + y + dy, steps=4)
        await page.mouse.up()
    released = time.monotonic()
    await page.get_by_role("heading", name=re.compile(r"^Prediction: \d$")).wait_for(timeout=60_000)
    return time.monotonic() - released


async def student(browser, url: str, number: int, deadline: float, stats: dict) -> None:
    context = await browser.new_context(viewport={"width": 1300, "height": 900}, locale="en-US")
    page = await context.new_page()
    page.set_default_timeout(120_000)
    page.on("websocket", lambda ws: ws.on("close", lambda _: stats["socket_closes"].append(number)))
    try:
        await page.goto(f"{url}/train")
        await page.wait_for_selector(IDLE)
        await page.locator(".st-key-train_start button").click()
        await page.get_by_text(re.compile(r"· (training|waiting in the queue)$")).first.wait_for()
        round_ = 0
        while time.monotonic() < deadline:
            await page.goto(f"{url}/draw")
            await page.wait_for_selector(IDLE)
            await page.locator(CANVAS).wait_for()
            stats["latencies"].append(await draw(page, SEVEN if round_ % 2 == 0 else ONE))
            if await page.locator('[data-testid="stException"]').count():
                stats["crashes"].append(f"student {number}: exception on Draw")
            await page.goto(f"{url}/{('home', 'data', 'evaluate')[round_ % 3]}")
            await page.wait_for_selector(IDLE)
            round_ += 1
        await page.goto(f"{url}/train")
        await page.wait_for_selector(IDLE)
        stop = page.locator(".st-key-train_stop button")
        if await stop.is_enabled():
            await stop.click()
        outcome = page.get_by_text(re.compile(r"· (finished|stopped|failed)$")).first
        await outcome.wait_for(timeout=120_000)
        stats["outcomes"].append((await outcome.inner_text()).rsplit("· ", 1)[1])
    except Exception as e:  # reported as a crash of this student's session
        stats["crashes"].append(f"student {number}: {type(e).__name__}: {str(e).splitlines()[0][:160]}")
    finally:
        await context.close()


async def classroom(url: str, pid: int, students: int, minutes: float) -> dict:
    from playwright.async_api import async_playwright

    stats = {"latencies": [], "crashes": [], "outcomes": [], "socket_closes": [], "rss_mb": []}
    deadline = time.monotonic() + minutes * 60
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        async def sample_memory():
            while time.monotonic() < deadline + 60:
                stats["rss_mb"].append(rss_bytes(pid) / 2**20)
                await asyncio.sleep(2)

        sampler = asyncio.create_task(sample_memory())
        await asyncio.gather(*(student(browser, url, i, deadline, stats) for i in range(students)))
        sampler.cancel()
        await browser.close()
    return stats


def summary(stats: dict, students: int, minutes: float) -> dict:
    lat = sorted(stats["latencies"])
    pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]) if lat else (lambda q: float("nan"))
    outcomes = {k: stats["outcomes"].count(k) for k in ("finished", "stopped", "failed")}
    return {
        "students": students,
        "minutes": minutes,
        "crashes": len(stats["crashes"]),
        "crash_details": stats["crashes"],
        "predictions": len(lat),
        "prediction_p50_s": round(statistics.median(lat), 3) if lat else None,
        "prediction_p95_s": round(pct(0.95), 3) if lat else None,
        "trainings": outcomes,
        "server_rss_mb_max": round(max(stats["rss_mb"]), 1) if stats["rss_mb"] else None,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    with running_app() as url:
        from tests.e2e.server import last_started_pid

        stats = asyncio.run(classroom(url, last_started_pid(), args.students, args.minutes))
    result = summary(stats, args.students, args.minutes)
    for key, value in result.items():
        print(f"{key}: {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
