"""Benchmarks of ``chant work`` at scale (issue 13): a big repository and a long queue.

Usage::

    .venv/bin/python bench/scale_bench.py                     # both parts, today's defaults
    .venv/bin/python bench/scale_bench.py --part big --files 50000 --specs 10
    .venv/bin/python bench/scale_bench.py --part queue --queue 100,1000 --parallel 16
    .venv/bin/python bench/scale_bench.py --json bench/results/scale.json

(big) **A 50,000-file repository.** Generated once with ``git fast-import`` (one commit of small files in
    nested directories) and cached under the git-ignored ``.cache/bench/``; each mode clones it. Measured in
    the same run: one fresh ``git worktree add`` of the repository (the floor every worktree-per-task tool
    pays), then ``chant work --chain`` over 10 instant specs, per spec, with the worktree pool off
    (``worktree.pool: 0``: a fresh worktree per spec, chant's behaviour before issue 13) and on (the
    default). The first spec (the pool's first checkout) is shown apart; the target is on the others:
    <= 0.3x one ``git worktree add``. Then 8 parallel members (a driver, ``--max 8``) whose agents hold
    still while the disk used by the worktrees is measured. A third mode, ``sparse``, is the pool with
    every spec declaring ``sparse: [pkg07/]`` (one of the 50 top-level packages, 1/50 of the files): its
    per-spec wall and disk are printed beside the full checkouts' as ratios.
(queue) **A long queue.** N ready instant specs in a small repository, ``chant work --parallel 16``: wall
    per spec at each N; the target is per-spec cost at the largest N within 1.5x of the smallest.

The instant agent ticks its box, writes one file and commits (``sh`` + ``sed`` + two git calls); it also
appends its start time to a file so per-spec wall times come from one ``chant work`` process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pipeline_bench import env_for as pipeline_env  # bench/ is on sys.path: these run as scripts
from pipeline_bench import install_chant

BIN = Path(sys.executable).parent
PY = str(BIN / "python") if (BIN / "python").exists() else sys.executable
CHANT = [PY, "-m", "chant"]
CACHE = Path(__file__).resolve().parent.parent / ".cache" / "bench"
BIG_MODES = ("fresh", "pool", "sparse")
PER_SPEC_TARGET = 0.3  # x one fresh `git worktree add`
QUEUE_TARGET = 1.5  # per-spec cost at the largest queue / at the smallest

AGENT_SH = """\
#!/bin/sh
set -e
date +%s.%N >> "$BENCH_STARTS"
if [ -n "$BENCH_HOLD" ]; then
  touch "$BENCH_HOLD/$CHANT_SPEC_ID"
  while [ ! -e "$BENCH_HOLD/go" ]; do sleep 0.1; done
fi
sed -i 's/- \\[ \\]/- [x]/' "$CHANT_SPEC_FILE"
echo "done by $CHANT_SPEC_ID" > "out-$CHANT_SPEC_ID.txt"
git add -- "out-$CHANT_SPEC_ID.txt" "$CHANT_SPEC_FILE"
git commit -q -m "chant($CHANT_SPEC_ID): done"
"""


def env_for(home: Path) -> dict[str, str]:
    """pipeline_bench's environment (no global git identity, no CHANT_*), with ``home`` created."""
    home.mkdir(parents=True, exist_ok=True)
    return pipeline_env(home)


def sh(args: list[str], cwd: Path, env: dict[str, str], **kw: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def spec(
    title: str, *, parent: str | None = None, depends_on_empty: bool = False, sparse: str | None = None
) -> str:
    front = ["---", "type: code", "status: pending"]
    if sparse:
        front.append(f"sparse: [{sparse}]")
    if parent:
        front.append(f"parent: {parent}")
    if depends_on_empty:
        front.append("depends_on: []")
    return "\n".join([*front, "---", "", f"# {title}", "", "## Acceptance Criteria", "", "- [ ] done", ""])


# -- the big repository ----------------------------------------------------------------------------
def big_source(files: int, env: dict[str, str], cache: Path = CACHE) -> Path:
    """A bare repository holding one commit of ``files`` small files, made once and cached."""
    cached = cache / f"big-{files}.git"
    if (cached / "refs" / "heads" / "main").exists() or (cached / "packed-refs").exists():
        return cached
    tmp = cached.with_name(cached.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    sh(["git", "init", "-q", "--bare", "-b", "main", str(tmp)], cache, env)
    chunks = [b"commit refs/heads/main\ncommitter Bench <bench@chant.invalid> 1700000000 +0000\n"]
    message = f"{files} files".encode()
    chunks.append(b"data %d\n%s\n" % (len(message), message))
    for n in range(files):
        # 50 top-level packages, 20 modules each, files spread below: a plausible monorepo shape.
        path = f"pkg{n % 50:02d}/mod{(n // 50) % 20:02d}/file{n:05d}.txt"
        body = (f"file {n}\n" + "x" * 180 + "\n").encode()
        chunks.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(body), body))
    sh(["git", "fast-import", "--quiet"], tmp, env, input=b"".join(chunks).decode(), timeout=600)
    sh(["git", "gc", "-q", "--prune=now"], tmp, env)
    tmp.rename(cached)
    return cached


