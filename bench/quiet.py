"""Was the machine quiet while a figure was measured?

A figure and its reference are measured one after the other, so work that is not the bench's
(another process's training, a test suite) can slow one of the pair and decide "met". The load
average alone cannot say so: the bench's own trainings raise it above the core count too. So a
`Window` records the load average before and after, and it counts the CPU time that *other*
processes took during it: every process that is not this one or its descendant (app servers,
browsers, Ray), read from `/proc` when the window opens and closes. A process that ended
meanwhile is counted in its parent's children's time. A window is disturbed when that other work
averaged more than `DISTURBED_CORES`.

Subtracting the bench's own time from the machine's busy time would not do: Ray's processes reap
their children without adding their time to anyone's, so its workers' seconds would read as
another process's. And a descendant whose parent exits first (Chromium's helpers when the browser
closes) would be adopted by init: the bench makes itself their subreaper instead, and reaps them
when a window closes.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

DISTURBED_CORES = 0.5
SETTLE_CORES = 0.3
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PR_SET_CHILD_SUBREAPER = 36


def adopt_orphaned_descendants() -> None:
    """Make this process the parent of its descendants that lose theirs (Linux prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap_exited_children() -> None:
    """Collect this process's children that have exited (adopted orphans included), so their CPU
    time is counted in its own; a `subprocess.Popen` whose child is reaped here reads exit code 0.
    A child still running is left alone (`WNOHANG`)."""
    me = os.getpid()
    for pid, (ppid, _) in _process_table().items():
        if ppid == me:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)


def _process_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU-seconds it and its reaped children have used)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        after_name = stat.rsplit(")", 1)[1].split()
        ppid = int(after_name[1])
        utime, stime, cutime, cstime = (int(v) for v in after_name[11:15])
        table[int(entry.name)] = (ppid, (utime + stime + cutime + cstime) / _TICKS)
    return table


def descendants(table: dict[int, tuple[int, float]], root: int) -> set[int]:
    """`root` and every process below it in `table`."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in table and pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


def load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


@dataclass
class Window:
    """One measurement's view of the machine; use as `with Window() as w: ...`."""

    load_before: list[float] = field(default_factory=list)
    load_after: list[float] = field(default_factory=list)
    seconds: float = 0.0
    own_cpu_seconds: float = 0.0
    other_cpu_seconds: float = 0.0

    def __enter__(self) -> Window:
        adopt_orphaned_descendants()
        self.load_before = load_average()
        self._started = time.monotonic()
        self._table = _process_table()
        self._mine = descendants(self._table, os.getpid())
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.monotonic() - self._started
        reap_exited_children()
        table = _process_table()
        mine = descendants(table, os.getpid())
        self.own_cpu_seconds = (sum(table[pid][1] for pid in mine)
                                - sum(self._table[pid][1] for pid in self._mine))
        others = set(table) - mine - self._mine
        self.other_cpu_seconds = sum(max(0.0, table[pid][1] - self._table.get(pid, (0, 0.0))[1]) for pid in others)
        self.load_after = load_average()

    @property
    def other_cores(self) -> float:
        """The cores other processes kept busy, on average."""
        return self.other_cpu_seconds / self.seconds if self.seconds > 0 else 0.0

    @property
    def disturbed(self) -> bool:
        return self.other_cores > DISTURBED_CORES

    def to_dict(self) -> dict:
        return {"load_before": self.load_before, "load_after": self.load_after, "seconds": round(self.seconds, 1),
                "other_cores": round(self.other_cores, 2), "disturbed": self.disturbed}


def wait_until_quiet(max_seconds: float = 120.0, sample_seconds: float = 5.0) -> float:
    """Wait (up to `max_seconds`) for a `sample_seconds` stretch in which other processes use less
    than `SETTLE_CORES`; return the other cores of the last stretch."""
    deadline = time.monotonic() + max_seconds
    while True:
        with Window() as w:
            time.sleep(sample_seconds)
        if w.other_cores < SETTLE_CORES or time.monotonic() >= deadline:
            return w.other_cores
