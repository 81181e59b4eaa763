"""Re-measure the reliability campaign's families for supervision and recovery (issue 10), tried / passed.

Usage::

    .venv/bin/python bench/campaign.py                 # every family
    .venv/bin/python bench/campaign.py --quick         # fewer trials, a smaller flood
    .venv/bin/python bench/campaign.py --family kill9-phase --family signals --json out.json

Each trial builds a throw-away repository with the seed's driver (three parallel members and a dependent
one), the protocol-faithful fake agent (tests/fakes/fake_agent.py) installed as ``claude``, and runs the real
``chant`` CLI. The families:

- ``kill9-phase``: chant SIGKILLs itself at each step of the recovery table (``CHANT_TEST_CRASH_AT``); pass
  = one ``chant work <driver>`` completes every spec, no agent commit lost, nothing left over.
- ``kill9-random``: ``kill -9`` of chant at a random moment (0.2-4 s) of a run with sleeping agents; pass =
  no agent process alive 5 s later, then one ``chant work <driver>`` completes everything, no commit lost.
- ``signals``: SIGTERM, SIGHUP, ``kill -9`` of the pid and of the process group, with hanging agents
  (each with a ``sleep`` child); pass = within 5 s no process of the run is alive, the exit status is
  128+signal (or -9), then one ``chant work <driver>`` completes everything.
- ``flood``: 1 GiB of output in 1 KiB lines (log size, chant's peak RSS) and one 256 MiB line without a
  newline (chant's peak RSS); pass = the log stays within twice ``logs.max_bytes`` and chant under 200 MB.
- ``rogue``: an agent that commits to main, commits on another branch, writes ``core.hooksPath`` and a
  hook, deletes or re-statuses its spec; pass = ``needs_attention`` with the reason, nothing merged,
  ``.git/config`` and hooks as before.
- ``branch-switch``: ``git checkout -b feature`` mid-run; pass = the status is on main, the user's branch and
  checkout untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import (  # noqa: E402
    CHANT_CMD,
    SEED_DRIVER,
    SEED_MEMBERS,
    init_git_repo,
    install_seed,
    make_env,
    run_git,
)
from tests.run.conftest import install_fake_claude, marked_processes, write_config  # noqa: E402

from chant.run.crashpoints import STEPS  # noqa: E402

MIB = 1024 * 1024
PHASE1 = SEED_MEMBERS[:3]


class Trial:
    """One scratch repository with the seed driver and the fake agent."""

    def __init__(self, base: Path, config_extra: str = "") -> None:
        self.base = base
        self.marker = f"campaign-{os.getpid()}-{base.name}"
        self.env = make_env(base / "home")
        self.env["PATH"] = f"{install_fake_claude(base / 'bin').parent}{os.pathsep}{self.env['PATH']}"
        self.env["FAKE_RECORD_DIR"] = str(base / "records")
        self.env["CHANT_TEST_MARKER"] = self.marker
        (base / "records").mkdir(parents=True)
        self.repo = init_git_repo(base / "repo", self.env)
        self.chant("init", check=True)
        write_config(self.repo, config_extra)
        install_seed(self.repo, self.env, commit=False)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "setup")

    def chant(
        self, *args: str, check: bool = False, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [*CHANT_CMD, *args], cwd=self.repo, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and proc.returncode != 0:
            raise RuntimeError(f"chant {' '.join(args)}: {proc.stdout}{proc.stderr}")
        return proc

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*CHANT_CMD, *args],
            cwd=self.repo,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # its own group, like a chant started from a shell
        )

    def git(self, *args: str) -> str:
        return run_git(*args, cwd=self.repo, env=self.env)

    def plan(self, **by_id: str) -> None:
        self.env["FAKE_PLAN"] = json.dumps(by_id)

    def status(self, spec_id: str) -> str:
        text = (self.repo / ".chant" / "specs" / f"{spec_id}.md").read_text(encoding="utf-8")
        for line in text.split("---", 2)[1].splitlines():
            if line.startswith("status:"):
                return line.split(":", 1)[1].strip()
        return "?"

    def field(self, spec_id: str, key: str) -> str:
        text = (self.repo / ".chant" / "specs" / f"{spec_id}.md").read_text(encoding="utf-8")
        for line in text.split("---", 2)[1].splitlines():
            if line.startswith(f"{key}:"):
                return line.split(":", 1)[1].strip()
        return ""

    def alive(self) -> list[int]:
        return marked_processes(self.marker)

    def record(self, spec_id: str) -> dict[str, object]:
        path = self.base / "records" / f"{spec_id}.json"
        data: dict[str, object] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return data

    def commits(self) -> list[str]:
        path = self.base / "records" / "commits.log"
        return [line.split()[1] for line in path.read_text().splitlines()] if path.exists() else []

    def all_completed_and_clean(self) -> str | None:
        """None when every spec is completed, every agent commit on main and nothing is left over."""
        for spec_id in [SEED_DRIVER, *SEED_MEMBERS]:
            if self.status(spec_id) != "completed":
                return f"{spec_id} is {self.status(spec_id)}"
        for sha in self.commits():
            if subprocess.run(
                ["git", "merge-base", "--is-ancestor", sha, "main"], cwd=self.repo, env=self.env
            ).returncode:
                return f"agent commit {sha[:12]} lost"
        if self.git("status", "--porcelain").strip():
            return "checkout not clean: " + self.git("status", "--porcelain")
        if self.git("branch", "--list", "chant/*").strip():
            return "branches left: " + self.git("branch", "--list", "chant/*")
        if list((self.repo / ".git").glob("*.lock")):
            return "git lock left"
        return None

    def kill_leftovers(self) -> None:
        for pid in self.alive():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def wait(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


Result = tuple[bool, str]


def kill9_phase(base: Path, step: str) -> Result:
    config = "git:\n  stale_lock_seconds: 1\n"
    if step == "gate":
        config += 'merge:\n  gate: "true"\n'  # the gate step exists only where a merge gate is configured
    trial = Trial(base, config)
    trial.env["CHANT_TEST_CRASH_AT"] = step
    first = trial.chant("work", SEED_DRIVER)
    del trial.env["CHANT_TEST_CRASH_AT"]
    if first.returncode != -signal.SIGKILL:
        return False, f"did not crash at {step} (exit {first.returncode})"
    if not wait(lambda: not trial.alive(), 10):
        return False, "agents outlived chant"
    again = trial.chant("work", SEED_DRIVER)
    if again.returncode != 0:
        return False, f"re-run exited {again.returncode}: {again.stdout[-300:]}{again.stderr[-300:]}"
    problem = trial.all_completed_and_clean()
    return problem is None, problem or "recovered with one command"


def kill9_random(base: Path, seed: int) -> Result:
    trial = Trial(base)
    trial.env["FAKE_SLEEP"] = "1.5"
    delay = random.Random(seed).uniform(0.2, 4.0)
    proc = trial.popen("work", SEED_DRIVER)
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    if not wait(lambda: not trial.alive(), 5):
        trial.kill_leftovers()
        return False, f"killed at {delay:.2f}s: agents still alive after 5 s"
    trial.env.pop("FAKE_SLEEP")
    again = trial.chant("work", SEED_DRIVER)
    if again.returncode != 0:
        return False, f"killed at {delay:.2f}s: re-run exited {again.returncode}: {again.stdout[-400:]}"
    problem = trial.all_completed_and_clean()
    return problem is None, f"killed at {delay:.2f}s: " + (problem or "recovered")


def signal_trial(base: Path, how: str) -> Result:
    trial = Trial(base)
    trial.plan(**{m: "hang" for m in PHASE1})
    proc = trial.popen("work", SEED_DRIVER)
    try:
        if not wait(lambda: all("child_pid" in trial.record(m) for m in PHASE1), 60):
            return False, "agents never started"
        sent = time.monotonic()
        if how == "kill9-group":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.send_signal(
                {"SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP, "kill9-pid": signal.SIGKILL}[how]
            )
        proc.wait(60)
        gone = wait(lambda: not trial.alive(), 5)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    if not gone:
        trial.kill_leftovers()
        return False, f"{how}: processes of the run alive 5 s later"
    expected = {"SIGTERM": 143, "SIGHUP": 129}.get(how, -signal.SIGKILL)
    if proc.returncode != expected:
        return False, f"{how}: exit {proc.returncode}, expected {expected}"
    trial.plan()
    again = trial.chant("work", SEED_DRIVER)
    if again.returncode != 0:
        return False, f"{how}: re-run exited {again.returncode}"
    problem = trial.all_completed_and_clean()
    return problem is None, f"{how}: all agents gone {took:.1f}s after the signal; " + (
        problem or "recovered"
    )


PEAK = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


def flood(base: Path, total: int, line: int) -> Result:
    trial = Trial(base, f"logs:\n  max_bytes: {32 * MIB}\n")
    member = SEED_MEMBERS[0]
    trial.plan(**{member: "flood"})
    trial.env["FAKE_FLOOD_BYTES"] = str(total)
    trial.env["FAKE_FLOOD_LINE"] = str(line)
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", PEAK, *CHANT_CMD, "work", member],
        cwd=trial.repo,
        env=trial.env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    took = time.monotonic() - started
    peak_kib, code = (int(x) for x in out.stdout.split()[-2:])
    logs = trial.repo / ".chant" / "logs"
    size = sum(p.stat().st_size for p in logs.glob(f"{member}.log*"))
    shape = f"{total // MIB} MiB in {'1 line' if not line else f'{line}-byte lines'}"
    detail = f"{shape}: chant peak RSS {peak_kib / 1024:.0f} MB, logs {size / MIB:.1f} MiB, {took:.0f}s"
    ok = (
        code == 0
        and trial.status(member) == "completed"
        and peak_kib < 200 * 1024
        and size <= 2 * 32 * MIB + MIB
    )
    return ok, detail


ROGUE = {
    "rogue-main": "updated refs/heads/main",
    "rogue-branch": "updated refs/heads/side-work",
    "rogue-hooks": ".git/config was changed (restored)",
    "delete-spec": "is missing on",
    "setstatus": "changed its spec's status",
}


def rogue(base: Path, scenario: str) -> Result:
    trial = Trial(base)
    member = SEED_MEMBERS[0]
    config = (trial.repo / ".git" / "config").read_bytes()
    before = trial.git("rev-parse", "main").strip()
    trial.plan(**{member: scenario})
    out = trial.chant("work", member)
    reason = trial.field(member, "failure_reason")
    merged = trial.git("log", "--merges", "--format=%s", f"{before}..main").strip()
    ok = (
        out.returncode == 1
        and trial.status(member) == "needs_attention"
        and ROGUE[scenario] in reason
        and not merged
        and (trial.repo / ".git" / "config").read_bytes() == config
        and not (trial.repo / ".git" / "hooks" / "pre-commit").exists()
    )
    return ok, f"{scenario}: {trial.status(member)}: {reason[:120]}"


def branch_switch(base: Path, _n: int) -> Result:
    trial = Trial(base)
    member = SEED_MEMBERS[0]
    trial.env["FAKE_SLEEP"] = "2"
    proc = subprocess.Popen(
        [*CHANT_CMD, "work", member],
        cwd=trial.repo,
        env=trial.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait(lambda: bool(trial.record(member)), 60)
    trial.git("checkout", "-q", "-b", "feature")
    feature = trial.git("rev-parse", "feature").strip()
    proc.wait(120)
    on_main = "status: completed" in trial.git("show", f"main:.chant/specs/{member}.md")
    ok = (
        proc.returncode == 0
        and on_main
        and trial.git("rev-parse", "feature").strip() == feature
        and not trial.git("status", "--porcelain").strip()
    )
    return (
        ok,
        f"status on main: {on_main}; feature untouched: {trial.git('rev-parse', 'feature').strip() == feature}",
    )


def families(quick: bool) -> dict[str, list[tuple[str, Callable[[Path], Result]]]]:
    repeat = 1 if quick else 2
    randoms = 4 if quick else 8
    flood_total = 128 * MIB if quick else 1024 * MIB
    single_line = 64 * MIB if quick else 256 * MIB

    def bind(fn: Callable[[Path, object], Result], arg: object) -> Callable[[Path], Result]:
        return lambda base: fn(base, arg)

    return {
        "kill9-phase": [(f"{s}#{r}", bind(kill9_phase, s)) for s in STEPS for r in range(repeat)],
        "kill9-random": [(f"seed {n}", bind(kill9_random, n)) for n in range(randoms)],
        "signals": [
            (f"{how}#{r}", bind(signal_trial, how))
            for how in ("SIGTERM", "SIGHUP", "kill9-pid", "kill9-group")
            for r in range(repeat)
        ],
        "flood": [
            ("1 KiB lines", bind(lambda b, t: flood(b, t, 1024), flood_total)),  # type: ignore[arg-type]
            ("one line", bind(lambda b, t: flood(b, t, 0), single_line)),  # type: ignore[arg-type]
        ],
        "rogue": [(name, bind(rogue, name)) for name in ROGUE],
        "branch-switch": [("checkout -b feature", bind(branch_switch, 0))],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", action="append", help="run only these families (repeatable)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    chosen = families(args.quick)
    if args.family:
        chosen = {k: v for k, v in chosen.items() if k in args.family}
    workdir = Path(tempfile.mkdtemp(prefix="chant-campaign-"))
    report: dict[str, dict[str, object]] = {}
    try:
        for family, trials in chosen.items():
            passed = 0
            details = []
            for n, (name, run) in enumerate(trials):
                base = workdir / f"{family}-{n}"
                try:
                    ok, detail = run(base)
                except Exception as exc:  # a trial that blows up is a failed trial, not a crashed campaign
                    ok, detail = False, f"{type(exc).__name__}: {exc}"
                passed += ok
                details.append({"trial": name, "ok": ok, "detail": detail})
                print(f"  [{'pass' if ok else 'FAIL'}] {family} {name}: {detail}", flush=True)
                shutil.rmtree(base, ignore_errors=True)
            report[family] = {"tried": len(trials), "passed": passed, "trials": details}
            print(f"{family}: {passed}/{len(trials)} passed", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("\n| family | tried | passed |\n|---|---|---|")
    for family, row in report.items():
        print(f"| {family} | {row['tried']} | {row['passed']} |")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"\n(largest child process over the whole campaign: {peak / 1024:.0f} MB RSS)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0 if all(r["passed"] == r["tried"] for r in report.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
