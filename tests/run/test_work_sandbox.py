"""``chant work --agent openai`` against a scripted model that tries to escape through ``run_command``.

The real bubblewrap sandbox, the real CLI, a scripted OpenAI-compatible server on 127.0.0.1. The model
writes outside the worktree, echoes the API key, sets ``core.hooksPath`` and drops a hook into the shared
git dir, then does its job; only the job may land.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.agents.bwrap import needs_bwrap
from tests.agents.fake_llm import FakeLLM, Reply, openai_reply, serve
from tests.run.conftest import Work, add_specs, spec_file

SPEC = "2026-02-01-001-box"
SPEC_REL = f".chant/specs/{SPEC}.md"
KEY = "sk-test-key-0123456789abcdefXYZ"


@pytest.fixture
def outside() -> Iterator[Path]:
    """A directory outside the test's /tmp (the sandbox's /tmp is private, so writes there prove little)."""
    path = Path(tempfile.mkdtemp(prefix="chant-test-outside-", dir="/var/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _finish() -> list[Reply]:
    commit = f"git add -A && git commit -q -m 'chant({SPEC}): alpha'"
    return [
        openai_reply(
            calls=[("edit_file", {"path": SPEC_REL, "old": "- [ ] criterion 1", "new": "- [x] criterion 1"})]
        ),
        openai_reply(calls=[("write_file", {"path": "src/alpha.py", "content": "ALPHA = 1\n"})]),
        openai_reply(calls=[("run_command", {"command": commit})]),
        openai_reply(content="Done."),
    ]


def _work(work_factory: Callable[..., Work], repo: Path, fake: FakeLLM, extra: str = "") -> Work:
    w = work_factory(repo, f"agents:\n  openai:\n    base_url: {fake.url}/v1\n    model: gpt-fake-1\n{extra}")
    w.env["OPENAI_API_KEY"] = KEY
    add_specs(w, {SPEC: spec_file(SPEC, "Alpha in a box", targets=["src/alpha.py"])})
    return w


def _tool_results(fake: FakeLLM) -> list[str]:
    messages = fake.seen[-1].body["messages"]
    return [str(m.get("content")) for m in messages if m.get("role") == "tool"]


def _logs(repo: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((repo / ".chant" / "logs").glob("*")))


def _path_without_bwrap(tmp_path: Path) -> str:
    """What chant itself needs (git; python is sys.executable), and no bwrap."""
    bin_dir = tmp_path / "no-bwrap-bin"
    bin_dir.mkdir()
    for tool in ("git", "sh"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


@needs_bwrap
def test_run_command_is_confined_and_the_key_never_leaks(
    work_factory: Callable[..., Work], chant_repo: Path, outside: Path
) -> None:
    config_before = (chant_repo / ".git" / "config").read_bytes()
    hook = '"$(git rev-parse --git-common-dir)/hooks/pre-commit"'
    attacks = [
        f"head -1 /etc/passwd; echo X > $CHANT_PROJECT_ROOT/escaped.txt; echo X > {outside}/w.txt",
        'echo "key=[$OPENAI_API_KEY]"; env | grep -c OPENAI',
        "git config core.hooksPath .githooks",
        f"printf '#!/bin/sh\\ntouch PWNED\\n' > {hook} && chmod +x {hook}",
    ]
    script = [openai_reply(calls=[("run_command", {"command": c})]) for c in attacks] + _finish()
    fake = FakeLLM(script)
    with serve(fake):
        w = _work(work_factory, chant_repo, fake)
        proc = w.chant("work", "--agent", "openai", SPEC)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(SPEC) == "completed"
    assert (w.repo / "src" / "alpha.py").read_text(encoding="utf-8") == "ALPHA = 1\n"
    results = _tool_results(fake)
    assert "root:" in results[0]  # reading is allowed
    assert "Read-only file system" in results[0]
    assert not (w.repo / "escaped.txt").exists() and list(outside.iterdir()) == []
    assert "key=[]" in results[1] and results[1].endswith("\n0")
    assert "could not lock config file" in results[2]
    assert "Read-only file system" in results[3]
    assert (w.repo / ".git" / "config").read_bytes() == config_before
    assert not (w.repo / ".git" / "hooks" / "pre-commit").exists()
    # The user's next commit runs no hook the agent left behind.
    (w.repo / "user.txt").write_text("mine\n", encoding="utf-8")
    w.git("add", "user.txt")
    w.git("commit", "-q", "-m", "user commit")
    assert not list(w.repo.rglob("PWNED"))
    # The key was sent where it belongs, and nowhere else.
    assert fake.seen[0].headers["authorization"] == f"Bearer {KEY}"
    assert all(KEY not in json.dumps(seen.body) for seen in fake.seen)
    logs = _logs(w.repo)
    assert "confined by bubblewrap" in logs
    assert KEY not in logs
    assert KEY not in w.git("log", "--all", "-p")


def test_without_bwrap_run_command_is_refused(
    work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    script = [
        openai_reply(calls=[("run_command", {"command": "touch ran.txt && git add -A && git commit -qm x"})]),
        openai_reply(calls=[("task_complete", {"summary": "could not run commands"})]),
    ]
    fake = FakeLLM(script)
    with serve(fake):
        w = _work(work_factory, chant_repo, fake)
        w.env["PATH"] = _path_without_bwrap(tmp_path)
        proc = w.chant("work", "--agent", "openai", SPEC)
    assert proc.returncode != 0
    assert w.status(SPEC) == "failed"
    refusal = _tool_results(fake)[0]
    assert refusal.startswith("error: run_command is disabled: bubblewrap (`bwrap`) is not installed")
    assert "apt-get install bubblewrap" in refusal and "agents.openai.unsafe_commands: true" in refusal
    assert "apt-get install bubblewrap" in _logs(w.repo)
    assert not list(w.repo.rglob("ran.txt"))


def test_unsafe_commands_opts_out_and_still_redacts(
    work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    script = [openai_reply(calls=[("run_command", {"command": 'echo "key=$OPENAI_API_KEY"'})]), *_finish()]
    fake = FakeLLM(script)
    with serve(fake):
        w = _work(work_factory, chant_repo, fake, "    unsafe_commands: true\n")
        w.env["PATH"] = _path_without_bwrap(tmp_path)
        proc = w.chant("work", "--agent", "openai", SPEC)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(SPEC) == "completed"
    assert _tool_results(fake)[0] == "exit code 0\nkey=[redacted]"  # the key was there, and was masked
    logs = _logs(w.repo)
    assert "NOT confined" in logs and "key=[redacted]" in logs
    assert KEY not in logs


def test_a_server_error_echoing_the_key_is_redacted(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    fake = FakeLLM([Reply({"error": {"message": f"Incorrect API key provided: {KEY}."}}, status=401)])
    with serve(fake):
        w = _work(work_factory, chant_repo, fake)
        proc = w.chant("work", "--agent", "openai", SPEC)
    assert proc.returncode != 0
    assert w.status(SPEC) == "failed"
    assert "Incorrect API key provided: [redacted]" in _logs(w.repo)
    assert KEY not in _logs(w.repo)
    assert KEY not in w.spec_text(SPEC) and KEY not in proc.stdout + proc.stderr
