"""Confinement of the HTTP agents' ``run_command``: every command runs inside bubblewrap (``bwrap``).

Inside the sandbox the whole filesystem is read-only except the worktree and the parts of the git dir a
commit on the spec's branch writes (the worktree's own git dir, loose objects, the branch's ref and
reflog directories). The shared ``.git/config`` and ``.git/hooks`` stay read-only, so a command cannot leave
a hook or a ``core.hooksPath`` behind for the user's next ``git commit``. ``/tmp`` is a private scratch dir
(also ``$HOME``), ``/proc`` shows only the sandbox's processes, the network is unshared, and the environment
is an allow-list that never carries the API key or any variable whose name looks like a secret.

Where bwrap is missing or cannot create namespaces, commands are refused with a message saying how to
enable it, or how to opt out (``agents.<name>.unsafe_commands: true``). See docs/sandbox.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from chant import git
from chant.agents import sandbox_env

INSIDE_TMP = Path(sandbox_env.INSIDE_TMP)
PROBE_TIMEOUT = 10.0
# Everything read-only; /dev and /proc of the sandbox's own (no host processes, so no host environments).
BASE_MOUNTS = ("--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc")

# Credentials and agent sockets hidden even though the rest of the filesystem is readable: file contents
# go back to the model provider, and a socket on a read-only mount still accepts connections.
DEFAULT_HIDDEN = (
    "~/.ssh", "~/.gnupg", "~/.aws", "~/.azure", "~/.config/gcloud", "~/.kube", "~/.docker",
    "~/.netrc", "~/.git-credentials", "~/.config/git/credentials", "~/.config/gh", "~/.npmrc",
    "~/.pypirc", "~/.password-store", "~/.local/share/keyrings",
    "/run/user", "/run/docker.sock", "/run/docker", "/run/containerd", "/run/podman", "/run/dbus",
)  # fmt: skip

INSTALL_HINT = "install bubblewrap (`apt-get install bubblewrap`)"
NAMESPACES_HINT = (
    "allow unprivileged user namespaces (e.g. `sysctl kernel.unprivileged_userns_clone=1`, or an AppArmor "
    "profile for bwrap on Ubuntu 24.04; in a container, run it with namespaces allowed)"
)


class SandboxUnavailable(Exception):
    """``run_command`` is refused; the message says why and what to do (reported to the model and logged)."""


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]


class Launcher(Protocol):
    description: str

    def launch(self, command: str) -> Launch: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Policy:
    """The `agents.<name>.*` settings that shape confinement."""

    agent: str
    unsafe: bool = False
    network: bool = False
    env_allow: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    api_key_env: str = "OPENAI_API_KEY"

    @classmethod
    def from_settings(cls, agent: str, settings: Mapping[str, Any]) -> Policy:
        return cls(
            agent=agent,
            unsafe=_flag(agent, settings, "unsafe_commands"),
            network=_flag(agent, settings, "command_network"),
            env_allow=_names(agent, settings, "env_allow"),
            hide=_names(agent, settings, "hide_paths"),
            api_key_env=str(settings.get("api_key_env") or "OPENAI_API_KEY"),
        )

    def key(self, name: str) -> str:
        return f"agents.{self.agent}.{name}"


def _flag(agent: str, settings: Mapping[str, Any], name: str) -> bool:
    value = settings.get(name, False)
    if not isinstance(value, bool):
        raise SandboxUnavailable(
            f"agents.{agent}.{name} in .chant/config.md must be true or false, not {value!r}"
        )
    return value


def _names(agent: str, settings: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = settings.get(name) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise SandboxUnavailable(f"agents.{agent}.{name} in .chant/config.md must be a list of strings")
    return tuple(value)


def open_launcher(
    worktree: Path, env: Mapping[str, str], settings: Mapping[str, Any], agent: str
) -> Launcher:
    """The way this agent's commands run: confined, or as before when the user opted out."""
    policy = Policy.from_settings(agent, settings)
    if policy.unsafe:
        return Unconfined(dict(env), policy)
    found = find_bwrap(env, network=policy.network)
    if isinstance(found, Unusable):
        raise SandboxUnavailable(
            f"run_command is disabled: {found.reason}, and chant runs commands only inside a sandbox "
            f"where just the worktree is writable. To enable it, {found.fix}; or set "
            f"`{policy.key('unsafe_commands')}: true` in .chant/config.md to run commands unconfined, with "
            f"your environment and your file access (see docs/sandbox.md)."
        )
    return Sandbox(found, Path(worktree), env, policy)


