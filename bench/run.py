"""chant's start-up and listing benchmark, measured side by side against the floor.

Usage::

    .venv/bin/python bench/run.py                      # sizes 1000,5000, 7 rounds
    .venv/bin/python bench/run.py --sizes 5000 --rounds 11 --json bench/results.json

For each size it generates two throw-away git repositories with ``chant init``'s ``.chant/`` and the same N
specs (30-line bodies, 1-3 dependencies each, drivers with members, mixed statuses), written two ways: the
``chant`` workload as chant writes them (commented, indented block lists, flow labels) and the ``rust``
workload as other tools write them (the Rust tool's serde_yaml: unindented lists, its key order and
quoting, bare commit hashes such as ``5e58057``). It runs every measurement once per round, interleaved
and alternating between the workloads, so that machine noise hits all of them alike:

* ``floor``: the same interpreter reading every spec file and parsing its frontmatter with PyYAML's
  ``CSafeLoader`` (the least any Python tool must do to list these specs);
* ``python -c pass`` (bare interpreter start) and ``chant --version``;
* ``chant list``, ``chant list --ready`` and ``chant status``, cold (the index cache ``.chant/run/index.*``
  deleted before each run) and warm (cache present); ``list partly warm``: one spec file rewritten since
  the cache was written, as after a small pull.

Targets (issues 2 and 17): cold <= 1.3x floor and warm (also partly warm) <= 0.5x floor on both workloads;
``chant --version`` <= 1.5x a bare start. Verdicts use the median; min is shown alongside.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
PY = str(BIN / "python") if (BIN / "python").exists() else sys.executable
CHANT = str(BIN / "chant")

COLD_RATIO = 1.3
WARM_RATIO = 0.5  # issue 17: warm (and partly warm) at most half the floor
VERSION_RATIO = 1.5

FLOOR_SCRIPT = """\
import os, sys
import yaml
loader = yaml.CSafeLoader
root = sys.argv[1]
count = 0
for dirpath, _dirs, files in os.walk(root):
    for name in files:
        if not name.endswith(".md"):
            continue
        with open(os.path.join(dirpath, name), encoding="utf-8") as handle:
            text = handle.read()
        end = text.find("\\n---", 3)
        data = yaml.load(text[4:end], Loader=loader)
        count += 1
