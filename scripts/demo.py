"""`make demo`: the seed scenario, offline, in a throwaway git repository.

Copies examples/techcorp-backend into a temp repo and runs the developer path with the example agent
(`.chant/agents/`, chant's `command` provider): `chant work` for the coupling analysis (cpl) and the
architecture docs (doc), then the extraction driver 001-ext (its four members in two phases and the wrap-up).
It prints the validation report's summary, edits a tracked file (a new reporting route) and runs
`chant drift --all`, then writes the dashboard as a static site (`chant site build`: the driver's page shows
its four members' timeline from the run's journal) and ends with where the files are.  The repository is
kept for you to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "techcorp-backend"
IDENTITY = {
    "GIT_AUTHOR_NAME": "Alex Torres",
    "GIT_AUTHOR_EMAIL": "alex@techcorp.example",
    "GIT_COMMITTER_NAME": "Alex Torres",
    "GIT_COMMITTER_EMAIL": "alex@techcorp.example",
}
STEPS = [
    ("001-cpl", "2026-01-27T16:30:00Z", "Week 1: investigation (coupling analysis)"),
    ("001-doc", "2026-01-28T14:45:00Z", "Week 2: documentation"),
    ("001-ext", "2026-02-01T18:00:00Z", "Week 3: implementation (driver with four members)"),
]
REALTIME_ROUTE = '''

@router.get("/realtime")
def get_realtime_report(db: sqlite3.Connection = Depends(get_db)) -> dict:
    """Live counters for the ops dashboard (added after the docs were written)."""
    return {"open_invoices": db.execute("SELECT COUNT(*) FROM invoices WHERE status = 'open'").fetchone()[0]}
'''


def sh(args: list[str], cwd: Path, env: dict[str, str], *, check: bool = True) -> int:
    shown = ["chant", *args[3:]] if args[:3] == [sys.executable, "-m", "chant"] else args
    print(f"\n$ {' '.join(shown)}", flush=True)
    code = subprocess.call(args, cwd=cwd, env=env)
    if check and code != 0:
        sys.exit(f"demo: `{' '.join(shown)}` exited with {code}")
    return code


def chant(*args: str) -> list[str]:
    return [sys.executable, "-m", "chant", *args]


def git(repo: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="chant-demo-"))
    repo = workdir / "techcorp-backend"
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", "logs", "run", "var", "*.db")
    shutil.copytree(EXAMPLE, repo, ignore=ignore)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHANT_", "TECHCORP_"))}
    env.update(IDENTITY)
    env.update(NO_COLOR="1", CHANT_WORKTREE_ROOT=str(workdir / "worktrees"), PYTHONDONTWRITEBYTECODE="1")
    env["TECHCORP_SCALE"] = os.environ.get("TECHCORP_SCALE", "0.2")  # 960 requests in .4's parallel run
    git(repo, env, "init", "-q", "-b", "main")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "TechCorp monolith and its chant specs")
    print(f"Demo repository: {repo}")
    sh(chant("list"), repo, env)
    sh(chant("dag"), repo, env)

    for spec, now, title in STEPS:
        print(f"\n=== {title} ===", flush=True)
        sh(chant("work", spec), repo, {**env, "CHANT_NOW": now})

    report = repo / "analysis" / "extraction" / "validation-report.md"
    text = report.read_text(encoding="utf-8")
    print("\n=== Validation report (measured in this run) ===")
    for heading in ("## Summary", "### Resource Usage"):
        start = text.find(heading)
        print("\n" + text[start : text.find("\n#", start + 3)].strip())
    parallel = text.find("\nTotal: ", text.find("## Parallel Running"))
    print("\n" + text[parallel : text.find("\n", parallel + 1)].strip())

    print("\n=== Week 4: maintenance (a new reporting route after the docs were written) ===", flush=True)
    routes = repo / "src" / "reporting" / "routes.py"
    routes.write_text(routes.read_text(encoding="utf-8") + REALTIME_ROUTE, encoding="utf-8")
    maintenance = {**env, "CHANT_NOW": "2026-03-10T10:00:00Z"}
    maintenance.update(GIT_AUTHOR_DATE="2026-03-10T10:00:00Z", GIT_COMMITTER_DATE="2026-03-10T10:00:00Z")
    git(
        repo,
        maintenance,
        "commit",
        "-q",
        "-m",
        "reporting: GET /reports/realtime",
        "--",
        "src/reporting/routes.py",
    )
    print("$ git commit -m 'reporting: GET /reports/realtime' -- src/reporting/routes.py")
    sh(chant("drift", "--all"), repo, maintenance, check=False)

    print("\n=== The dashboard as a static site (open it in a browser; no server needed) ===", flush=True)
    site = workdir / "site"
    sh(chant("site", "build", "--out", str(site)), repo, maintenance)
    driver_page = next((site / "spec").glob("*-001-ext.html"))

    minutes, seconds = divmod(int(time.monotonic() - started), 60)
    print(f"\nDone in {minutes}m {seconds:02d}s. Everything is in {repo}:")
    for rel in (
        "analysis/coupling/",
        "docs/architecture/",
        "services/reporting/",
        "infrastructure/reporting-replica.tf",
        "analysis/extraction/validation-report.md",
        ".chant/specs/ (statuses, ticked criteria)",
        ".chant/logs/ (agent logs, not committed)",
    ):
        print(f"  {rel}")
    print(f"The static site: {site / 'index.html'}")
    print(f"  the driver's page, with its members' timeline: {driver_page}")
    print(f"  or live, with actions: cd {repo} && chant serve")
    print(f"Remove it with: rm -rf {workdir}")


if __name__ == "__main__":
    main()
