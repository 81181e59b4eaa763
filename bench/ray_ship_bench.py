"""Bytes the Ray executor ships per task to bring a node its base commit: full history vs incremental.

Usage::

    .venv/bin/python bench/ray_ship_bench.py                      # 400 commits of history, 12 specs
    .venv/bin/python bench/ray_ship_bench.py --commits 1000 --specs 20 --nodes 3 --json out.json

A throw-away repository gets a long history (``--commits`` commits, each adding a 16 KB incompressible
file). Then a queue of ``--specs`` specs runs one after another, as ``chant work --chain`` does: spec *i*'s
base is main's tip, its task lands on node ``i mod --nodes`` (each node with its own bare mirror), and its
merge adds a small commit to main before the next spec. For every task both figures are measured on the
same base with the same code the executor runs (``chant.run.executors.bundles``): the **full** bundle (what
every task shipped before) and what the node actually received (**incremental**: nothing when its mirror
has the commit, a thin bundle ``base ^<what the mirror holds>``, or the full one on a node's first task).
No Ray cluster is needed: the shipping is git's; Ray only carries the bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chant import git
from chant.run.executors import bundles

IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


def build(root: Path, commits: int) -> None:
    git.run(["init", "-q", "-b", "main"], root)
    # fast-import: hundreds of commits in one git process instead of three per commit.
    stream: list[bytes] = []
    for n in range(commits):
        blob = os.urandom(16_384)
        message = f"history {n}".encode()
        stream += [
            b"commit refs/heads/main\n",
            f"committer bench <bench@example.invalid> {1_700_000_000 + n} +0000\n".encode(),
            f"data {len(message)}\n".encode() + message + b"\n",
            f"M 100644 inline src/f{n:05d}.bin\n".encode(),
            f"data {len(blob)}\n".encode() + blob + b"\n",
        ]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True)
    git.run(["reset", "-q", "--hard", "main"], root)


def merge_commit(root: Path, n: int) -> None:
    (root / f"spec-{n}.txt").write_text(f"the work of spec {n}\n", encoding="utf-8")
    git.run(["add", f"spec-{n}.txt"], root)
    git.run(["commit", "-q", "-m", f"chant(spec-{n}): merge"], root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=400)
    parser.add_argument("--specs", type=int, default=12)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.environ.update(IDENTITY)
    with tempfile.TemporaryDirectory(prefix="chant-ship-") as tmp:
        base = Path(tmp)
        root = base / "repo"
        root.mkdir()
        build(root, args.commits)
        mirrors = []
        for n in range(args.nodes):
            mirror = base / f"node{n}" / "mirror.git"
            git.init_bare(mirror)
            mirrors.append(mirror)
        rows = []
        for spec in range(args.specs):
            tip = git.head(root)
            assert tip is not None
            started = time.perf_counter()
            full = bundles.make(root, base / "scratch", tip, [])
            full_s = time.perf_counter() - started
            node = spec % args.nodes
            started = time.perf_counter()
            got = bundles.receive(
                mirrors[node],
                tip,
                lambda haves, tip=tip: bundles.make(root, base / "scratch", tip, haves),
                base / "in",
            )
            got_s = time.perf_counter() - started
            assert git.head(mirrors[node], bundles.ship_ref(tip)) == tip
            rows.append(
                {
                    "spec": spec + 1,
                    "node": node,
                    "full_bytes": len(full.data),
                    "full_s": round(full_s, 3),
                    "kind": got.kind,
                    "incremental_bytes": got.size,
                    "incremental_s": round(got_s, 3),
                }
            )
            merge_commit(root, spec)
    print(f"history: {args.commits} commits of 16 KB; {args.specs} specs in a row over {args.nodes} nodes")
    print(f"{'spec':>4} {'node':>4} {'full bytes':>12} {'full s':>7} {'received':>8} {'bytes':>12} {'s':>7}")
    for row in rows:
        print(
            f"{row['spec']:>4} {row['node']:>4} {row['full_bytes']:>12,} {row['full_s']:>7.3f} "
            f"{row['kind']:>8} {row['incremental_bytes']:>12,} {row['incremental_s']:>7.3f}"
        )
    full_total = sum(int(r["full_bytes"]) for r in rows)
    inc_total = sum(int(r["incremental_bytes"]) for r in rows)
    later = [r for r in rows if int(r["spec"]) > args.nodes]
    later_full = sum(int(r["full_bytes"]) for r in later) / max(len(later), 1)
    later_inc = sum(int(r["incremental_bytes"]) for r in later) / max(len(later), 1)
    print(
        f"total: full {full_total:,} B, incremental {inc_total:,} B ({inc_total / full_total:.3f}x); after each "
        f"node's first task: {later_full:,.0f} B vs {later_inc:,.0f} B per task ({later_inc / later_full:.4f}x)"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"args": vars(args) | {"json": str(args.json)}, "rows": rows}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
