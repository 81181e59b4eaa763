"""The environment of a confined command (``sandbox.py``): an allow-list, never a secret.

Passed when set: locale and terminal, ``CHANT_*``, git identity and config, where toolchains live, CA
bundles, plus what ``agents.<name>.env_allow`` names. A secret-looking name (``redact.looks_secret``) passes
only when named exactly there; the API key variable never does. ``$HOME`` and ``$TMPDIR`` point into the
sandbox's private ``/tmp``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from pathlib import Path

from chant.agents.redact import looks_secret

INSIDE_TMP = "/tmp"
INSIDE_HOME = "/tmp/home"

# Passed through when set; everything else stays outside unless `env_allow` names it.
BASE_ENV = frozenset(
    {
        "PATH", "LANG", "LANGUAGE", "TERM", "TZ", "NO_COLOR", "USER", "LOGNAME", "EMAIL",
        "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE",
        "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL",
        # Where toolchains live (pyenv shims, rustup proxies and the like look here, not on PATH).
        "PYENV_ROOT", "PYENV_VERSION", "VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV",
        "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "CARGO_HOME", "GOROOT", "GOPATH", "JAVA_HOME",
        "NVM_DIR", "NVM_BIN", "GEM_HOME", "GEM_PATH",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
    }
)  # fmt: skip
BASE_ENV_PREFIXES = ("CHANT_", "LC_")
# Toolchain homes that default to ~/...: with $HOME moved to the scratch dir they must be spelled out.
TOOLCHAIN_HOMES = {"PYENV_ROOT": ".pyenv", "RUSTUP_HOME": ".rustup", "CARGO_HOME": ".cargo"}
FIXED_ENV = {
    "HOME": INSIDE_HOME,
    "TMPDIR": INSIDE_TMP,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_EDITOR": "true",  # stdin is /dev/null: an editor would only hang until the timeout
    "GIT_PAGER": "cat",
    "PAGER": "cat",
}
FORCED_ENV = frozenset({"HOME", "TMPDIR"})  # the others may be overridden through env_allow
# git's automatic gc/maintenance writes lock files in the shared git dir, which is read-only in here.
GIT_CONFIG = (("gc.auto", "0"), ("maintenance.auto", "false"))


def command_env(env: Mapping[str, str], env_allow: Iterable[str], api_key_env: str) -> dict[str, str]:
    """The allow-listed environment of a confined command: ``env`` is chant's, ``env_allow`` the user's
    extra names or globs, ``api_key_env`` the variable that is never passed, whatever the list says."""
    exact = {name for name in env_allow if not _is_glob(name)}
    globs = [name for name in env_allow if _is_glob(name)]
    out: dict[str, str] = {}
    for name, value in env.items():
        if name == api_key_env:
            continue
        allowed = name in exact or (
            (name in BASE_ENV or name.startswith(BASE_ENV_PREFIXES) or _matches(name, globs))
            # A secret-looking name passes only when the user spelled it out, never through a default or glob.
            and not looks_secret(name)
        )
        if allowed:
            out[name] = value
    real_home = Path(env.get("HOME") or Path.home())
    for name, rel in TOOLCHAIN_HOMES.items():
        if name not in out and (real_home / rel).is_dir():
            out[name] = str(real_home / rel)
    if "GIT_CONFIG_GLOBAL" not in out:
        found = _global_git_config(env, real_home)
        if found:
            out["GIT_CONFIG_GLOBAL"] = str(found)  # identity and aliases, read from the real file
    for name, value in FIXED_ENV.items():
        out[name] = value if name in FORCED_ENV else out.get(name, value)
    start = _int(out.get("GIT_CONFIG_COUNT"))
    for offset, (key, value) in enumerate(GIT_CONFIG):
        out[f"GIT_CONFIG_KEY_{start + offset}"] = key
        out[f"GIT_CONFIG_VALUE_{start + offset}"] = value
    out["GIT_CONFIG_COUNT"] = str(start + len(GIT_CONFIG))
    return out


def _is_glob(name: str) -> bool:
    return any(ch in name for ch in "*?[")


def _matches(name: str, globs: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in globs)


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def _global_git_config(env: Mapping[str, str], home: Path) -> Path | None:
    xdg = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    for candidate in (home / ".gitconfig", xdg / "git" / "config"):
        if candidate.is_file():
            return candidate
    return None
