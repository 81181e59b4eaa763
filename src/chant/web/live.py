"""The dashboard's live feed: a thread that tails the run journals (and the running agents' logs) and pushes
what changed to every connected page.

It reads ``.chant/run/journal/*.jsonl`` (what ``chant work`` is doing, whoever started it) and, when an
event arrived or the specs directory changed, re-reads the specs' states from their files (the index cache
makes that cheap). It never runs git. Messages go to subscribers' asyncio queues:

- ``run``: one journal event ``{run, event, title, now}``
- ``states``: ``{version, changes: {id: state}, counts, attention, now}`` when display states changed
- ``log``: ``{id, lines, now}``: new lines of a running spec's agent log
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chant.errors import ChantError
from chant.locks import is_locked
from chant.project import Project
from chant.run import journal
from chant.web import views

Message = tuple[str, dict[str, Any]]
MAX_LOG_LINES = 200


@dataclass
class _Journal:
    offset: int = 0
    live: bool = False
    running: dict[str, float] = field(default_factory=dict)  # spec id -> start


class Watcher:
    def __init__(self, root: Path, interval: float = 0.2) -> None:
        self.root = root
        self.interval = interval
        self.version = 0
        self.states: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.attention = 0
        self.titles: dict[str, str] = {}
        self._journals: dict[Path, _Journal] = {}
        self._logs: dict[str, int] = {}
        self._specs_stamp: int | None = None
        self._subscribers: dict[asyncio.Queue[Message], asyncio.AbstractEventLoop] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        self._scan(initial=True)
        self._refresh_states()
        self._thread = threading.Thread(target=self._loop, name="chant-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except ChantError as exc:  # e.g. a spec file mid-edit: report it, try again next tick
                self.error = exc.message
            except OSError as exc:
                self.error = str(exc)

    # -- subscribers ----------------------------------------------------------------------------------
    def subscribe(self, loop: asyncio.AbstractEventLoop) -> asyncio.Queue[Message]:
        queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=2000)
        with self._lock:
            self._subscribers[queue] = loop
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Message]) -> None:
        with self._lock:
            self._subscribers.pop(queue, None)

    def _send(self, name: str, data: dict[str, Any]) -> None:
        data = {**data, "now": round(time.time(), 3)}
        with self._lock:
            targets = list(self._subscribers.items())
        for queue, loop in targets:
            try:
                loop.call_soon_threadsafe(_offer, queue, (name, data))
            except RuntimeError:  # that page's loop is closed
                self.unsubscribe(queue)

    def hello(self, version: str | None) -> dict[str, Any]:
        """The first message of a connection: what runs now, and every state if the page is out of date."""
        with self._lock:
            running = [
                {"id": spec_id, "since": since, "title": self.titles.get(spec_id, spec_id)}
                for j in self._journals.values()
                for spec_id, since in j.running.items()
            ]
            data: dict[str, Any] = {"version": self.version, "running": running, "now": round(time.time(), 3)}
            if version != str(self.version):
                data.update(changes=dict(self.states), counts=dict(self.counts), attention=self.attention)
        return data

    # -- one tick -------------------------------------------------------------------------------------
    def tick(self) -> None:
        changed = self._scan()
        changed = self._specs_changed() or changed
        if changed:
            self._refresh_states()
        self._tail_logs()

    def _scan(self, initial: bool = False) -> bool:
        directory = journal.journal_dir(Project(self.root))
        paths = sorted(directory.glob(f"*{journal.SUFFIX}")) if directory.is_dir() else []
        moved = False
        for path in paths:
            state = self._journals.get(path)
            if state is None:
                state = self._journals[path] = _Journal()
                if initial and not is_locked(path):
                    state.offset = path.stat().st_size  # history: the pages read it themselves
                    continue
            was_live = state.live
            state.live = is_locked(path)
            events, state.offset = journal.read_lines(path, state.offset)
            for event in events:
                self._apply(path, state, event)
                moved = True
            if was_live and not state.live:
                state.running.clear()  # ended (or died): nothing of it is running any more
                moved = True
        for gone in set(self._journals) - set(paths):
            del self._journals[gone]
        return moved

    def _apply(self, path: Path, state: _Journal, event: dict[str, Any]) -> None:
        name, spec_id = event.get("event"), event.get("id")
        if name == "spec_start" and isinstance(spec_id, str):
            state.running[spec_id] = float(event.get("t") or time.time())
            self._logs[spec_id] = self._run_offset(spec_id)  # stream this run's log from its header on
        elif name == "spec_end" and isinstance(spec_id, str):
            state.running.pop(spec_id, None)
        elif name == "run_finished":
            state.running.clear()
        title = self.titles.get(spec_id, spec_id) if isinstance(spec_id, str) else None
        self._send("run", {"run": path.name[: -len(journal.SUFFIX)], "event": event, "title": title})

    def _run_offset(self, spec_id: str) -> int:
        """Where the latest run's section of the spec's log starts (its header is written before it starts)."""
        from chant.run.logs import RUN_SEPARATOR

        try:
            data = (self.root / ".chant" / "logs" / f"{spec_id}.log").read_bytes()
        except OSError:
            return 0
        marker = (RUN_SEPARATOR + "\n").encode()
        found = data.rfind(marker)
        return found + len(marker) if found >= 0 else 0

    def _specs_changed(self) -> bool:
        try:
            stamp = os.stat(self.root / ".chant" / "specs").st_mtime_ns
        except OSError:
            return False
        if stamp == self._specs_stamp:
            return False
        self._specs_stamp = stamp
        return True

    def _refresh_states(self) -> None:
        snap = views.Snapshot(Project(self.root))
        states = snap.states
        changes = {k: v for k, v in states.items() if self.states.get(k) != v}
        self.titles = {spec_id: snap.title(spec_id) for spec_id in states}
        attention = snap.attention_count()
        with self._lock:
            self.states = dict(states)
            self.counts = snap.counts()
            if not changes and attention == self.attention:
                return
            self.attention = attention
            self.version += 1
            data = {
                "version": self.version,
                "changes": changes,
                "counts": self.counts,
                "attention": attention,
            }
        self._send("states", data)

    def _tail_logs(self) -> None:
        with self._lock:
            running = {spec_id for j in self._journals.values() for spec_id in j.running}
        for spec_id in list(self._logs):
            if spec_id not in running:
                del self._logs[spec_id]
        logs = self.root / ".chant" / "logs"
        for spec_id in running:
            path = logs / f"{spec_id}.log"
            try:
                size = path.stat().st_size
            except OSError:
                continue
            offset = self._logs.setdefault(spec_id, size)
            if size <= offset:
                self._logs[spec_id] = min(offset, size)
                continue
            with open(path, "rb") as handle:
                handle.seek(offset)
                data = handle.read(size - offset)
            end = data.rfind(b"\n")
            if end < 0:
                continue
            self._logs[spec_id] = offset + end + 1
            lines = data[: end + 1].decode("utf-8", errors="replace").splitlines()[-MAX_LOG_LINES:]
            self._send("log", {"id": spec_id, "lines": lines})


def _offer(queue: asyncio.Queue[Message], message: Message) -> None:
    try:
        queue.put_nowait(message)
    except asyncio.QueueFull:
        pass  # a page that stopped reading misses messages; its next hello resynchronises it
