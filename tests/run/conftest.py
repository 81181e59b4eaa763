"""Fixtures for end-to-end tests of ``chant work``: fake agents on PATH and helpers to read the results.

Reuses the root conftest (hermetic git repo, ``run_chant``, ``seed_repo``). The fake agent lives in
``tests/fakes/fake_agent.py``; here it is installed as ``claude`` on a per-test ``PATH``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CHANT_CMD, run_git

FAKE_AGENT = Path(__file__).resolve().parent.parent / "fakes" / "fake_agent.py"


def install_fake_claude(bin_dir: Path) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / "claude"
    path.write_text(
        f"#!{sys.executable}\n"
        "import runpy, sys\n"
        f"sys.argv[0] = {str(path)!r}\n"
        f"runpy.run_path({str(FAKE_AGENT)!r}, run_name='__main__')\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


class Work:
    """One test's view of a repo driven by fake agents: env knobs, records, spec and git helpers."""

    def __init__(self, repo: Path, env: dict[str, str], record_dir: Path, marker: str) -> None:
        self.repo = repo
        self.env = env
        self.record_dir = record_dir
        self.marker = marker

    # -- steering the fake --------------------------------------------------------------------------
    def plan(self, **by_suffix: str) -> None:
        """``plan(**{".2": "exit1"})``: scenario per spec id suffix (others: ``ok``)."""
        self.env["FAKE_PLAN"] = json.dumps(by_suffix)

    def sleep(self, seconds: float | dict[str, float]) -> None:
        self.env["FAKE_SLEEP"] = json.dumps(seconds)

    # -- running chant ------------------------------------------------------------------------------
    def chant(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CHANT_CMD, *args],
            cwd=self.repo,
            env=self.env,
            input="",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*CHANT_CMD, *args],
            cwd=self.repo,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def git(self, *args: str, check: bool = True) -> str:
        return run_git(*args, cwd=self.repo, env=self.env, check=check)

    # -- reading results ------------------------------------------------------------------------------
    def record(self, spec_id: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.record_dir / f"{spec_id}.json").read_text(encoding="utf-8"))
        return data

    def records(self) -> dict[str, dict[str, Any]]:
        return {p.stem: self.record(p.stem) for p in sorted(self.record_dir.glob("*.json"))}

    def wait_for_records(self, count: int, timeout: float = 20, *, key: str = "start") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [r for r in self.records().values() if key in r]
            if len(done) >= count:
                return
            time.sleep(0.05)
        raise AssertionError(f"fewer than {count} agents recorded {key!r}: {sorted(self.records())}")

    def spec_text(self, spec_id: str) -> str:
        return (self.repo / ".chant" / "specs" / f"{spec_id}.md").read_text(encoding="utf-8")

    def field(self, spec_id: str, key: str) -> str | None:
        """A top-level scalar of a spec's frontmatter, as written (quotes stripped)."""
        front = self.spec_text(spec_id).split("---", 2)[1]
        match = re.search(rf"^{re.escape(key)}:[ \t]*(.*)$", front, re.M)
        return match.group(1).strip().strip("'\"") if match else None

    def status(self, spec_id: str) -> str | None:
        return self.field(spec_id, "status")

    def worktrees(self) -> list[str]:
        """Registered worktrees, without the pool's free slots (run/worktrees.py keeps those on purpose)."""
        return [p for p in self.all_worktrees() if Path(p).parent.name != ".pool"]

    def all_worktrees(self) -> list[str]:
        return [
            line.split(" ", 1)[1]
            for line in self.git("worktree", "list", "--porcelain").splitlines()
            if line.startswith("worktree ")
        ]

    def pool_slots(self) -> list[str]:
        return [p for p in self.all_worktrees() if Path(p).parent.name == ".pool"]

    def branches(self, pattern: str = "chant/*") -> list[str]:
        return self.git("branch", "--list", pattern, "--format=%(refname:short)").split()

    def alive(self) -> list[int]:
        """PIDs of live (non-zombie) processes started by this test's fake agents."""
        return marked_processes(self.marker)


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def marked_processes(marker: str) -> list[int]:
    needle = f"CHANT_TEST_MARKER={marker}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                environ = fh.read()
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        state = stat[stat.rfind(b")") + 2 :].split()[0]
        if needle in environ.split(b"\0") and state != b"Z":
            found.append(int(entry))
    return found


def write_config(repo: Path, extra: str = "") -> None:
    (repo / ".chant" / "config.md").write_text(
        "---\n"
        "project:\n  name: repo\n"
        "defaults:\n  prompt: standard\n  agent: claude\n  branch_prefix: chant/\n  timeout: 60\n"
        "parallel:\n  max: 4\n" + extra + "---\n\n# chant configuration\n",
        encoding="utf-8",
    )


@pytest.fixture
def work_factory(tmp_path: Path, chant_env: dict[str, str]) -> Iterator[Callable[..., Work]]:
    """Wrap a repo (seed_repo / chant_repo): fake ``claude`` on PATH, config committed, records dir."""
    bin_dir = install_fake_claude(tmp_path / "bin").parent
    record_dir = tmp_path / "records"
    record_dir.mkdir()
    marker = uuid.uuid4().hex
    made: list[Work] = []

    def make(repo: Path, config_extra: str = "") -> Work:
        env = dict(chant_env)
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env["FAKE_RECORD_DIR"] = str(record_dir)
        env["CHANT_TEST_MARKER"] = marker
        write_config(repo, config_extra)
        run_git("add", ".chant/config.md", cwd=repo, env=env)
        run_git("commit", "-q", "-m", "test config", cwd=repo, env=env, check=False)
        work = Work(repo, env, record_dir, marker)
        made.append(work)
        return work

    yield make
    # Never leak a process from a failed test into the next one.
    for pid in marked_processes(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.fixture
def seed_work(seed_repo: Path, work_factory: Callable[..., Work]) -> Work:
    return work_factory(seed_repo)


def spec_file(
    spec_id: str,
    title: str,
    *,
    depends_on: list[str] | None = None,
    targets: list[str] | None = None,
    criteria: int = 1,
    extra: str = "",
) -> str:
    lines = ["---", "type: code", "status: pending"]
    if depends_on:
        lines.append("depends_on:")
        lines += [f"  - {d}" for d in depends_on]
    if targets:
        lines.append("target_files:")
        lines += [f"  - {t}" for t in targets]
    if extra:
        lines.append(extra.rstrip("\n"))
    lines += ["---", "", f"# {title}", "", "## Acceptance Criteria", ""]
    lines += [f"- [ ] criterion {n}" for n in range(1, criteria + 1)]
    return "\n".join(lines) + "\n"


def add_specs(work: Work, specs: dict[str, str]) -> None:
    directory = work.repo / ".chant" / "specs"
    for spec_id, text in specs.items():
        (directory / f"{spec_id}.md").write_text(text, encoding="utf-8")
    work.git("add", ".chant/specs")
    work.git("commit", "-q", "-m", "add specs")
