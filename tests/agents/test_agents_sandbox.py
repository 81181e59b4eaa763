"""``run_command`` inside the real bubblewrap sandbox, on a real linked worktree (no mocks).

Each test drives the Toolbox the HTTP agents use, so what a model's command can and cannot do here is what
it can and cannot do in ``chant work``.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.agents.bwrap import needs_bwrap
from tests.agents.conftest import LogSink, pid_alive, write_script
from tests.conftest import run_git

from chant.agents import sandbox
from chant.agents.tools import Toolbox, ToolOutcome

KEY = "sk-test-0123456789abcdef"
BRANCH = "chant/2026-02-01-001-box"


class Box:
    def __init__(self, repo: Path, worktree: Path, env: dict[str, str]) -> None:
        self.repo = repo
        self.worktree = worktree
        self.env = env
        self.log = LogSink()
        self.made: list[Toolbox] = []

    def toolbox(
        self, settings: dict[str, object] | None = None, env: dict[str, str] | None = None
    ) -> Toolbox:
        box = Toolbox(
            self.worktree,
            env or self.env,
            threading.Event(),
            command_timeout=20.0,
            log=self.log,
            settings=settings,
        )
        self.made.append(box)
        return box

    def run(self, command: str, settings: dict[str, object] | None = None) -> ToolOutcome:
        return self.toolbox(settings).execute("run_command", {"command": command})

    def git(self, *args: str, cwd: Path | None = None) -> str:
        return run_git(*args, cwd=cwd or self.repo, env=self.env)


@pytest.fixture
def box(git_repo: Path, chant_env: dict[str, str]) -> Iterator[Box]:
    worktree = git_repo / ".chant" / "run" / "worktrees" / "2026-02-01-001-box"
    env = dict(chant_env)
    env.update({"OPENAI_API_KEY": KEY, "CHANT_SPEC_ID": "2026-02-01-001-box", "UNLISTED": "plain-value"})
    run_git("worktree", "add", "-q", "-b", BRANCH, str(worktree), cwd=git_repo, env=env)
    made = Box(git_repo, worktree, env)
    yield made
    for toolbox in made.made:
        toolbox.close()


@needs_bwrap
def test_writes_land_only_in_the_worktree(box: Box, tmp_path: Path) -> None:
    outside_dir = Path(tempfile.mkdtemp(prefix="chant-test-outside-", dir="/var/tmp"))
    try:
        outcome = box.run(
            f"echo in > inside.txt; echo out > {box.repo}/outside.txt; echo out > {outside_dir}/w.txt; "
            f"echo out > {tmp_path}/t.txt; echo out > /etc/chant-test"
        )
        assert (box.worktree / "inside.txt").read_text() == "in\n"
        assert not (box.repo / "outside.txt").exists()
        assert list(outside_dir.iterdir()) == []
        assert not (tmp_path / "t.txt").exists()  # the sandbox's /tmp is its own
        assert not Path("/etc/chant-test").exists()
        assert outcome.content.count("Read-only file system") >= 2, outcome.content
    finally:
        shutil.rmtree(outside_dir, ignore_errors=True)


@needs_bwrap
def test_the_environment_is_an_allow_list(box: Box) -> None:
    box.env["MY_SERVICE_TOKEN"] = "token-value-123456"
    box.env["EXTRA_SETTING"] = "extra-value"
    outcome = box.run('echo "key=[$OPENAI_API_KEY]"; echo "home=$HOME"; env')
    assert not outcome.is_error, outcome.content
    assert "key=[]" in outcome.content
    assert "home=/tmp/home" in outcome.content
    assert "CHANT_SPEC_ID=2026-02-01-001-box" in outcome.content
    assert "GIT_AUTHOR_NAME=Chant Test" in outcome.content
    for absent in (KEY, "token-value-123456", "MY_SERVICE_TOKEN", "UNLISTED", "EXTRA_SETTING"):
        assert absent not in outcome.content
    # Nor can a command read chant's own environment through /proc: it sees only its own processes.
    procs = box.run(
        "echo leaks=$(cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c OPENAI_API_KEY); "
        "echo procs=$(ls /proc | grep -c '^[0-9]')"
    )
    assert "leaks=0" in procs.content, procs.content
    assert int(procs.content.rsplit("procs=", 1)[1]) < 10, procs.content


@needs_bwrap
def test_env_allow_passes_more_but_never_the_key(box: Box) -> None:
    box.env["EXTRA_SETTING"] = "extra-value"
    box.env["NODE_OPTIONS"] = "--max-old-space-size=64"
    box.env["NPM_TOKEN"] = "npm-token-abcdefgh"
    box.env["DEPLOY_TOKEN"] = "deploy-token-abcdefgh"
    allow = {"env_allow": ["EXTRA_SETTING", "NODE_*", "*_TOKEN", "NPM_TOKEN", "OPENAI_API_KEY"]}
    outcome = box.run('env; echo "npm=$NPM_TOKEN"', allow)
    assert "EXTRA_SETTING=extra-value" in outcome.content
    assert "NODE_OPTIONS=--max-old-space-size=64" in outcome.content
    # Named exactly, a secret-looking variable is passed, but its value still never reaches the model.
    assert "npm=[redacted]" in outcome.content
    assert "DEPLOY_TOKEN" not in outcome.content  # a glob never lets a secret-looking name through
    assert "OPENAI_API_KEY" not in outcome.content and KEY not in outcome.content


@needs_bwrap
def test_the_shared_git_config_and_hooks_stay_read_only(box: Box) -> None:
    config = (box.repo / ".git" / "config").read_bytes()
    exclude = (box.repo / ".git" / "info" / "exclude").read_bytes()
    hooks = sorted(p.name for p in (box.repo / ".git" / "hooks").iterdir())
    outcome = box.run(
        "git config core.hooksPath .githooks; echo rc=$?; "
        "printf '#!/bin/sh\\ntouch PWNED\\n' > \"$(git rev-parse --git-common-dir)/hooks/pre-commit\"; "
        "git config --worktree core.hooksPath x; echo x > ../../../../.git/info/exclude"
    )
    assert "could not lock config file" in outcome.content, outcome.content
    assert "Read-only file system" in outcome.content
    assert (box.repo / ".git" / "config").read_bytes() == config
    assert (box.repo / ".git" / "info" / "exclude").read_bytes() == exclude
    assert sorted(p.name for p in (box.repo / ".git" / "hooks").iterdir()) == hooks


@needs_bwrap
def test_the_pointers_to_the_repository_cannot_be_rewritten(box: Box) -> None:
    git_dir = box.repo / ".git" / "worktrees" / box.worktree.name
    before = {p: p.read_bytes() for p in (box.worktree / ".git", git_dir / "commondir", git_dir / "gitdir")}
    box.run(
        f"echo 'gitdir: /tmp/evil' > .git; rm -f .git; echo /tmp/evil > {git_dir}/commondir; "
        f"echo '[core] fsmonitor = touch PWNED' > {git_dir}/config.worktree"
    )
    assert {p: p.read_bytes() for p in before} == before
    assert (git_dir / "config.worktree").read_text() == ""
    assert box.git("status", "--porcelain", cwd=box.worktree) == ""


@needs_bwrap
def test_git_add_and_commit_work_in_the_worktree(box: Box) -> None:
    outcome = box.run(
        "echo hello > hello.txt && git add hello.txt && git commit -q -m 'add hello' && "
        "git commit -q --amend -m 'add hello (amended)' && git log --format=%s -1"
    )
    assert not outcome.is_error, outcome.content
    assert outcome.content.endswith("add hello (amended)")
    assert box.git("log", "--format=%s", "-1", BRANCH).strip() == "add hello (amended)"
    assert box.git("log", "--format=%an", "-1", BRANCH).strip() == "Chant Test"
    assert box.git("log", "--format=%s", "-1", "main").strip() == "initial commit"
    # Other branches and tags are out of reach: the refs directory is writable only for chant's branches.
    refused = box.run(
        "git branch side && echo made; git tag v1 && echo tagged; git update-ref refs/heads/main HEAD"
    )
    assert "made" not in refused.content and "tagged" not in refused.content
    assert box.git("log", "--format=%s", "-1", "main").strip() == "initial commit"


@needs_bwrap
def test_packed_history_cannot_be_deleted(box: Box) -> None:
    box.git("repack", "-a", "-d", "-q")
    packs = sorted(p.name for p in (box.repo / ".git" / "objects" / "pack").iterdir())
    assert any(name.endswith(".pack") for name in packs)
    common = box.repo / ".git"
    outcome = box.run(
        f"rm -rf {common}/objects/pack; rm -f {common}/objects/pack/*; "
        f"echo /var/tmp > {common}/objects/info/alternates; "
        "echo x > x.txt && git add x.txt && git commit -q -m 'on top of a packed history' && echo COMMITTED"
    )
    assert outcome.content.endswith("COMMITTED"), outcome.content
    assert sorted(p.name for p in (common / "objects" / "pack").iterdir()) == packs
    assert not (common / "objects" / "info" / "alternates").exists()
    box.git("fsck", "--no-progress")


@needs_bwrap
def test_no_network_unless_allowed(box: Box) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    probe = (
        "python3 -c \"import socket; s = socket.create_connection(('127.0.0.1', "
        f"{port}), timeout=3); print('connected')\""
    )
    try:
        assert "connected" not in box.run(probe).content
        allowed = box.run(probe, {"command_network": True})
        assert "connected" in allowed.content, allowed.content
    finally:
        server.close()


@needs_bwrap
def test_hidden_paths_are_empty_inside(box: Box) -> None:
    secret_dir = Path(tempfile.mkdtemp(prefix="chant-test-hide-", dir="/var/tmp"))
    try:
        (secret_dir / "id_rsa").write_text("PRIVATE KEY\n")
        outcome = box.run(f"ls -A {secret_dir}; cat {secret_dir}/id_rsa", {"hide_paths": [str(secret_dir)]})
        assert "PRIVATE KEY" not in outcome.content and "id_rsa\n" not in outcome.content, outcome.content
        assert "PRIVATE KEY" in box.run(f"cat {secret_dir}/id_rsa").content  # readable when not hidden
    finally:
        shutil.rmtree(secret_dir, ignore_errors=True)


@needs_bwrap
def test_a_timeout_ends_every_process_of_the_command(box: Box) -> None:
    toolbox = box.toolbox()
    toolbox.command_timeout = 1.0
    start = time.monotonic()
    outcome = toolbox.execute("run_command", {"command": "(setsid sleep 317 &); sleep 317 & sleep 317"})
    assert outcome.content.startswith("timed out"), outcome.content
    assert time.monotonic() - start < 8
    leftovers = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _cmdline(p) == "sleep\x00317\x00"]
    assert not [p for p in leftovers if pid_alive(int(p.name))]


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_text()
    except OSError:
        return ""


@needs_bwrap
def test_the_sandbox_is_described_once_in_the_log_and_its_scratch_removed(box: Box) -> None:
    toolbox = box.toolbox()
    toolbox.execute("run_command", {"command": "echo one > /tmp/state"})
    second = toolbox.execute("run_command", {"command": "cat /tmp/state"})
    assert second.content.endswith("one")  # /tmp lasts for the agent run
    described = [line for line in box.log.lines if "confined by bubblewrap" in line]
    assert len(described) == 1 and str(box.worktree) in described[0] and "network off" in described[0]
    launcher = toolbox._launcher
    assert isinstance(launcher, sandbox.Sandbox)
    toolbox.close()
    assert not launcher.scratch.exists()


# -- without a usable bwrap --------------------------------------------------------------------------
def test_without_bwrap_run_command_is_refused_with_the_fix(box: Box, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = dict(box.env, PATH=str(empty))
    toolbox = box.toolbox(env=env)
    outcome = toolbox.execute("run_command", {"command": "touch ran.txt"})
    assert outcome.is_error
    assert "apt-get install bubblewrap" in outcome.content
    assert "agents.openai.unsafe_commands: true" in outcome.content
    assert not (box.worktree / "ran.txt").exists()
    again = toolbox.execute("run_command", {"command": "touch ran.txt"})
    assert again.content == outcome.content
    assert sum("run_command is disabled" in line for line in box.log.lines) == 1
    # File tools are not affected.
    assert not toolbox.execute("write_file", {"path": "a.txt", "content": "x"}).is_error


def test_a_bwrap_that_cannot_make_namespaces_is_refused(box: Box, bin_dir: Path) -> None:
    # What bwrap prints where user namespaces are off (a container, a hardened kernel).
    write_script(bin_dir, "bwrap", "import sys\nsys.exit('bwrap: No permissions to create new namespace')\n")
    env = dict(box.env, PATH=f"{bin_dir}:/usr/bin:/bin")
    outcome = box.toolbox(env=env).execute("run_command", {"command": "touch ran.txt"})
    assert outcome.is_error
    assert "cannot create its sandbox here (bwrap: No permissions to create new namespace)" in outcome.content
    assert "user namespaces" in outcome.content and "unsafe_commands: true" in outcome.content
    assert not (box.worktree / "ran.txt").exists()


def test_unsafe_commands_runs_unconfined_but_still_redacts(box: Box, tmp_path: Path) -> None:
    empty = tmp_path / "no-bwrap"
    empty.mkdir()
    (empty / "sh").symlink_to("/bin/sh")
    env = dict(box.env, PATH=f"{empty}")
    toolbox = box.toolbox({"unsafe_commands": True}, env=env)
    outcome = toolbox.execute(
        "run_command", {"command": f'echo "key=$OPENAI_API_KEY"; echo x > {tmp_path}/out.txt'}
    )
    assert not outcome.is_error, outcome.content
    assert outcome.content.endswith("key=[redacted]")
    assert (tmp_path / "out.txt").exists()  # unconfined, as the user asked
    assert any("NOT confined" in line for line in box.log.lines)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"unsafe_commands": "yes please"},
            "agents.openai.unsafe_commands in .chant/config.md must be true or false",
        ),
        ({"env_allow": {"A": 1}}, "agents.openai.env_allow in .chant/config.md must be a list of strings"),
    ],
)
def test_bad_settings_are_named(box: Box, settings: dict[str, object], message: str) -> None:
    outcome = box.run("true", settings)
    assert outcome.is_error and message in outcome.content
