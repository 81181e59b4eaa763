"""Fixtures for the dashboard, site and export tests.

- the run suite's fake agents (``work_factory``, ``seed_work``), reused;
- ``serve(repo, env)``: the real ``chant serve --port 0`` as a subprocess, its URL read from its output;
- ``browser``: Debian's Chromium driven by Playwright (``executable_path``, never ``playwright install``),
  headless, offline flags, a fresh profile; tests that need it skip with a notice where it is missing.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CHANT_CMD
from tests.run.conftest import seed_work, work_factory  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Server:
    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url.rstrip("/")
        self.port = int(url.rsplit(":", 1)[1].split("/")[0])

    def stop(self) -> str:
        """Ctrl-C, as a user would; returns what it printed on stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.stderr.read() if self.proc.stderr else ""


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(repo: Path, env: dict[str, str], *args: str) -> Server:
        proc = subprocess.Popen(
            [*CHANT_CMD, "serve", "--port", "0", *args],
            cwd=repo,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        selector = selectors.DefaultSelector()
        assert proc.stdout is not None
        selector.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < deadline and proc.poll() is None:
            if selector.select(timeout=0.2):
                line = proc.stdout.readline()
                if "http://" in line:
                    break
        selector.close()
        match = re.search(r"http://\S+", line)
        if match is None:
            proc.kill()
            raise AssertionError(
                f"chant serve did not start: {line}{proc.stderr.read() if proc.stderr else ''}"
            )
        server = Server(proc, match.group(0).split("?")[0])
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (`make test` installs it: apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with playwright_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 900},
            env={"PATH": os.environ.get("PATH", ""), "HOME": str(profile)},
        )
        try:
            yield context
        finally:
            context.close()
    shutil.rmtree(profile, ignore_errors=True)
