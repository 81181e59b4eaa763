"""The merge queue's cost (issue 12): 50 instant specs, ``chant work --parallel 8``, with and without a gate.

Usage::

    .venv/bin/python bench/parallel_bench.py                    # 50 specs, 1 round
    .venv/bin/python bench/parallel_bench.py --specs 20 --rounds 3 --json bench/results/parallel.json

Each round builds two fresh throw-away repositories with the same N independent specs and the ``command``
provider's instant ``sh`` agent (tick the box, write one file, commit; see bench/pipeline_bench.py), then runs
``chant work --parallel 8 --json`` in each: one with no gate, one with ``merge.gate: "true"`` (a trivial gate:
what is measured is the gate machinery -- merge tree, scratch worktree, process -- not a test suite). The
table shows both wall times, the gate time chant reported per spec (``gate_s`` of every ``spec_end``) summed,
and the gate's share of the gated run's wall time, measured two ways: the wall-time difference between the
runs, and the summed gate time (gates run in the specs' own workers, so they overlap each other). It also
counts the gate runs: a spec whose early gate was overtaken by another merge is gated again at merge time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline_bench import CHANT, env_for, make_repo, spec

PARALLEL = 8


def run_once(base: Path, n: int, gate: bool) -> dict[str, float]:
    env = env_for(base / "home")
    ids = [f"2026-02-01-{i:03d}-par" for i in range(1, n + 1)]
    repo = make_repo(base, {i: spec(f"Spec {i}") for i in ids}, env)
    if gate:
        config = repo / ".chant" / "config.md"
        text = config.read_text(encoding="utf-8").replace(
            "parallel:\n", 'merge:\n  gate: "true"\nparallel:\n'
        )
        config.write_text(text, encoding="utf-8")
        subprocess.run(["git", "commit", "-qam", "gate"], cwd=repo, env=env, check=True)
    start = time.perf_counter()
    proc = subprocess.run(
        [*CHANT, "work", "--parallel", str(PARALLEL), "--json"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    ends = [e for e in events if e.get("event") == "spec_end"]
    if proc.returncode != 0:
        bad = [f"{e['id']}: {e['state']}: {e['reason']}" for e in ends if e["state"] != "completed"]
        raise SystemExit(f"chant work failed ({proc.returncode}):\n" + "\n".join(bad) + f"\n{proc.stderr}")
    gate_runs = sum(1 for e in events if e.get("event") == "gate")
    if len(ends) != n or any(e["state"] != "completed" for e in ends):
        raise SystemExit(f"not every spec completed:\n{proc.stdout[-3000:]}")
    gate_total = sum(e.get("gate_s") or 0.0 for e in ends)
    return {"wall_s": wall, "gate_sum_s": gate_total, "gate_runs": gate_runs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="chant-parallel-bench-"))
    plain: list[dict[str, float]] = []
    gated: list[dict[str, float]] = []
    try:
        for r in range(args.rounds):  # interleaved, so machine noise hits both alike
            plain.append(run_once(workdir / f"plain-{r}", args.specs, gate=False))
            gated.append(run_once(workdir / f"gated-{r}", args.specs, gate=True))
            shutil.rmtree(workdir / f"plain-{r}", ignore_errors=True)
            shutil.rmtree(workdir / f"gated-{r}", ignore_errors=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    wall_plain = statistics.median(p["wall_s"] for p in plain)
    wall_gated = statistics.median(g["wall_s"] for g in gated)
    gate_sum = statistics.median(g["gate_sum_s"] for g in gated)
    gate_runs = statistics.median(g["gate_runs"] for g in gated)
    figures = {
        "specs": args.specs,
        "parallel": PARALLEL,
        "rounds": args.rounds,
        "wall_no_gate_s": round(wall_plain, 3),
        "wall_gate_s": round(wall_gated, 3),
        "per_spec_no_gate_s": round(wall_plain / args.specs, 4),
        "per_spec_gate_s": round(wall_gated / args.specs, 4),
        "gate_sum_s": round(gate_sum, 3),
        "gate_runs": gate_runs,
        "gate_per_spec_s": round(gate_sum / args.specs, 4),
        "gate_share_wall_diff": round((wall_gated - wall_plain) / wall_gated, 3),
        "gate_share_summed": round(gate_sum / wall_gated, 3),
    }
    rows = [
        (f"{args.specs} instant specs, --parallel {PARALLEL}, no gate: wall", f"{wall_plain:.2f} s"),
        ("  per spec", f"{wall_plain / args.specs:.3f} s"),
        ('same, merge.gate: "true": wall', f"{wall_gated:.2f} s"),
        ("  per spec", f"{wall_gated / args.specs:.3f} s"),
        ("gate time reported (sum of gate_s)", f"{gate_sum:.2f} s"),
        ("  per spec", f"{gate_sum / args.specs:.3f} s"),
        ("gate runs (> specs: re-gated as main's code moved)", f"{gate_runs:g}"),
        ("gate's share of wall (wall difference)", f"{figures['gate_share_wall_diff']:.0%}"),
        ("gate's share of wall (summed gate_s / wall)", f"{figures['gate_share_summed']:.0%}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"chant work merge-queue bench ({args.rounds} round(s), median)")
    for label, value in rows:
        print(f"  {label:<{width}}  {value:>10}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