def big_repo(base: Path, source: Path, specs: dict[str, str], env: dict[str, str], extra: str) -> Path:
    repo = base / "repo"
    sh(["git", "clone", "-q", "--no-hardlinks", str(source), str(repo)], base, env, timeout=900)
    sh(["git", "remote", "remove", "origin"], repo, env)
    setup_chant(base, repo, specs, env, extra)
    return repo


def setup_chant(base: Path, repo: Path, specs: dict[str, str], env: dict[str, str], extra: str) -> None:
    install_chant(base, repo, specs, env, agent_sh=AGENT_SH, timeout=600, parallel=16, extra=extra)


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    sh(args, cwd, env, timeout=3600)
    return time.perf_counter() - start


def fresh_worktree_add(repo: Path, env: dict[str, str], rounds: int) -> list[float]:
    times = []
    for n in range(rounds):
        path = repo.parent / f"floor-{n}"
        times.append(timed(["git", "worktree", "add", "-q", "--detach", str(path), "HEAD"], repo, env))
        sh(["git", "worktree", "remove", "--force", str(path)], repo, env)
    return times


def disk_kb(path: Path) -> int:
    if not path.exists():
        return 0
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else 0


MODES = {"fresh": "worktree:\n  pool: 0\n", "pool": "", "sparse": ""}
SPARSE_DIR = "pkg07/"  # the sparse mode's cone: one top-level package of the generated tree


def bench_big(
    workdir: Path, files: int, n_specs: int, members: int, modes: list[str], cache: Path = CACHE
) -> dict[str, object]:
    env = env_for(workdir / "home")
    t0 = time.perf_counter()
    source = big_source(files, env, cache)
    print(f"[big] source repository ready ({time.perf_counter() - t0:.1f}s): {source}", flush=True)
    ids = [f"2026-02-01-{i:03d}-big" for i in range(1, n_specs + 1)]
    result: dict[str, object] = {"files": files, "specs": n_specs, "members": members}
    for mode in modes:
        base = workdir / f"big-{mode}"
        base.mkdir()
        cone = SPARSE_DIR if mode == "sparse" else None
        repo = big_repo(base, source, {i: spec(f"Spec {i}", sparse=cone) for i in ids}, env, MODES[mode])
        floor = fresh_worktree_add(repo, env, 2)  # and once more after the chain: machine noise hits both
        starts = base / "starts"
        run_env = dict(env, BENCH_STARTS=str(starts))
        t_start = time.time()
        wall = timed([*CHANT, "work", "--chain"], repo, run_env)
        t_end = t_start + wall
        floor += fresh_worktree_add(repo, env, 1)
        marks = [float(x) for x in starts.read_text().split()]
        if len(marks) != n_specs:
            raise SystemExit(f"[big] {mode}: {len(marks)} agents ran, expected {n_specs}")
        edges = [t_start, *marks[1:], t_end]
        per_spec = [b - a for a, b in zip(edges, edges[1:], strict=False)]
        rest = per_spec[1:]
        floor_s = statistics.median(floor)
        row = {
            "worktree_add_s": floor_s,
            "worktree_add_all_s": floor,
            "chain_wall_s": wall,
            "first_spec_s": per_spec[0],
            "per_spec_after_first_s": statistics.mean(rest),
            "per_spec_after_first_median_s": statistics.median(rest),
            "ratio_after_first": statistics.mean(rest) / floor_s,
            "ratio_first": per_spec[0] / floor_s,
        }
        print(
            f"[big] {mode}: {json.dumps({k: v for k, v in row.items() if k != 'worktree_add_all_s'})}",
            flush=True,
        )
        row.update(disk_parallel(base, repo, env, members, cone))
        print(
            f"[big] {mode}: disk for {members} parallel agents: {row['disk_parallel_kb'] / 1024:.0f} MiB",
            flush=True,
        )
        result[mode] = row
        shutil.rmtree(base, ignore_errors=True)
    return result


