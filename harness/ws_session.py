"""A Streamlit browser session without the browser: the app's own protocol over its websocket.

A load test with 10 Chromium tabs on a 2-core machine measures the tabs as much as the
server (in a classroom every student brings their own CPU). This client speaks what the
browser speaks, and nothing else: it opens `/_stcore/stream`, sends `BackMsg.rerun_script`
with the page and the widget states the browser would send (widget ids are learnt from the
elements the server renders, values use the same fields), repeats every `st.fragment`
auto-rerun at the interval the server asks for (as the browser's timers do), and reads the
`ForwardMsg`s that come back. `tests/e2e/test_ws_session.py` checks it against a real
browser: same widget ids and value kinds on the wire, same prediction on the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

TEXT_FIELDS = {"markdown": "body", "heading": "body", "alert": "body", "text": "body", "progress": "text"}


@dataclass
class Seen:
    """What the session has received: texts (with arrival times), widget ids by key, crashes."""

    texts: list[tuple[float, str]] = field(default_factory=list)
    widgets: dict[str, str] = field(default_factory=dict)
    fragments: dict[str, str] = field(default_factory=dict)  # widget key -> the fragment it was drawn in
    exceptions: list[str] = field(default_factory=list)
    runs_finished: int = 0
    runs: list[tuple[float, str]] = field(default_factory=list)  # (time, "start whole"/"start fragment"/"end ...")


class StreamlitSession:
    """One tab: `await open(page)`, then `rerun(...)` with widget values, `wait_for(text)`."""

    def __init__(self, url: str, locale: str = "en-US"):
        self.http_url = url.rstrip("/")
        self.locale = locale
        self.seen = Seen()
        self.page = ""
        self.page_hash = ""
        self.pages: dict[str, str] = {}
        self.widget_states: dict[str, WidgetState] = {}
        self.sent: list[BackMsg] = []
        self.closed_by_server = False
        self.query_string = ""  # what the app put into the URL (the learner's link), sent back as a browser does
        self._auto_reruns: dict[str, float] = {}
        self._changed = asyncio.Condition()
        self._socket = None
        self._tasks: list[asyncio.Task] = []

    async def open(self, page: str = "") -> None:
        import websockets

        ws_url = self.http_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        self._socket = await websockets.connect(
            ws_url, subprotocols=["streamlit"], origin=self.http_url, max_size=2**26, ping_interval=None,
        )
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._auto_rerun_loop())]
        await self.goto(page)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close()

    async def goto(self, page: str) -> None:
        """Navigate as a page link does: a full rerun of another page, the sidebar's widgets kept."""
        self.page = page
        self.page_hash = self.pages.get(page, "")
        self._auto_reruns.clear()
        self.widget_states = {k: v for k, v in self.widget_states.items() if k.endswith(("-lang", "-dataset"))}
        self.seen.widgets.clear()  # what was on the last page is gone; wait_for_widget waits for this one
        self.seen.fragments.clear()
        await self.rerun()

    async def rerun(self, *, set_values: dict[str, WidgetState] | None = None,
                    triggers: tuple[str, ...] = (), fragment_id: str = "") -> float:
        """Send a rerun with the current widget states plus `set_values` (by key) and button
        `triggers` (by key, sent once); returns the time it was sent. A change to widgets drawn in
        one fragment reruns that fragment, as the browser asks; `fragment_id` is a fragment's timer."""
        changed = {self.seen.fragments.get(key, "") for key in [*(set_values or {}), *triggers]}
        widget_fragment = changed.pop() if len(changed) == 1 else ""
        for key, state in (set_values or {}).items():
            widget_id = self.widget_id(key)
            state.id = widget_id
            self.widget_states[widget_id] = state
        message = BackMsg()
        client = message.rerun_script
        client.query_string = self.query_string
        client.page_script_hash = self.page_hash
        client.page_name = "" if self.page_hash else self.page
        client.fragment_id = fragment_id or widget_fragment
        client.is_auto_rerun = bool(fragment_id)
        client.context_info.locale = self.locale
        client.context_info.timezone = "UTC"
        client.context_info.url = f"{self.http_url}/{self.page}"
        for state in self.widget_states.values():
            client.widget_states.widgets.add().CopyFrom(state)
        for key in triggers:
            client.widget_states.widgets.add(id=self.widget_id(key), trigger_value=True)
        self.sent.append(message)
        sent_at = time.monotonic()
        await self._socket.send(message.SerializeToString())
        return sent_at

    def widget_id(self, key: str) -> str:
        try:
            return self.seen.widgets[key]
        except KeyError:
            raise KeyError(f"no widget with key {key!r} on page {self.page!r} yet") from None

    async def wait_for(self, pattern: str, after: float = 0.0, timeout: float = 60.0) -> tuple[float, str]:
        """(arrival time, text) of the first text matching `pattern` (a regex) that came after `after`."""
        regex = re.compile(pattern)

        def found():
            return next(((at, text) for at, text in self.seen.texts if at >= after and regex.search(text)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None or self.closed_by_server),
                                   timeout)
        if found() is None:
            raise ConnectionError("the server closed the session")
        return found()

    async def wait_for_widget(self, key: str, timeout: float = 60.0) -> str:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: key in self.seen.widgets), timeout)
        return self.seen.widgets[key]

    async def _read(self) -> None:
        try:
            async for raw in self._socket:
                message = ForwardMsg()
                message.ParseFromString(raw)
                self._handle(message, time.monotonic())
                async with self._changed:
                    self._changed.notify_all()
        except Exception:
            pass
        self.closed_by_server = True
        async with self._changed:
            self._changed.notify_all()

    def _handle(self, message: ForwardMsg, at: float) -> None:
        kind = message.WhichOneof("type")
        if kind == "new_session":
            whole = not message.metadata.run.fragment_ids
            self.seen.runs.append((at, "start whole" if whole else "start fragment"))
            if whole:  # a whole run: its fragments register anew
                self._auto_reruns.clear()
        elif kind == "navigation":
            # Only the first run, asked for by page name, says which page that is; later ones
            # may still be an interrupted run of the page we just left.
            self.page_hash = self.page_hash or message.navigation.page_script_hash
            for page in message.navigation.app_pages:
                self.pages[page.url_pathname] = page.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "auto_rerun":
            self._auto_reruns[message.auto_rerun.fragment_id] = message.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                self._auto_reruns.pop(fragment_id, None)
        elif kind == "script_finished":
            self.seen.runs_finished += 1
            self.seen.runs.append((at, f"end {ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)}"))
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            name = element.WhichOneof("type")
            proto = getattr(element, name)
            widget_id = getattr(proto, "id", "")
            if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
                key = widget_id.split("-", 2)[2]
                self.seen.widgets[key] = widget_id
                self.seen.fragments[key] = message.delta.fragment_id
            if name == "exception":
                self.seen.exceptions.append(proto.message)
            if name in TEXT_FIELDS:
                self.seen.texts.append((at, getattr(proto, TEXT_FIELDS[name])))

    async def _auto_rerun_loop(self) -> None:
        """The browser's fragment timers (`setInterval`): each registered fragment reruns at its
        interval, whether or not a run is in progress; a re-registration with the same
        interval keeps the timer, a whole run or a page change clears them all."""
        due: dict[tuple[str, float], float] = {}
        while True:
            await asyncio.sleep(0.05)
            now = time.monotonic()
            timers = set(self._auto_reruns.items())
            for stale in set(due) - timers:
                del due[stale]
            for timer in timers:
                due.setdefault(timer, now + timer[1])
                if now >= due[timer]:
                    due[timer] = now + timer[1]
                    await self.rerun(fragment_id=timer[0])


def slider_value(value: float) -> WidgetState:
    state = WidgetState()
    state.double_array_value.data.append(value)
    return state


def json_value(text: str) -> WidgetState:
    return WidgetState(json_value=text)
