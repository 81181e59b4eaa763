"""Benchmarks of ``chant work``'s pipeline (DESIGN §4), with agents that cost (almost) nothing.

Usage::

    .venv/bin/python bench/pipeline_bench.py            # both benchmarks, 3 rounds each
    .venv/bin/python bench/pipeline_bench.py --rounds 5 --json bench/results/pipeline.json

(a) **Orchestration overhead per spec.** 10 independent specs, the ``command`` provider running a tiny
    ``sh`` agent that ticks the box and commits. Measured two ways: ``chant work --chain`` over all 10 (one
    process), and ``chant work <id>`` ten times (a process each, so Python start-up is included). The agent's
    own time is measured alone and shown, so "overhead" is chant's share. Target: <= 0.3 s per spec.
(b) **Parallel members really overlap.** A driver with 8 members (``depends_on: []``: one parallel phase)
    whose agents sleep 2 s, run with ``--max 8``, against the same driver with 1 member. Target: <= 1.3x.

Each round builds a fresh throw-away repository; medians are reported, min alongside.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHANT = [sys.executable, "-m", "chant"]
OVERHEAD_TARGET_S = 0.3
OVERLAP_TARGET = 1.3
SLEEP_S = 2.0

AGENT_SH = """\
#!/bin/sh
set -e
[ -n "$BENCH_SLEEP" ] && sleep "$BENCH_SLEEP"
sed -i 's/- \\[ \\]/- [x]/' "$CHANT_SPEC_FILE"
echo "done by $CHANT_SPEC_ID" > "out-$CHANT_SPEC_ID.txt"
git add -A
git commit -q -m "chant($CHANT_SPEC_ID): done"
"""

CONFIG = """\
---
project:
  name: bench
defaults:
  agent: command
  timeout: {timeout}
parallel:
  max: {parallel}