assert count, "no spec files"
"""

STATUSES = (
    ["completed"] * 45
    + ["pending"] * 35
    + ["in_progress"] * 5
    + ["failed"] * 5
    + ["cancelled"] * 5
    + ["paused"] * 2
    + ["needs_attention"] * 3
)
WORDS = (
    "reporting service extraction module boundary database migration api endpoint schema cache index "
    "worker queue retry token session login audit metric latency budget parser render config deploy "
    "rollback feature flag billing invoice export import search ranking storage bucket"
).split()
LABELS = ["backend", "api", "frontend", "infra", "docs", "perf", "security", "db"]


# -- repository generation --------------------------------------------------------------------------------
@dataclass
class _Planned:
    id: str
    title: str
    type: str
    status: str
    deps: list[str]
    parent: str | None = None
    members: list[str] = field(default_factory=list)


def _base36(number: int, width: int = 3) -> str:
    digits = ""
    while number:
        number, rem = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rem] + digits
    return digits.rjust(width, "0")


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def plan_specs(count: int, seed: int = 7) -> list[_Planned]:
    """``count`` specs: top-level specs, every 25th a driver with 3 members (members count toward ``count``)."""
    rng = random.Random(seed)
    planned: list[_Planned] = []
    top_level: list[_Planned] = []
    index = 0
    while len(planned) < count:
        day, seq = divmod(index, 200)
        month, dom = divmod(day, 28)
        spec_id = f"2026-{month + 1:02d}-{dom + 1:02d}-{_base36(seq + 1)}-{_base36(rng.randrange(36**3))}"
        index += 1
        title = _sentence(rng, rng.randint(3, 6)).capitalize()
        earlier = top_level[-400:]
        deps = [s.id for s in rng.sample(earlier, min(len(earlier), rng.randint(1, 3)))] if earlier else []
        is_driver = len(top_level) % 25 == 24 and count - len(planned) >= 4
        spec = _Planned(
            spec_id,
            title,
            "driver" if is_driver else rng.choice(["code"] * 6 + ["task", "documentation", "research"]),
            rng.choice(STATUSES),
            deps,
        )
        planned.append(spec)
        top_level.append(spec)
        if is_driver:
            for number in (1, 2, 3):
                member_id = f"{spec_id}.{number}"
                member_deps = [s.id for s in rng.sample(earlier, min(len(earlier), rng.randint(1, 2)))]
                if number > 1:
                    member_deps.append(f"{spec_id}.{number - 1}")
                spec.members.append(member_id)
                planned.append(
                    _Planned(
                        member_id,
                        _sentence(rng, 4).capitalize(),
                        "code",
                        rng.choice(STATUSES),
                        member_deps,
                        parent=spec_id,
                    )
                )
    return planned[:count]


def render_spec(spec: _Planned, titles: dict[str, str], rng: random.Random) -> str:
    lines = ["---", f"type: {spec.type}", f"status: {spec.status}"]
    if spec.type in ("driver", "research", "documentation"):
        lines.append(f"prompt: {'driver' if spec.type == 'driver' else spec.type}")
    if spec.parent:
        lines.append(f"parent: {spec.parent}")
    if spec.deps:
        lines.append("depends_on:")
        lines += [f"  - {dep}  # {titles.get(dep, 'earlier work')}" for dep in spec.deps]
    lines.append(f"labels: [{', '.join(rng.sample(LABELS, rng.randint(1, 3)))}]")
    if spec.members:
        lines.append("members:")
        lines += [f"  - {member}  # {titles[member]}" for member in spec.members]
    lines.append("target_files:")
    lines += [f"  - src/{rng.choice(WORDS)}/{rng.choice(WORDS)}.py" for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.2:
        lines.append("# Pinned after the latency review")
        lines.append("model: claude-sonnet-4")
    if spec.status == "completed":
        lines.append(f"completed_at: '2026-02-{rng.randint(1, 28):02d}T10:{rng.randint(10, 59)}:00Z'")
        lines.append("commits:")
        lines.append(f"  - {rng.randrange(16**7):07x}")
    if spec.status in ("failed", "needs_attention"):
        lines.append(f'failure_reason: "agent exited 1: {_sentence(rng, 3)}"')
    lines.append("---")
    return "\n".join(lines + _body(spec, rng)) + "\n"


def _body(spec: _Planned, rng: random.Random) -> list[str]:
    body = [
        f"# {spec.title}",
        "",
        "## Problem",
        "",
        *(_sentence(rng, rng.randint(8, 14)) + "." for _ in range(6)),
        "",
        "## Solution",
        "",
        *(f"- {_sentence(rng, rng.randint(4, 9))}" for _ in range(5)),
        "",
        "```python",
        f"def {rng.choice(WORDS)}_{rng.choice(WORDS)}():  # sketch",
        "    ...",
        "```",
        "",
        "## Acceptance Criteria",
        "",
        *(f"- [{'x' if spec.status == 'completed' else ' '}] {_sentence(rng, 5)}" for _ in range(4)),
    ]
    assert len(body) == 30, len(body)
    return body


# Quoting as serde_yaml does it: a string that would read as a bool, an int, a finite float or null is
# single-quoted; so is one that YAML syntax needs quoted; anything else is plain ("5e58057" overflows to
# infinity, so serde writes it bare).
_SERDE_TYPED = re.compile(
    r"(?:true|True|TRUE|false|False|FALSE|null|Null|NULL|~|[-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))"
)


def _serde_scalar(text: str) -> str:
    typed = _SERDE_TYPED.fullmatch(text) is not None
    if typed and "e" in text.lower() and not text.lower().startswith((".", "-.", "+.")):
        typed = float(text) not in (float("inf"), float("-inf"))
    if (
        typed
        or not text
        or text[0] in "-?:,[]{}#&*!|>'\"%@` "
        or text[-1] in ": "
        or ": " in text
        or " #" in text
    ):
        return "'" + text.replace("'", "''") + "'"
    return text


def render_rust_spec(spec: _Planned, titles: dict[str, str], rng: random.Random) -> str:
    """The same spec as the Rust tool's serde_yaml writes it: its key order, unindented block lists, no
    comments, serde's quoting; the body right after the closing ``---`` and no final newline."""
    lines = ["---", f"type: {spec.type}", f"status: {spec.status}"]

    def block(key: str, values: list[str]) -> None:
        if values:
            lines.append(f"{key}:")
            lines.extend(f"- {_serde_scalar(value)}" for value in values)

    block("depends_on", spec.deps)
    block("labels", rng.sample(LABELS, rng.randint(1, 3)))
    block(
        "target_files", [f"src/{rng.choice(WORDS)}/{rng.choice(WORDS)}.rs" for _ in range(rng.randint(1, 3))]
    )
    if spec.type in ("driver", "research", "documentation"):
        lines.append(f"prompt: {'driver' if spec.type == 'driver' else spec.type}")
    if spec.status == "in_progress":
        lines.append(f"branch: chant/{spec.id}")
    if spec.status == "completed":
        block("commits", [f"{rng.randrange(16**7):07x}" for _ in range(rng.randint(1, 2))])
        lines.append(f"completed_at: 2026-02-{rng.randint(1, 28):02d}T10:{rng.randint(10, 59)}:00Z")
        lines.append(f"model: {rng.choice(['sonnet', 'opus', 'haiku'])}")
    if spec.type == "research":
        block("informed_by", [f"docs/{rng.choice(WORDS)}/*.md"])
    block("members", spec.members)
    if spec.status in ("failed", "needs_attention"):
        lines.append(f"failure_reason: {_serde_scalar('agent exited 1: ' + _sentence(rng, 3))}")
    lines.append("---")
    return "\n".join(lines + _body(spec, rng))


