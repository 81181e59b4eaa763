from __future__ import annotations

import hashlib
import sys
import threading
import time
from pathlib import Path
from typing import Any

from chant.agents import process
from chant.agents.process import run_process

from .conftest import pid_alive, write_script


def _run(argv: list[str], cwd: Path, **kw: object) -> tuple[process.ProcessOutcome, list[str], list[str]]:
    out: list[str] = []
    err: list[str] = []
    options: dict[str, Any] = {
        "env": None,
        "stdin_text": None,
        "timeout": 20.0,
        "cancel": threading.Event(),
    }
    options.update(kw)
    outcome = run_process(
        argv,
        cwd=cwd,
        on_stdout_line=out.append,
        on_stderr_line=err.append,
        **options,
    )
    return outcome, out, err


def _wait_gone(pids: list[int], within: float = 5.0) -> list[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = [p for p in pids if pid_alive(p)]
        if not alive:
            return []
        time.sleep(0.05)
    return [p for p in pids if pid_alive(p)]


def test_big_stderr_while_streaming_stdout_does_not_deadlock(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "chunk = 'e' * 1023 + '\\n'\n"
        "for i in range(1024):\n"
        "    sys.stderr.write(chunk)\n"
        "    if i % 8 == 0:\n"
        "        print(f'line {i}', flush=True)\n"
        "sys.stderr.flush()\n"
    )
    outcome, out, err = _run([sys.executable, "-c", script], tmp_path, timeout=15.0)
    assert outcome.exit_code == 0 and not outcome.timed_out
    assert len(out) == 128 and out[0] == "line 0"
    assert sum(len(line) + 1 for line in err) == 1024 * 1024


def test_two_megabyte_prompt_arrives_intact(tmp_path: Path) -> None:
    prompt = ("é½ prompt line with unicode ✓\n" * 80_000)[: 2 * 1024 * 1024]
    script = (
        "import hashlib, sys\n"
        "data = sys.stdin.buffer.read()\n"
        "print(len(data), hashlib.sha256(data).hexdigest())\n"
    )
    outcome, out, _ = _run([sys.executable, "-c", script], tmp_path, stdin_text=prompt)
    encoded = prompt.encode()
    assert outcome.exit_code == 0
    assert out == [f"{len(encoded)} {hashlib.sha256(encoded).hexdigest()}"]


def test_agent_that_ignores_stdin_does_not_break_the_writer(tmp_path: Path) -> None:
    outcome, out, _ = _run([sys.executable, "-c", "print('hi')"], tmp_path, stdin_text="x" * 3_000_000)
    assert outcome.exit_code == 0 and out == ["hi"]


def test_timeout_kills_the_agent_and_its_children(tmp_path: Path, bin_dir: Path) -> None:
    pid_file = tmp_path / "pids"
    agent = write_script(
        bin_dir,
        "hung-agent",
        f"""
        import os, subprocess, time
        kids = [subprocess.Popen(["sleep", "1000"]) for _ in range(2)]
        # a grandchild too, via a shell
        shell = subprocess.Popen(["sh", "-c", "sleep 1000 & echo $! > {tmp_path}/grandchild; wait"])
        while not os.path.exists("{tmp_path}/grandchild"):
            time.sleep(0.01)
        with open("{pid_file}", "w") as f:
            f.write(" ".join(str(p) for p in [os.getpid(), shell.pid] + [k.pid for k in kids]))
        print("working", flush=True)
        time.sleep(1000)
        """,
    )
    start = time.monotonic()
    outcome, out, _ = _run([str(agent)], tmp_path, timeout=1.5)
    assert outcome.timed_out and not outcome.cancelled
    assert out == ["working"]
    assert time.monotonic() - start < 6
    pids = [int(p) for p in pid_file.read_text().split()]
    pids.append(int((tmp_path / "grandchild").read_text()))
    assert _wait_gone(pids) == []
    assert process.live_groups() == []


def test_term_ignoring_child_is_killed_after_grace(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = (
        "import os, signal, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(1000)'],"
        " stdout=subprocess.PIPE)\n"
        "child.stdout.readline()\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ready', flush=True)\n"
        "time.sleep(1000)\n"
    )
    outcome, _, _ = _run([sys.executable, "-c", script], tmp_path, timeout=1.0, kill_grace=0.3)
    assert outcome.timed_out
    assert _wait_gone([int(pid_file.read_text())]) == []


def test_leftover_background_child_does_not_hang_a_finished_agent(tmp_path: Path) -> None:
    script = "import subprocess; p = subprocess.Popen(['sleep', '1000']); print(p.pid, flush=True)"
    start = time.monotonic()
    outcome, out, _ = _run([sys.executable, "-c", script], tmp_path, kill_grace=0.5)
    assert outcome.exit_code == 0
    assert time.monotonic() - start < 5
    assert _wait_gone([int(out[0])]) == []


def test_cancel_stops_promptly(tmp_path: Path) -> None:
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    start = time.monotonic()
    outcome, _, _ = _run(["sleep", "1000"], tmp_path, cancel=cancel)
    assert outcome.cancelled and not outcome.timed_out
    assert time.monotonic() - start < 3


def test_kill_all_takes_down_running_agents(tmp_path: Path) -> None:
    result: list[process.ProcessOutcome] = []
    thread = threading.Thread(
        target=lambda: result.append(_run(["sleep", "1000"], tmp_path, timeout=30.0)[0])
    )
    thread.start()
    deadline = time.monotonic() + 5
    while not process.live_groups() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.kill_all(grace=0.5) >= 1
    thread.join(5)
    assert not thread.is_alive()
    assert result[0].exit_code is not None and result[0].exit_code < 0


def test_command_not_found_is_a_clear_error(tmp_path: Path) -> None:
    outcome, _, _ = _run(["definitely-not-a-real-agent-xyz"], tmp_path)
    assert outcome.exit_code is None
    assert outcome.error == "agent command not found: definitely-not-a-real-agent-xyz"


def test_missing_working_directory_is_reported(tmp_path: Path) -> None:
    outcome, _, _ = _run(["true"], tmp_path / "missing")
    assert outcome.error and "working directory does not exist" in outcome.error


def test_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    script = "import sys; sys.stdout.buffer.write(b'ok \\xff\\xfe end\\n')"
    outcome, out, _ = _run([sys.executable, "-c", script], tmp_path)
    assert outcome.exit_code == 0 and out == ["ok \ufffd\ufffd end"]


def test_already_cancelled_never_spawns(tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    marker = tmp_path / "ran"
    outcome, _, _ = _run(["touch", str(marker)], tmp_path, cancel=cancel)
    assert outcome.cancelled and not marker.exists()