def disk_parallel(
    base: Path, repo: Path, env: dict[str, str], members: int, sparse: str | None = None
) -> dict[str, object]:
    """Disk taken by the worktrees while ``members`` agents of one driver run at once."""
    driver = "2026-02-01-900-drv"
    specs = {driver: spec("Driver").replace("- [ ] done", "- [x] done").replace("type: code", "type: driver")}
    for m in range(1, members + 1):
        specs[f"{driver}.{m}"] = spec(f"Member {m}", parent=driver, depends_on_empty=True, sparse=sparse)
    for spec_id, text in specs.items():
        (repo / ".chant" / "specs" / f"{spec_id}.md").write_text(text, encoding="utf-8")
    sh(["git", "add", "-A", ".chant"], repo, env)
    sh(["git", "commit", "-q", "-m", "driver"], repo, env)
    hold = base / "hold"
    hold.mkdir()
    run_env = dict(env, BENCH_STARTS=str(base / "starts-driver"), BENCH_HOLD=str(hold))
    worktrees = repo / ".chant" / "run" / "worktrees"
    found: dict[str, object] = {}

    def measure() -> None:
        deadline = time.monotonic() + 1800
        while len([p for p in hold.iterdir() if p.name != "go"]) < members and time.monotonic() < deadline:
            time.sleep(0.2)
        found["disk_parallel_kb"] = disk_kb(worktrees)
        found["disk_main_checkout_kb"] = disk_kb(repo) - found["disk_parallel_kb"]  # type: ignore[operator]
        (hold / "go").touch()

    watcher = threading.Thread(target=measure, daemon=True)
    watcher.start()
    start = time.perf_counter()
    sh([*CHANT, "work", "--max", str(members), driver], repo, run_env, timeout=3600)
    found["parallel_wall_s"] = time.perf_counter() - start
    watcher.join(timeout=5)
    found["disk_after_kb"] = disk_kb(worktrees)
    return found


# -- the long queue --------------------------------------------------------------------------------
QUEUE_MODES = {"batch": "", "nobatch": "git:\n  batch_status: false\n"}


def bench_queue(
    workdir: Path, sizes: list[int], parallel: int, rounds: int = 1, modes: tuple[str, ...] = ("batch",)
) -> dict[str, object]:
    """Every (mode, size) once per round, interleaved (the order reversed every other round) so a neighbour's
    load falls on both sizes alike; each figure is the median over the rounds."""
    samples: dict[tuple[str, int], list[dict[str, float]]] = {(m, n): [] for m in modes for n in sizes}
    for r in range(rounds):
        order = [(m, n) for n in sizes for m in modes]
        for mode, size in order if r % 2 == 0 else reversed(order):
            samples[(mode, size)].append(
                queue_run(workdir / f"queue-{mode}-{size}-{r}", size, parallel, mode)
            )
    result: dict[str, object] = {"parallel": parallel, "rounds": rounds}
    for mode in modes:
        result[mode] = {
            str(size): {
                key: statistics.median(s[key] for s in samples[(mode, size)])
                for key in samples[(mode, size)][0]
            }
            for size in sizes
        }
    return result


