"""What confinement costs ``run_command`` (docs/sandbox.md): the same commands through the Toolbox, in
bubblewrap and unconfined (``unsafe_commands: true``), on a real linked worktree.

Usage::

    .venv/bin/python bench/sandbox_bench.py                 # 30 rounds
    .venv/bin/python bench/sandbox_bench.py --rounds 100 --json bench/results/sandbox.json

Measured per round, interleaved: ``true``, ``git status``, and ``git add`` + ``git commit`` of one file, each
run with ``subprocess.run`` from the argv and environment the Toolbox's launcher builds (the Toolbox itself
adds ``run_process``, which polls every 50 ms in both modes and would hide the difference). The first-command
set-up (bwrap probe, git layout, scratch dir) and ``close()`` are measured separately. Medians are reported,
min alongside. Target: confinement adds <= 20 ms per command.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from chant.agents import sandbox
from chant.agents.tools import Toolbox

TARGET_MS = 20.0
COMMANDS = {
    "true": "true",
    "git status": "git status --porcelain",
    "git add+commit": "echo $RANDOM >> f.txt && git add f.txt && git commit -q -m step",
}
IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@chant.invalid",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@chant.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def _repo(base: Path, env: dict[str, str]) -> Path:
    repo = base / "repo"
    repo.mkdir()
    for args in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "init"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    worktree = repo / ".chant" / "run" / "worktrees" / "bench"
    subprocess.run(
        ["git", "worktree", "add", "-q", "-b", "chant/bench", str(worktree)], cwd=repo, env=env, check=True
    )
    return worktree


def _ms(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    found = sandbox.find_bwrap()
    if isinstance(found, sandbox.Unusable):
        print(f"skipped: no usable bwrap ({found.reason})")
        return 0
    sandbox._probe_cache.clear()  # measure the probe below, not this check
    env = {**os.environ, **IDENTITY}
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="chant-sandbox-bench-") as tmp:
        worktree = _repo(Path(tmp), env)
        boxes = {
            "confined": Toolbox(worktree, env, threading.Event(), settings={}),
            "unconfined": Toolbox(worktree, env, threading.Event(), settings={"unsafe_commands": True}),
        }
        samples["set-up (first command, incl. probe)"] = [_ms(boxes["confined"].launcher)]
        boxes["unconfined"].launcher()
        for _ in range(args.rounds):
            for label, command in COMMANDS.items():
                for mode, box in boxes.items():
                    launch = box.launcher().launch(command)
                    took = _ms(lambda a=launch: _run(a.argv, a.env, worktree))
                    samples.setdefault(f"{label} [{mode}]", []).append(took)
        samples["close()"] = [_ms(boxes["confined"].close)]
    rows = {
        name: {"median_ms": statistics.median(v), "min_ms": min(v), "n": len(v)}
        for name, v in samples.items()
    }
    width = max(len(name) for name in rows)
    for name, row in rows.items():
        print(
            f"{name:<{width}}  median {row['median_ms']:7.1f} ms   min {row['min_ms']:7.1f} ms   n={row['n']}"
        )
    worst = max(
        rows[f"{label} [confined]"]["median_ms"] - rows[f"{label} [unconfined]"]["median_ms"]
        for label in COMMANDS
    )
    verdict = "ok" if worst <= TARGET_MS else "MISSED"
    print(
        f"confinement adds at most {worst:.1f} ms per command (median); target <= {TARGET_MS:g} ms: {verdict}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": rows, "samples": samples, "added_ms": worst}, indent=2))
    return 0


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> None:
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[-1]!r} failed: {proc.stderr}")


if __name__ == "__main__":
    raise SystemExit(main())