@dataclass(frozen=True)
class Unusable:
    reason: str
    fix: str


def find_bwrap(env: Mapping[str, str] | None = None, *, network: bool = False) -> str | Unusable:
    """The path of a bwrap that can build the sandbox here, or why there is none and how to get one.

    For ``chant doctor`` too: ``find_bwrap()`` looks at this process's ``PATH``.
    """
    path = (os.environ if env is None else env).get("PATH", os.defpath)
    bwrap = shutil.which("bwrap", path=path)
    if bwrap is None:
        return Unusable("bubblewrap (`bwrap`) is not installed", INSTALL_HINT)
    problem = probe(bwrap, network=network)
    if problem:
        return Unusable(f"bubblewrap cannot create its sandbox here ({problem})", NAMESPACES_HINT)
    return bwrap


# -- probe ------------------------------------------------------------------------------------------
_probe_lock = threading.Lock()
_probe_cache: dict[tuple[str, bool], str | None] = {}


def probe(bwrap: str, *, network: bool = False) -> str | None:
    """``None`` when ``bwrap`` can build the sandbox here, else bwrap's own one-line reason. Once per process."""
    key = (bwrap, network)
    with _probe_lock:
        if key not in _probe_cache:
            argv = [bwrap, *_isolation(network), *BASE_MOUNTS, "--tmpfs", str(INSIDE_TMP), "--", "true"]
            try:
                proc = subprocess.run(
                    argv, capture_output=True, text=True, timeout=PROBE_TIMEOUT, env={"PATH": os.defpath}
                )
                lines = proc.stderr.strip().splitlines()
                problem = (
                    None if proc.returncode == 0 else (lines[-1] if lines else f"exit {proc.returncode}")
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                problem = str(exc)
            _probe_cache[key] = problem
        return _probe_cache[key]


def _isolation(network: bool) -> list[str]:
    # A new session: no TIOCSTI into chant's terminal. No capabilities, even when chant runs as root.
    flags = ["--die-with-parent", "--new-session", "--unshare-all", "--cap-drop", "ALL"]
    return [*flags, "--share-net"] if network else flags


# -- the sandbox ------------------------------------------------------------------------------------
@dataclass
class Mounts:
    """What the sandbox makes of the host filesystem, on top of a read-only view of everything."""

    writable: list[Path] = field(default_factory=list)
    protected: list[Path] = field(default_factory=list)  # read-only although inside a writable path
    visible: list[Path] = field(default_factory=list)  # re-exposed read-only where /tmp or a hide covers it
    hidden: list[Path] = field(default_factory=list)


def git_mounts(worktree: Path) -> Mounts:
    """What a ``git add`` / ``git commit`` on the worktree's branch writes, and what must stay read-only.

    Found by experiment (git 2.39): the worktree's git dir (index, HEAD and its reflog, ORIG_HEAD,
    rebase state), the object store's loose objects, and the directories holding the branch's ref and its
    reflog. The shared config, hooks, packed-refs and packs are never written by a commit.
    """
    mounts = Mounts(writable=[worktree])
    dot_git = worktree / ".git"
    if not dot_git.exists() or git.toplevel(worktree) != worktree:
        return mounts
    try:
        git_dir, common = git.git_dirs(worktree)
    except git.GitError:
        return mounts
    git_dir, common = git_dir.resolve(), common.resolve()
    if git_dir.is_relative_to(worktree):  # a main checkout: its git dir is inside the writable tree
        mounts.protected += [p for p in (git_dir / "config", git_dir / "hooks") if p.exists()]
        return mounts
    mounts.visible.append(common)
    mounts.writable += [git_dir, common / "objects"]
    branch = git.current_branch(worktree)
    if branch:
        ref_dir = (common / "refs" / "heads" / branch).parent
        log_dir = (common / "logs" / "refs" / "heads" / branch).parent
        for directory in (ref_dir, log_dir):
            directory.mkdir(parents=True, exist_ok=True)  # git would create them; in here it cannot
            mounts.writable.append(directory)
    # These files point git (and chant's own later git calls in this worktree) at a repository and its
    # config; rewritten, they could aim chant's git at a config with `core.fsmonitor` set to a command.
    worktree_config = git_dir / "config.worktree"
    if not worktree_config.exists():
        worktree_config.touch()  # an empty file changes nothing; a missing one could be created inside
    candidates = [git_dir / "commondir", git_dir / "gitdir", worktree_config, dot_git]
    # A commit adds loose objects only: packs (most of the history of a cloned or gc'ed repository) and
    # `objects/info` (alternates, which chant's own git would follow) need not be writable, so they are not.
    candidates += [common / "objects" / "pack", common / "objects" / "info"]
    mounts.protected += [p for p in candidates if p.exists()]
    return mounts


class Sandbox:
    def __init__(self, bwrap: str, worktree: Path, env: Mapping[str, str], policy: Policy) -> None:
        self.bwrap = bwrap
        self.worktree = worktree.resolve()
        self.policy = policy
        self.env = sandbox_env.command_env(env, policy.env_allow, policy.api_key_env)
        self.mounts = git_mounts(self.worktree)
        self.mounts.hidden = _hidden(policy, env, self.mounts.writable + self.mounts.visible)
        # What the allow-listed environment names must stay reachable: the git config, the PATH.
        named = [self.env.get("GIT_CONFIG_GLOBAL", ""), *self.env.get("PATH", "").split(os.pathsep)]
        self.mounts.visible += [
            Path(p).resolve() for p in named if p and os.path.isabs(p) and os.path.exists(p)
        ]
        self.scratch = Path(tempfile.mkdtemp(prefix="chant-sandbox-"))
        # Removed by close(), or when this object goes away or the interpreter exits, whichever is first.
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.scratch, True)
        (self.scratch / "home").mkdir()
        self.argv = self._argv()
        network = "allowed" if policy.network else f"off (`{policy.key('command_network')}: true` allows it)"
        shown = ", ".join(str(p) for p in self.mounts.writable)
        self.description = f"run_command confined by bubblewrap: writable {shown}; network {network}"

    def _argv(self) -> list[str]:
        argv = [self.bwrap, *_isolation(self.policy.network)]
        argv += [*BASE_MOUNTS, "--bind", str(self.scratch), str(INSIDE_TMP)]
        for path in self.mounts.hidden:
            argv += ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]
        covered = [INSIDE_TMP, *self.mounts.hidden]
        for path in self.mounts.visible:
            inside_writable = any(_within(path, w) for w in self.mounts.writable)
            if not inside_writable and any(_within(path, c) for c in covered):
                argv += ["--ro-bind", str(path), str(path)]
        for path in self.mounts.writable:
            argv += ["--bind", str(path), str(path)]
        for path in self.mounts.protected:
            argv += ["--ro-bind", str(path), str(path)]
        return [*argv, "--chdir", str(self.worktree), "--"]

    def launch(self, command: str) -> Launch:
        return Launch([*self.argv, "sh", "-c", command], dict(self.env))

    def close(self) -> None:
        self._cleanup()


def _hidden(policy: Policy, env: Mapping[str, str], needed: list[Path]) -> list[Path]:
    home = env.get("HOME") or str(Path.home())
    hidden: list[Path] = []
    for raw in (*DEFAULT_HIDDEN, *policy.hide):
        expanded = home + raw[1:] if raw.startswith("~") else raw
        path = Path(expanded)
        if not path.is_absolute() or not os.path.lexists(path):
            continue
        path = path.resolve()
        # Hiding the repository itself (or /tmp, private anyway) would break git, not protect anything.
        if _within(path, INSIDE_TMP) or any(_within(n, path) for n in needed):
            continue
        hidden.append(path)
    return hidden


def _within(path: Path, parent: Path) -> bool:
    return path == parent or path.is_relative_to(parent)


class Unconfined:
    """``unsafe_commands: true``: commands run as the user, with chant's environment, as before."""

    def __init__(self, env: dict[str, str], policy: Policy) -> None:
        self.env = env
        self.description = (
            f"run_command is NOT confined (`{policy.key('unsafe_commands')}: true`): commands can read "
            "and write anything you can, with your environment"
        )

    def launch(self, command: str) -> Launch:
        return Launch(["sh", "-c", command], self.env)

    def close(self) -> None:
        pass