def queue_run(base: Path, size: int, parallel: int, mode: str) -> dict[str, float]:
    repo = base / "repo"
    repo.mkdir(parents=True)
    env = env_for(base / "home")
    sh(["git", "init", "-q", "-b", "main"], repo, env)
    (repo / "README").write_text("queue bench\n", encoding="utf-8")
    ids = [f"2026-02-01-{ident(i)}-q" for i in range(1, size + 1)]
    setup_chant(base, repo, {i: spec(f"Spec {i}") for i in ids}, env, QUEUE_MODES[mode])
    before = int(sh(["git", "rev-list", "--count", "main"], repo, env).stdout)
    run_env = dict(env, BENCH_STARTS=str(base / "starts"))
    wall, own_cpu, all_cpu = timed_cpu([*CHANT, "work", "--parallel", str(parallel)], repo, run_env)
    starts = sorted(float(t) for t in (base / "starts").read_text().split())
    if len(starts) != size:
        raise SystemExit(f"[queue] {mode} {size}: {len(starts)} agents ran")
    commits = int(sh(["git", "rev-list", "--count", "main"], repo, env).stdout) - before
    # Steady state: the pace of agent starts between the 10th and the 90th percentile of the queue, free
    # of start-up (pre-flight, first scan) and of the drain at the end.
    low, high = size // 10, size - 1 - size // 10
    steady = (starts[high] - starts[low]) / (high - low) if high > low else wall / size
    found = {
        "wall_s": wall,
        "per_spec_s": wall / size,
        "steady_per_spec_s": steady,
        "coordinator_cpu_per_spec_s": -1.0 if own_cpu is None else own_cpu / size,
        "cpu_per_spec_s": all_cpu / size,
        "main_commits_per_spec": commits / size,
    }
    own = "n/a" if own_cpu is None else f"{own_cpu / size * 1000:.0f} ms/spec"
    print(
        f"[queue] {mode}: {size} specs --parallel {parallel}: {wall:.1f}s, {wall / size * 1000:.0f} ms/spec "
        f"(steady {steady * 1000:.0f}); CPU: chant's own {own}, with git and agents "
        f"{all_cpu / size * 1000:.0f} ms/spec; {commits / size:.2f} commits on main per spec",
        flush=True,
    )
    shutil.rmtree(base, ignore_errors=True)
    return found