WORKLOADS = {"chant": render_spec, "rust": render_rust_spec}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *args],
        cwd=repo,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def make_repo(root: Path, count: int, workload: str = "chant") -> Path:
    repo = root / f"repo-{workload}-{count}"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    subprocess.run(
        [CHANT, "init", "--name", f"bench-{count}"],
        cwd=repo,
        env=ENV or None,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    specs_dir = repo / ".chant" / "specs"
    planned = plan_specs(count)
    titles = {spec.id: spec.title for spec in planned}
    rng = random.Random(count)
    render = WORKLOADS[workload]
    for spec in planned:
        (specs_dir / f"{spec.id}.md").write_text(render(spec, titles, rng), encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"bench: {count} specs")
    return repo


# -- measuring --------------------------------------------------------------------------------------------
@dataclass
class Measure:
    name: str
    argv: list[str]
    cold: bool = False  # delete the index cache before each run
    touch: bool = False  # rewrite one spec file before each run (as after a small pull)
    samples: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


ENV: dict[str, str] = {}  # set by main(): the environment every measured process runs in


def bench_env(workdir: Path) -> dict[str, str]:
    """The caller's environment, but with bytecode caching on (as on a user's machine), kept in ``workdir``.

    With ``PYTHONDONTWRITEBYTECODE`` set, every run would recompile chant's modules (~25 ms); the pycache
    prefix keeps the .pyc files out of the source tree. The warm-up round writes them.
    """
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")
    }
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    return env


