"""Install the real agent CLIs that the contract tests run against into a git-ignored npm prefix.

The versions are pinned in ``package.json`` and ``package-lock.json`` beside this file (exact versions and
integrity hashes) and installed with ``npm ci`` into ``.cache/npm/``. A stamp holding the pins makes a
second run a no-op until the pins change. ``make test`` runs this before pytest; the contract tests call
``ensure_installed()`` too, so running pytest alone works the same.

The script exits 0 when npm is missing (the contract tests then skip, saying so) and when the install
fails (the tests then fail with npm's output, kept in ``.cache/npm/install.log``): a broken install is a
failed test, not a broken Makefile.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PREFIX = ROOT / ".cache" / "npm"
BIN = PREFIX / "node_modules" / ".bin"
PINS = ("package.json", "package-lock.json")
INSTALL_TIMEOUT = 900.0


@dataclass
class Install:
    ok: bool
    detail: str  # what happened, for the test report
    seconds: float = 0.0


def pins_text() -> str:
    return "".join((HERE / name).read_text(encoding="utf-8") for name in PINS)


def is_current(prefix: Path = PREFIX) -> bool:
    try:
        return (prefix / ".installed").read_text(encoding="utf-8") == pins_text()
    except OSError:
        return False


def ensure_installed(prefix: Path = PREFIX, npm: str | None = "") -> Install | None:
    """None when npm is not installed; else the (possibly cached) outcome of installing the pins into
    ``prefix`` with ``npm`` (default: the one on PATH)."""
    npm = shutil.which("npm") if npm == "" else npm
    if npm is None:
        return None
    if is_current(prefix):
        return Install(True, f"cached in {prefix}")
    prefix.mkdir(parents=True, exist_ok=True)
    stamp, log = prefix / ".installed", prefix / "install.log"
    with open(prefix / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest workers and make may race; one installs, the rest wait
        if is_current(prefix):
            return Install(True, f"installed by another process in {prefix}")
        for name in PINS:
            shutil.copyfile(HERE / name, prefix / name)
        stamp.unlink(missing_ok=True)
        start = time.monotonic()
        argv = [npm, "ci", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=warn"]
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
            output, code = proc.stdout + proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as exc:
            output, code = f"{exc.stdout or ''}{exc.stderr or ''}\ntimed out after {INSTALL_TIMEOUT:g}s", -1
        seconds = time.monotonic() - start
        log.write_text(f"$ {' '.join(argv)}\nexit {code} after {seconds:.1f}s\n{output}", encoding="utf-8")
        if code != 0:
            return Install(False, f"`npm ci` failed (exit {code}); see {log}:\n{output[-3000:]}", seconds)
        stamp.write_text(pins_text(), encoding="utf-8")
        return Install(True, f"installed in {prefix} in {seconds:.1f}s", seconds)


def main() -> int:
    outcome = ensure_installed()
    if outcome is None:
        print("npm is not installed: the real agent CLI contract tests (tests/contract) will be skipped")
    elif outcome.ok:
        print(f"agent CLIs for the contract tests: {outcome.detail}")
    else:
        print(f"agent CLIs for the contract tests: {outcome.detail}", file=sys.stderr)
        print("the contract tests will fail with this error", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
