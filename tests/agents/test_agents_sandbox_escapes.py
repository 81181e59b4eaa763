"""An escape campaign against ``run_command``: each attempt runs in the real sandbox on a real linked
worktree, then the same invariants are checked. Nothing outside the worktree changed (the shared git dir
byte for byte, except the objects and the branch's own ref), no file appeared outside, and no secret came
back.

``{repo}``, ``{common}``, ``{gitdir}``, ``{outside}`` and ``{port}`` in a command are filled in per test.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.agents.bwrap import needs_bwrap
from tests.conftest import run_git

from chant.agents.tools import Toolbox

KEY = "sk-campaign-0123456789abcdef"
TOKEN = "ghp_campaign0123456789"

ATTEMPTS = {
    "write the main checkout": "echo x > {repo}/pwn.txt",
    "write outside /tmp": "echo x > {outside}/pwn.txt",
    "write through a symlink": "ln -s {outside} out && echo x > out/pwn.txt",
    "write /etc": "echo x >> /etc/hosts",
    "set core.hooksPath": "git config core.hooksPath .githooks",
    "edit the config file": "git config --file {common}/config core.fsmonitor 'touch PWN'",
    "drop a hook": "printf '#!/bin/sh\\ntouch PWN\\n' > {common}/hooks/pre-commit",
    "replace the hooks dir": "mv {common}/hooks {common}/hooks.old && mkdir {common}/hooks",
    "info/exclude": "echo '*' >> {common}/info/exclude",
    "move main": "git update-ref refs/heads/main HEAD~0 && git commit -q --allow-empty -m x "
    "&& git update-ref refs/heads/main HEAD",
    "create a branch": "git branch evil",
    "create a tag": "git tag evil",
    "packed-refs": "echo '0000000000000000000000000000000000000000 refs/heads/x' >> {common}/packed-refs",
    "commit in the main checkout": "git -C {repo} commit -q --allow-empty -m pwn",
    "add a worktree": "git worktree add -q ../evil",
    "repoint the worktree": "echo 'gitdir: {outside}' > .git",
    "repoint commondir": "echo {outside} > {gitdir}/commondir",
    "plant config.worktree": "printf '[core]\\n\\tfsmonitor = touch PWN\\n' > {gitdir}/config.worktree",
    "plant alternates": "echo {outside} > {common}/objects/info/alternates",
    "remount read-write": "mount -o remount,rw / ; mount -o remount,rw,bind {common}",
    "nested namespace": "unshare -rm sh -c 'mount -o remount,rw,bind {common} && touch {common}/PWN'",
    "read the key": 'echo "$OPENAI_API_KEY $GITHUB_TOKEN"',
    "read chant's environment": "cat /proc/*/environ | tr '\\0' '\\n' | grep -e KEY -e TOKEN",
    "kill every process": "kill -9 -1; echo survived",
    "reach 127.0.0.1": "python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 2)\" "
    "&& echo CONNECTED",
    "escape the pid namespace": "(setsid sh -c 'sleep 1; touch {repo}/late.txt' &) ; echo started",
}


class Campaign:
    def __init__(self, repo: Path, worktree: Path, outside: Path, env: dict[str, str], port: int) -> None:
        self.repo = repo
        self.worktree = worktree
        self.outside = outside
        self.env = env
        self.port = port
        self.common = repo / ".git"
        self.gitdir = self.common / "worktrees" / worktree.name

    def shared_state(self) -> dict[str, str]:
        """Every file of the shared git dir except what a commit on the branch may change, and the checkout."""
        mutable = (
            "objects/",
            f"worktrees/{self.worktree.name}/",
            "refs/heads/chant/",
            "logs/refs/heads/chant/",
        )
        state: dict[str, str] = {}
        for path in sorted(self.common.rglob("*")):
            rel = path.relative_to(self.common).as_posix()
            if path.is_file() and not rel.startswith(mutable):
                state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        for packed in sorted((self.common / "objects" / "pack").iterdir()):
            state[f"objects/pack/{packed.name}"] = hashlib.sha256(packed.read_bytes()).hexdigest()
        for name in ("commondir", "gitdir", "config.worktree"):
            state[f"worktrees/*/{name}"] = hashlib.sha256((self.gitdir / name).read_bytes()).hexdigest()
        state["checkout"] = " ".join(sorted(p.name for p in self.repo.iterdir()))
        state[".git file"] = (self.worktree / ".git").read_text()
        return state


@pytest.fixture
def campaign(git_repo: Path, chant_env: dict[str, str]) -> Iterator[Campaign]:
    env = dict(chant_env, OPENAI_API_KEY=KEY, GITHUB_TOKEN=TOKEN)
    run_git("repack", "-a", "-d", "-q", cwd=git_repo, env=env)
    worktree = git_repo / ".chant" / "run" / "worktrees" / "2026-02-01-001-esc"
    run_git("worktree", "add", "-q", "-b", "chant/2026-02-01-001-esc", str(worktree), cwd=git_repo, env=env)
    outside = Path(tempfile.mkdtemp(prefix="chant-test-escape-", dir="/var/tmp"))
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    try:
        yield Campaign(git_repo, worktree, outside, env, server.getsockname()[1])
    finally:
        server.close()
        shutil.rmtree(outside, ignore_errors=True)


@needs_bwrap
@pytest.mark.parametrize("attempt", list(ATTEMPTS))
def test_escape_attempt_is_contained(campaign: Campaign, attempt: str) -> None:
    c = campaign
    command = ATTEMPTS[attempt].format(
        repo=c.repo, common=c.common, gitdir=c.gitdir, outside=c.outside, port=c.port
    )
    box = Toolbox(c.worktree, c.env, threading.Event(), command_timeout=10)
    try:
        assert not box.execute("run_command", {"command": "true"}).is_error  # sets the sandbox up
        before = c.shared_state()
        outcome = box.execute("run_command", {"command": command})
        if attempt == "escape the pid namespace":
            time.sleep(1.5)  # its `sleep 1` would be over by now, had it survived
    finally:
        box.close()
    assert c.shared_state() == before, outcome.content
    assert list(c.outside.iterdir()) == [], outcome.content
    assert not list(c.repo.rglob("PWN")) and not (c.repo / "late.txt").exists()
    assert KEY not in outcome.content and TOKEN not in outcome.content
    assert "CONNECTED" not in outcome.content
    assert os.getpid() > 0  # still here after "kill -9 -1"
    run_git("fsck", "--no-progress", cwd=c.repo, env=c.env)