def _run(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=ENV or None, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000.0
    if proc.returncode != 0:
        raise SystemExit(
            f"bench: {' '.join(argv)} exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}"
        )
    return elapsed


def measures_for(repo: Path, floor_script: Path) -> list[Measure]:
    specs_dir = str(repo / ".chant" / "specs")
    found = [
        Measure("floor", [PY, str(floor_script), specs_dir]),
        Measure("bare", [PY, "-c", "pass"]),
        Measure("version", [CHANT, "--version"]),
    ]
    for label, args in (("list", ["list"]), ("list --ready", ["list", "--ready"]), ("status", ["status"])):
        found.append(Measure(f"{label} cold", [CHANT, *args], cold=True))
        found.append(Measure(f"{label} warm", [CHANT, *args]))
        if label == "list":
            found.append(Measure("list partly warm", [CHANT, *args], touch=True))
    return found


def _caches(repo: Path) -> list[Path]:
    """chant's index cache in ``.chant/run/`` (``index.bin``; ``index.json`` in older versions)."""
    run_dir = repo / ".chant" / "run"
    return [p for p in run_dir.glob("index.*") if p.suffix in (".bin", ".json")] if run_dir.is_dir() else []


def _touch_one(repo: Path, round_number: int) -> None:
    """Rewrite one spec (a new inode and mtime, one more body line): its cache entry and the listing view
    are stale, the other specs' entries are not."""
    files = sorted((repo / ".chant" / "specs").glob("*.md"))
    path = files[(round_number * 7919) % len(files)]
    text = path.read_text(encoding="utf-8")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text + f"\nChanged in round {round_number}.\n", encoding="utf-8")
    # A minute old, as after a pull a little while ago: outside chant's 2-second "racy" window, so the run
    # that re-reads it can cache it and the measurements after this one are warm again.
    past = time.time() - 60
    os.utime(tmp, (past, past))
    os.replace(tmp, path)


def bench_size(
    repo: Path, floor_script: Path, rounds: int, *, warm_up: bool = True, first_round: int = 0
) -> list[Measure]:
    measures = measures_for(repo, floor_script)
    if warm_up:
        for measure in measures:  # page cache, bytecode, index cache; not counted
            _run(measure.argv, repo)
    for round_number in range(first_round, first_round + rounds):
        for measure in measures:
            if measure.cold:
                for cache in _caches(repo):
                    cache.unlink()
            elif measure.name != "floor" and not _caches(repo):
                _run(measure.argv, repo)  # re-create the cache outside the timing
            if measure.touch:
                _run(measure.argv, repo)  # the cache and view are current: then exactly one file is not
                _touch_one(repo, round_number)
            measure.samples.append(_run(measure.argv, repo))
    return measures


# -- reporting --------------------------------------------------------------------------------------------
@dataclass
class Cell:
    """One measurement on one workload."""

    min_ms: float
    median_ms: float
    ratio: float | None = None  # median / the workload's floor (or bare start, for version)
    passed: bool | None = None


@dataclass
class Row:
    size: int
    name: str
    cells: dict[str, Cell]  # workload -> cell
    target: str = ""
    verdict: str = ""


def _target(name: str) -> tuple[str, float] | None:
    """(what the ratio is against, its limit) for the measurements that have a target."""
    if name == "version":
        return "bare", VERSION_RATIO
    if name.endswith(" cold"):
        return "floor", COLD_RATIO
    if name.endswith(" warm"):
        return "floor", WARM_RATIO
    return None


def evaluate(size: int, by_workload: dict[str, list[Measure]]) -> list[Row]:
    names = [m.name for m in next(iter(by_workload.values()))]
    rows: list[Row] = []
    for name in names:
        cells: dict[str, Cell] = {}
        target = _target(name)
        for workload, measures in by_workload.items():
            by_name = {m.name: m for m in measures}
            m = by_name[name]
            cell = Cell(m.min, m.median)
            if target is not None:
                base, limit = target
                cell.ratio = m.median / by_name[base].median
                cell.passed = cell.ratio <= limit
            cells[workload] = cell
        row = Row(size, name, cells)
        if target is not None:
            row.target = f"<= {target[1]}x {target[0]}"
            failed = [w for w, c in cells.items() if not c.passed]
            row.verdict = "PASS" if not failed else "FAIL (" + ", ".join(failed) + ")"
        rows.append(row)
    return rows