agents:
  command:
    command: ["sh", "{agent}"]
{extra}---
"""


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHANT_", "GIT_"))}
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
            "GIT_AUTHOR_NAME": "Bench",
            "GIT_AUTHOR_EMAIL": "bench@chant.invalid",
            "GIT_COMMITTER_NAME": "Bench",
            "GIT_COMMITTER_EMAIL": "bench@chant.invalid",
            "NO_COLOR": "1",
        }
    )
    return env


def sh(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True)


def spec(title: str, *, parent: str | None = None, depends_on_empty: bool = False) -> str:
    front = ["---", "type: code", "status: pending"]
    if parent:
        front.append(f"parent: {parent}")
    if depends_on_empty:
        front.append("depends_on: []")
    return "\n".join([*front, "---", "", f"# {title}", "", "## Acceptance Criteria", "", "- [ ] done", ""])


def make_repo(base: Path, specs: dict[str, str], env: dict[str, str]) -> Path:
    repo = base / "repo"
    repo.mkdir(parents=True)
    sh(["git", "init", "-q", "-b", "main"], repo, env)
    install_chant(base, repo, specs, env)
    return repo


def install_chant(
    base: Path,
    repo: Path,
    specs: dict[str, str],
    env: dict[str, str],
    *,
    agent_sh: str = AGENT_SH,
    timeout: int = 120,
    parallel: int = 8,
    extra: str = "",
) -> None:
    """``chant init`` in ``repo``, the instant agent (``agent_sh``) as the command agent, ``specs``, committed."""
    sh([*CHANT, "init"], repo, env)
    agent = base / "agent.sh"
    agent.write_text(agent_sh, encoding="utf-8")
    config = (
        CONFIG.replace("{agent}", str(agent))
        .replace("{timeout}", str(timeout))
        .replace("{parallel}", str(parallel))
        .replace("{extra}", extra)
    )
    (repo / ".chant" / "config.md").write_text(config, encoding="utf-8")
    for spec_id, text in specs.items():
        (repo / ".chant" / "specs" / f"{spec_id}.md").write_text(text, encoding="utf-8")
    sh(["git", "add", "-A"], repo, env)
    sh(["git", "commit", "-q", "-m", "bench setup"], repo, env)


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def agent_alone(base: Path, env: dict[str, str]) -> float:
    """What the instant agent itself costs (sh + sed + two git commands), outside chant."""
    repo = base / "alone"
    repo.mkdir()
    sh(["git", "init", "-q", "-b", "main"], repo, env)
    spec_file = repo / "spec.md"
    times = []
    for n in range(5):
        spec_file.write_text(spec(f"alone {n}"), encoding="utf-8")
        agent_env = dict(env, CHANT_SPEC_FILE=str(spec_file), CHANT_SPEC_ID=f"alone-{n}")
        times.append(timed(["sh", str(base / "agent.sh")], repo, agent_env))
    return statistics.median(times)


def bench_overhead(workdir: Path, rounds: int, n: int = 10) -> dict[str, float]:
    ids = [f"2026-02-01-{i:03d}-ovh" for i in range(1, n + 1)]
    chain, single, alone = [], [], []
    for r in range(rounds):
        for mode in ("chain", "single"):
            base = workdir / f"overhead-{mode}-{r}"
            env = env_for(base / "home")
            repo = make_repo(base, {i: spec(f"Spec {i}") for i in ids}, env)
            if mode == "chain":
                chain.append(timed([*CHANT, "work", "--chain"], repo, env) / n)
                alone.append(agent_alone(base, env))
            else:
                single.append(sum(timed([*CHANT, "work", i], repo, env) for i in ids) / n)
            shutil.rmtree(base, ignore_errors=True)
    return {
        "chain_per_spec_s": statistics.median(chain),
        "chain_per_spec_min_s": min(chain),
        "single_per_spec_s": statistics.median(single),
        "single_per_spec_min_s": min(single),
        "agent_alone_s": statistics.median(alone),
    }


def driver_specs(members: int) -> dict[str, str]:
    driver = "2026-02-01-001-drv"
    specs = {driver: spec("Driver").replace("- [ ] done", "- [x] done").replace("type: code", "type: driver")}
    for m in range(1, members + 1):
        specs[f"{driver}.{m}"] = spec(f"Member {m}", parent=driver, depends_on_empty=True)
    return specs


def bench_overlap(workdir: Path, rounds: int, members: int = 8) -> dict[str, float]:
    one, many = [], []
    for r in range(rounds):
        for count, bucket in ((1, one), (members, many)):
            base = workdir / f"overlap-{count}-{r}"
            env = env_for(base / "home")
            env["BENCH_SLEEP"] = str(SLEEP_S)
            repo = make_repo(base, driver_specs(count), env)
            bucket.append(timed([*CHANT, "work", "--max", str(members), "2026-02-01-001-drv"], repo, env))
            shutil.rmtree(base, ignore_errors=True)
    return {
        "one_member_s": statistics.median(one),
        "one_member_min_s": min(one),
        "members_s": statistics.median(many),
        "members_min_s": min(many),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="chant-pipeline-bench-"))
    try:
        overhead = bench_overhead(workdir, args.rounds)
        overlap = bench_overlap(workdir, args.rounds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    chain_overhead = overhead["chain_per_spec_s"] - overhead["agent_alone_s"]
    rows = [
        ("(a) instant agent alone (sh + sed + git commit)", overhead["agent_alone_s"], None, None),
        ("(a) chant work --chain, 10 specs: per spec", overhead["chain_per_spec_s"], None, None),
        ("(a)   best round", overhead["chain_per_spec_min_s"], None, None),
        ("(a)   of which chant's overhead per spec", chain_overhead, OVERHEAD_TARGET_S, chain_overhead),
        ("(a) chant work <id> x10: per spec (incl. start-up)", overhead["single_per_spec_s"], None, None),
        ("(b) agent sleep (one member's work)", SLEEP_S, None, None),
        ("(b) driver, 1 member: wall", overlap["one_member_s"], None, None),
        ("(b) driver, 8 members --max 8: wall", overlap["members_s"], None, None),
        (
            "(b)   8 members / 1 member",
            overlap["members_s"] / overlap["one_member_s"],
            OVERLAP_TARGET,
            overlap["members_s"] / overlap["one_member_s"],
        ),
        (
            "(b)   8 members / 1 member, best rounds (min/min)",
            overlap["members_min_s"] / overlap["one_member_min_s"],
            None,
            None,
        ),
        ("(b)   8 members / agent sleep", overlap["members_s"] / SLEEP_S, None, None),
    ]
    print(
        f"chant pipeline bench: {args.rounds} round(s), median; python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPU(s)"
    )
    print(f"{'measurement':<54} {'value':>9} {'target':>8}  verdict")
    print("-" * 84)
    failed = False
    for label, value, target, checked in rows:
        is_ratio = "/" in label
        shown = f"{value:.2f}x" if is_ratio else f"{value:.3f}s"
        if target is None:
            print(f"{label:<54} {shown:>9}")
            continue
        ok = checked is not None and checked <= target
        failed |= not ok
        tshown = f"<={target:.1f}x" if is_ratio else f"<={target:.1f}s"
        print(f"{label:<54} {shown:>9} {tshown:>8}  {'ok' if ok else 'MISSED'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({**overhead, **overlap, "sleep_s": SLEEP_S}, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