def timed_cpu(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float | None, float]:
    """``(wall, the chant process's own CPU, CPU of chant and everything it ran)``, in seconds.

    On a shared machine wall time says as much about the neighbours as about chant; CPU seconds do not.
    The process's own figure is read from ``/proc`` while it runs (``None`` off Linux), the last sample at
    most one poll before it exits; the total is the rusage of reaped children, which counts the git and
    agent processes chant waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
        stat = Path(f"/proc/{proc.pid}/stat")
        own: float | None = None
        while proc.poll() is None:
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
            except (OSError, IndexError, ValueError):
                pass
            time.sleep(0.05)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            out.seek(0)
            raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{out.read()[-4000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, own, total


def ident(n: int) -> str:
    """The day's sequence number in chant's base 36, three digits (sorts numerically)."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    for _ in range(3):
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("big", "queue", "all"), default="all")
    parser.add_argument("--files", type=int, default=50000)
    parser.add_argument("--specs", type=int, default=10)
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument(
        "--modes",
        default="fresh,pool,sparse",
        help="big repo: fresh (pool off), pool, sparse (pool + sparse:)",
    )
    parser.add_argument("--queue", default="100,1000", help="queue sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=2, help="queue: interleaved rounds (medians shown)")
    parser.add_argument(
        "--batch",
        default="batch,nobatch",
        help="queue: batch (status commits batched, the default), nobatch (git.batch_status: false)",
    )
    parser.add_argument("--parallel", type=int, default=16)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the generated repository is kept")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="chant-scale-bench-"))
    figures: dict[str, object] = {}
    try:
        if args.part in ("big", "all"):
            modes = args.modes.split(",")
            figures["big"] = bench_big(workdir, args.files, args.specs, args.members, modes, args.cache)
        if args.part in ("queue", "all"):
            sizes = [int(s) for s in args.queue.split(",")]
            modes = tuple(m for m in args.batch.split(",") if m in QUEUE_MODES) or ("batch",)
            figures["queue"] = bench_queue(workdir, sizes, args.parallel, args.rounds, modes)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    failed = report(figures)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if failed else 0


def report(figures: dict[str, object]) -> bool:
    print(f"\nchant scale bench; python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
    print(f"{'measurement':<62} {'value':>10} {'target':>8}  verdict")
    print("-" * 92)
    failed = False

    def row(label: str, value: str, target: str = "", ok: bool | None = None) -> None:
        nonlocal failed
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        failed |= ok is False
        print(f"{label:<62} {value:>10} {target:>8}  {verdict}")

    big = figures.get("big")
    if isinstance(big, dict):
        print(f"(big) {big['files']} files, chant work --chain over {big['specs']} instant specs")
        samples = [
            s
            for mode in BIG_MODES
            if isinstance(big.get(mode), dict)
            for s in big[mode]["worktree_add_all_s"]
        ]
        floor = statistics.median(samples)
        row(f"  one fresh git worktree add, median of {len(samples)} (all modes)", f"{floor:.2f}s")
        for mode in BIG_MODES:
            m = big.get(mode)
            if not isinstance(m, dict):
                continue
            row(f"  [{mode}] one fresh git worktree add, this mode's median", f"{m['worktree_add_s']:.2f}s")
            row(f"  [{mode}] first spec", f"{m['first_spec_s']:.2f}s")
            row(f"  [{mode}] per spec after the first", f"{m['per_spec_after_first_s']:.2f}s")
            ratio = m["per_spec_after_first_s"] / floor
            row(
                f"  [{mode}]   / one worktree add (the median above)",
                f"{ratio:.2f}x",
                f"<={PER_SPEC_TARGET}x",
                ratio <= PER_SPEC_TARGET if mode == "pool" else None,
            )
            row(f"  [{mode}]   first spec / one worktree add", f"{m['first_spec_s'] / floor:.2f}x")
            row(
                f"  [{mode}] disk, {big['members']} parallel agents' worktrees",
                f"{m['disk_parallel_kb'] / 1024:.0f}MiB",
            )
            row(f"  [{mode}] disk, the main checkout", f"{m['disk_main_checkout_kb'] / 1024:.0f}MiB")
            row(f"  [{mode}] driver of parallel members: wall", f"{m['parallel_wall_s']:.1f}s")
        sparse, full = big.get("sparse"), [(k, big.get(k)) for k in ("pool", "fresh")]
        if isinstance(sparse, dict):
            print(f"(big) sparse: [{SPARSE_DIR}] beside full checkouts")
            for name, m in full:
                if not isinstance(m, dict):
                    continue
                for key, label in (
                    ("first_spec_s", "first spec"),
                    ("per_spec_after_first_s", "per spec after the first"),
                    ("disk_parallel_kb", f"disk, {big['members']} parallel agents' worktrees"),
                    ("parallel_wall_s", "driver of parallel members: wall"),
                ):
                    row(f"  sparse / {name}: {label}", f"{sparse[key] / m[key]:.3f}x")
    queue = figures.get("queue")
    if isinstance(queue, dict):
        print(f"(queue) instant specs, --parallel {queue['parallel']}, medians of {queue['rounds']} round(s)")
        for mode in QUEUE_MODES:
            runs = queue.get(mode)
            if isinstance(runs, dict):
                report_queue(row, mode, runs)  # row() notes a missed target
    return failed


def report_queue(row: Callable[..., None], mode: str, runs: dict[str, dict[str, float]]) -> None:
    sizes = sorted(int(k) for k in runs)
    labels = {
        "per_spec_s": "per spec, wall",
        "steady_per_spec_s": "per spec, wall in the steady middle",
        "coordinator_cpu_per_spec_s": "per spec, chant's own CPU",
        "cpu_per_spec_s": "per spec, CPU with git and agents",
    }
    for size in sizes:
        q = runs[str(size)]
        for key, label in labels.items():
            if q.get(key, -1) >= 0:
                row(f"  [{mode}] {size} specs: {label}", f"{q[key] * 1000:.0f}ms")
        row(f"  [{mode}] {size} specs: commits on main per spec", f"{q['main_commits_per_spec']:.2f}")
    if len(sizes) < 2:
        return
    low, high = runs[str(sizes[0])], runs[str(sizes[-1])]
    ratio = high["per_spec_s"] / low["per_spec_s"]
    row(
        f"  [{mode}] per spec, {sizes[-1]} / {sizes[0]}",
        f"{ratio:.2f}x",
        f"<={QUEUE_TARGET}x",
        ratio <= QUEUE_TARGET if mode == "batch" else None,
    )
    # Views of the same growth less exposed to the neighbours' load (shown, not judged).
    for key, label in list(labels.items())[1:]:
        if low.get(key, -1) > 0 and high.get(key, -1) > 0:
            row(
                f"  [{mode}] {label.removeprefix('per spec, ')} per spec, {sizes[-1]} / {sizes[0]}",
                f"{high[key] / low[key]:.2f}x",
            )


if __name__ == "__main__":
    sys.exit(main())