def format_table(rows: list[Row], rounds: int) -> str:
    workloads = list(rows[0].cells)
    header = (
        "specs",
        "measurement",
        *[f"{w}: median ms (min)" for w in workloads],
        *[f"{w}: ratio" for w in workloads],
        "target",
        "verdict",
    )
    body = []
    for r in rows:
        cells = [r.cells[w] for w in workloads]
        base = "bare" if r.name == "version" else "floor"
        body.append(
            (
                str(r.size),
                r.name,
                *[f"{c.median_ms:.1f} ({c.min_ms:.1f})" for c in cells],
                *[f"{c.ratio:.2f}x {base}" if c.ratio is not None else "" for c in cells],
                r.target,
                r.verdict,
            )
        )
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    right = set(range(2, 2 + 2 * len(workloads)))

    def fmt(line: tuple[str, ...]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        return "| " + " | ".join(cells) + " |"

    out = [
        fmt(header),
        "|"
        + "|".join(("-" * (w + 1) + ":") if i in right else "-" * (w + 2) for i, w in enumerate(widths))
        + "|",
    ]
    out += [fmt(line) for line in body]
    out.append(
        f"\n{rounds} interleaved rounds per size and workload; verdicts use the median. floor = the venv's "
        "python reading every spec and parsing its frontmatter with yaml.CSafeLoader, on the same files. "
        "Workloads: chant = the files chant writes (indented commented lists, flow labels); rust = the same "
        "specs as the Rust tool's serde_yaml writes them (unindented lists, its key order and quoting). "
        "partly warm = one spec rewritten since the cache was written."
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", default="1000,5000", help="comma-separated spec counts (default 1000,5000)"
    )
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds per size (default 7)")
    parser.add_argument("--json", dest="json_path", help="write the results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the generated repositories (path printed)")
    parser.add_argument("--check", action="store_true", help="exit 1 when any target is missed")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.rounds < 1 or not sizes or min(sizes) < 5:
        parser.error("--rounds must be >= 1 and every size >= 5")
    if not Path(CHANT).exists():
        parser.error(f"{CHANT} not found: run with the venv's python (make bench)")

    workdir = Path(tempfile.mkdtemp(prefix="chant-bench-"))
    ENV.update(bench_env(workdir))
    rows: list[Row] = []
    raw: dict[str, dict[str, dict[str, list[float]]]] = {}
    try:
        floor_script = workdir / "floor.py"
        floor_script.write_text(FLOOR_SCRIPT, encoding="utf-8")
        for size in sizes:
            repos = {}
            for workload in WORKLOADS:
                print(f"generating {size} specs ({workload} workload) ...", file=sys.stderr, flush=True)
                repos[workload] = make_repo(workdir, size, workload)
            by_workload: dict[str, list[Measure]] = {workload: [] for workload in WORKLOADS}
            print(f"measuring {size} specs, {args.rounds} rounds ...", file=sys.stderr, flush=True)
            # Rounds alternate between the workloads, so that machine noise hits both alike.
            for round_number in range(args.rounds):
                for workload, repo in repos.items():
                    measured = bench_size(
                        repo, floor_script, 1, warm_up=not by_workload[workload], first_round=round_number
                    )
                    if not by_workload[workload]:
                        by_workload[workload] = measured
                    else:
                        for into, new in zip(by_workload[workload], measured, strict=True):
                            into.samples += new.samples
            rows += evaluate(size, by_workload)
            raw[str(size)] = {
                workload: {m.name: [round(x, 2) for x in m.samples] for m in measures}
                for workload, measures in by_workload.items()
            }
    finally:
        if args.keep:
            print(f"repositories kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print(format_table(rows, args.rounds))
    failed = [r for r in rows if r.verdict.startswith("FAIL")]
    print(f"\n{'ALL TARGETS MET' if not failed else f'{len(failed)} target(s) missed'}")
    if args.json_path:
        payload = {
            "schema": 2,
            "python": sys.version.split()[0],
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "rounds": args.rounds,
            "targets": {"cold_ratio": COLD_RATIO, "warm_ratio": WARM_RATIO, "version_ratio": VERSION_RATIO},
            "rows": [
                {
                    "size": r.size,
                    "name": r.name,
                    "target": r.target,
                    "verdict": r.verdict,
                    "workloads": {w: c.__dict__ for w, c in r.cells.items()},
                }
                for r in rows
            ],
            "samples_ms": raw,
        }
        Path(args.json_path).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
