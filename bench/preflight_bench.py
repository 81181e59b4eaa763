"""What the pre-flight costs: per spec before a run, and for lint / doctor over a whole project.

Usage::

    .venv/bin/python bench/preflight_bench.py                # 5,000 specs, 5 rounds
    .venv/bin/python bench/preflight_bench.py --size 1000 --rounds 3

Builds the same throw-away repository as ``bench/run.py`` (``make_repo``) and times, in this process,
``validate.preflight`` of one pending spec as ``chant work`` runs it (git probes included, project checks
excluded: those run once per run), the data-only pre-flight of every spec (what ``lint`` adds to its own
rules), the lint rules alone, and a whole ``doctor``. CPU time is reported besides wall time: the machines
this runs on are shared.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import make_repo  # bench/ is not a package


def _measure(label: str, rounds: int, action: Callable[[], object]) -> None:
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(
        f"{label:44} wall median {statistics.median(walls) * 1000:8.1f} ms   "
        f"cpu median {statistics.median(cpus) * 1000:8.1f} ms   cpu min {min(cpus) * 1000:8.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="chant-preflight-bench-") as tmp:
        repo = make_repo(Path(tmp), args.size)
        from chant import validate
        from chant.graph import Graph
        from chant.lint import lint, relative_paths
        from chant.ops.doctor import doctor
        from chant.project import Project

        project = Project(repo)
        specs = project.specs()
        pending = [s for s in specs.ordered() if s.status.value == "pending"]
        print(f"{args.size} specs ({len(pending)} pending), {args.rounds} rounds")
        _measure(
            "work: pre-flight of one spec (with probes)",
            args.rounds,
            lambda: validate.preflight(project, [pending[0]], project_checks=False),
        )
        _measure("work: project checks (once per run)", args.rounds, lambda: validate.preflight(project))
        _measure(
            "lint: rules of spec/lint.py",
            args.rounds,
            lambda: lint(Graph.of(specs), specs.invalid, relative_paths(specs.active, specs.invalid, repo)),
        )
        _measure(
            "lint: + pre-flight data checks, every spec",
            args.rounds,
            lambda: validate.preflight(project, specs.ordered(), probes=False, lint_rules=False),
        )
        _measure("doctor: whole report", max(1, args.rounds // 2), lambda: doctor(project))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
