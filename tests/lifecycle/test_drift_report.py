"""`chant drift`: the maintenance page's report formats, the cascade tree, the dashboard, exit codes.

One project, completed through the real pipeline with a `command` agent: a research spec informed by a
metrics file, a documentation spec tracking ``src/**/*.py`` that depends on it, a code spec depending on the
documentation, and a research spec with CSV origin data.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import make_env, run_chant_raw, run_git
from tests.lifecycle import command_agent

CPL = "2026-01-27-001-cpl"
DOC = "2026-01-28-001-doc"
EXT = "2026-02-01-001-ext"
ORI = "2026-01-29-001-ori"

SPECS = {
    CPL: """---
type: research
status: pending
informed_by:
  - .chant/context/metrics/*.md
target_files:
  - analysis/coupling/extraction-candidates.md
---

# Analyze codebase coupling

## Acceptance Criteria

- [ ] candidates ranked
""",
    DOC: f"""---
type: documentation
status: pending
depends_on:
  - {CPL}  # Coupling analysis
tracks:
  - src/**/*.py
  - services/**/*.py
target_files:
  - docs/architecture/modules.md
---

# Document system architecture

## Acceptance Criteria

- [ ] all modules documented
""",
    EXT: f"""---
type: code
status: pending
depends_on:
  - {DOC}
---

# Extract the reporting service

## Acceptance Criteria

- [ ] extracted
""",
    ORI: """---
type: research
status: pending
origin:
  - data/*.csv
target_files:
  - analysis/data/summary.md
---

# Summarise the observations

## Acceptance Criteria

- [ ] summary written
""",
}

ROUTES = """from fastapi import APIRouter

router = APIRouter()


@router.post("/auth/login")
def login():
    return 1
"""

REALTIME = """

@router.get("/reports/realtime")
async def get_realtime_report():
    rows = []
    for hour in range(24):
        rows.append(hour)
    return rows
"""


def _commit(root: Path, env: dict[str, str], message: str, date: str) -> None:
    dated = {**env, "GIT_AUTHOR_DATE": f"{date}T09:00:00+0000", "GIT_COMMITTER_DATE": f"{date}T09:00:00+0000"}
    run_git("add", "-A", cwd=root, env=dated)
    run_git("commit", "-qm", message, cwd=root, env=dated)


@pytest.fixture(scope="module")
def completed(tmp_path_factory: pytest.TempPathFactory, _templates: dict[str, Path]) -> Path:
    """The four specs completed through `chant work` (built once, copied per test)."""
    base = tmp_path_factory.mktemp("drift")
    root = base / "repo"
    shutil.copytree(_templates["chant"], root, symlinks=True)
    env = make_env(base / "home")
    command_agent.install(root, command_agent.TICK_AND_COMMIT, "drifty")
    (root / "src" / "auth").mkdir(parents=True)
    (root / "src" / "auth" / "routes.py").write_text(ROUTES)
    (root / "src" / "util.py").write_text("def helper():\n    return 2\n")
    (root / "services" / "reporting" / "src").mkdir(parents=True)
    (root / "services" / "reporting" / "src" / "routes.py").write_text("def summary():\n    return 0\n")
    (root / ".chant" / "context" / "metrics").mkdir(parents=True)
    (root / ".chant" / "context" / "metrics" / "production-metrics.md").write_text(
        "# Metrics\n\n## Q4\n\n1\n"
    )
    (root / "data").mkdir()
    (root / "data" / "obs.csv").write_text("id,value\n1,2\n")
    for spec_id, text in SPECS.items():
        (root / ".chant" / "specs" / f"{spec_id}.md").write_text(text)
    _commit(root, env, "project", "2026-01-20")
    for spec_id, day in ((CPL, "27"), (DOC, "28"), (ORI, "29"), (EXT, "30")):
        run_chant_raw(
            "work", spec_id, cwd=root, env={**env, "CHANT_NOW": f"2026-01-{day}T10:00:00Z"}, check=True
        )
    shutil.rmtree(root / ".chant" / "run", ignore_errors=True)
    return root


@pytest.fixture
def repo(completed: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(completed, tmp_path / "repo", symlinks=True))


@pytest.fixture
def drift(repo: Path, chant_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str, now: str = "2026-03-18T09:00:00Z", cwd: Path | None = None) -> Any:
        return run_chant_raw("drift", *args, cwd=cwd or repo, env={**chant_env, "CHANT_NOW": now})

    return run


def test_up_to_date_format(drift: Any) -> None:
    out = drift(DOC, "--exit-code", now="2026-01-28T12:00:00Z").stdout
    assert out == (
        "Drift Report\n============\n\n"
        f"Spec: {DOC} (Document system architecture)\n"
        "Status: UP TO DATE\n\n"
        "Tracked files (3) unchanged since completion (2026-01-28)\n\n"
        "Next check scheduled: 2026-02-04\n"
    )


def test_tracked_change_new_function_endpoint_numstat_and_section(
    repo: Path, drift: Any, chant_env: dict[str, str], tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    run_git("clone", "-q", str(repo), str(clone), cwd=tmp_path, env=chant_env)
    with open(repo / "services/reporting/src/routes.py", "a") as handle:
        handle.write("from fastapi import APIRouter\nrouter = APIRouter()\n" + REALTIME)
    _commit(repo, chant_env, "realtime report", "2026-03-10")
    numstat = run_git("diff", "--numstat", "HEAD~1", "--", "services", cwd=repo, env=chant_env).split()
    proc = drift(DOC)
    assert proc.returncode == 0
    out = proc.stdout
    expected = (
        f"Spec: {DOC} (Document system architecture)\n"
        "Status: DRIFT DETECTED\n\n"
        "Tracked files changed since completion (2026-01-28):\n"
        "  - services/reporting/src/routes.py\n"
        "      Modified: 2026-03-10\n"
        f"      Lines changed: +{numstat[0]}, -{numstat[1]}\n"
        "      New endpoint: /reports/realtime\n"
        "      New function: get_realtime_report\n\n"
        "Documentation may be outdated for:\n"
        "  - docs/architecture/modules.md (Reporting Module section)\n\n"
        "Recommendation: Re-run spec to update documentation\n"
        "  $ chant reset 001-doc && chant work 001-doc\n"
    )
    assert expected in out, out
    assert drift(DOC, "--exit-code").returncode == 1
    assert "status: completed" in (repo / ".chant/specs" / f"{DOC}.md").read_text()  # read-only
    # a clone made before the change (fresh mtimes everywhere) reports nothing
    fresh = drift("--all", "--exit-code", cwd=clone)
    assert fresh.returncode == 0, fresh.stdout
    assert "All 4 completed spec(s) are up to date." in fresh.stdout


def test_informed_by_markdown_heading_and_cascade(repo: Path, drift: Any, chant_env: dict[str, str]) -> None:
    metrics = repo / ".chant/context/metrics/production-metrics.md"
    metrics.write_text(metrics.read_text() + "\n## New Q1 metrics\n\n2\n")
    _commit(repo, chant_env, "q1 metrics", "2026-03-15")
    out = drift(CPL).stdout
    assert (
        "Informed-by files changed since completion (2026-01-27):\n"
        "  - .chant/context/metrics/production-metrics.md\n"
        "      Modified: 2026-03-15\n"
        "      Lines changed: +4, -0\n"
        "      Content: New Q1 metrics added\n\n"
        "Analysis may need updating for:\n"
        "  - analysis/coupling/extraction-candidates.md\n\n"
        "Recommendation: Re-run spec with updated inputs\n"
        "  $ chant reset 001-cpl && chant work 001-cpl\n"
    ) in out, out
    down = drift(DOC).stdout
    assert "Status: CASCADE DRIFT (upstream stale)" in down
    assert f"  - {CPL} (Analyze codebase coupling): DRIFT DETECTED" in down
    assert (
        "Recommendation: Re-run upstream spec first\n  $ chant reset 001-cpl && chant work 001-cpl\n" in down
    )

    ext = drift(EXT).stdout
    assert (
        "Recommendation: Re-run upstream spec first\n"
        "  $ chant reset 001-cpl && chant work 001-cpl\n"
        "  $ chant reset 001-doc && chant work 001-doc\n"
        "  then review 001-ext (code specs are not re-run automatically)\n"
    ) in ext, ext
    tree = drift("--all").stdout
    assert (
        "Cascade detected:\n\n"
        f"{CPL} (Analyze codebase coupling)\n"
        "  └─ DRIFT: production-metrics.md changed\n"
        "      │\n"
        f"      └─> {DOC} (documentation)\n"
        "            Status: CASCADE DRIFT (upstream stale)\n"
        "            │\n"
        f"            └─> {EXT} (code)\n"
        "                  Status: CASCADE DRIFT (upstream stale)\n"
    ) in tree, tree
    assert (
        "Recommendation: Re-run upstream spec first\n"
        "  1. `chant reset 001-cpl && chant work 001-cpl` — Refresh analysis (Analyze codebase coupling)\n"
        "  2. `chant reset 001-doc && chant work 001-doc` — Update documentation (Document system architecture)\n"
    ) in tree
    assert f"  - {EXT} (code): CASCADE DRIFT (upstream stale)" in tree  # review, not re-run
    assert tree == drift().stdout  # no argument = --all
    assert drift("--exit-code").returncode == 1

    data = json.loads(drift("--all", "--json").stdout)
    assert data["schema"] == 1
    assert data["stale"] == [CPL, DOC, EXT]
    assert data["recommendations"] == {"rerun": [CPL, DOC], "review": [EXT]}
    states = {s["id"]: s["state"] for s in data["specs"]}
    assert states[ORI] == "UP TO DATE"


def test_origin_rows_added_deleted_file_and_dashboard(
    repo: Path, drift: Any, chant_env: dict[str, str]
) -> None:
    (repo / "data/obs.csv").write_text("id,value\n1,2\n2,3\n3,4\n")
    (repo / "data/new.csv").write_text("id,value\n9,9\n")
    _commit(repo, chant_env, "more data", "2026-03-08")
    (repo / "src/util.py").unlink()
    _commit(repo, chant_env, "drop util", "2026-03-09")
    out = drift(ORI).stdout
    assert (
        "Origin files changed since completion (2026-01-29):\n"
        "  - data/new.csv\n"
        "      Added: 2026-03-08\n"
        "      Status: New file\n"
        "      Lines changed: +2, -0\n"
        "      Rows added: 2\n"
        "  - data/obs.csv\n"
        "      Modified: 2026-03-08\n"
        "      Lines changed: +2, -0\n"
        "      Rows added: 2\n"
        "  Total new observations: 4\n"
    ) in out, out
    doc = drift(DOC).stdout
    assert "  - src/util.py\n      Deleted: 2026-03-09\n      Status: File removed\n" in doc
    assert "Removed function: helper" in doc

    report = repo / "reports" / "drift-status.md"
    proc = drift("--report", str(report))
    assert proc.returncode == 0 and "Wrote drift dashboard" in proc.stdout
    text = report.read_text()
    assert "| Spec | Type | Last Run | Status | Days Since |" in text
    assert "| 001-cpl | research | 2026-01-27 | OK | 50 |" in text
    assert "| 001-doc | documentation | 2026-01-28 | DRIFT | 49 |" in text
    assert "| 001-ext | code | 2026-01-30 | CASCADE | 47 |" in text
    assert "| 001-ori | research | 2026-01-29 | DRIFT | 48 |" in text
    assert "| `src/util.py` | 2026-03-09 (deleted) | +0, -2 | 001-doc | tracks |" in text
    assert "1. `chant reset 001-doc && chant work 001-doc`" in text
    assert "- Review `001-ext` (code)" in text
    assert "status: completed" in (repo / ".chant/specs" / f"{ORI}.md").read_text()


def test_uncommitted_and_touched_files(repo: Path, drift: Any) -> None:
    path = repo / "src/auth/routes.py"
    path.write_text(path.read_text())  # touched, same content: not drift
    assert drift(DOC, "--exit-code").returncode == 0
    (repo / ".gitignore").write_text("src/generated/\n")
    (repo / "src/generated").mkdir()
    (repo / "src/generated/models.py").write_text("def built():\n    return 1\n")  # ignored: not an input
    assert drift(DOC, "--exit-code").returncode == 0
    (repo / "src/auth/mfa.py").write_text("def enroll():\n    return 1\n")  # untracked, not ignored
    added = drift(DOC).stdout
    assert (
        "  - src/auth/mfa.py\n      Added: uncommitted\n      Status: New file\n      Lines changed: +2, -0\n"
        in added
    )
    assert "src/generated" not in added
    (repo / "src/auth/mfa.py").unlink()
    path.write_text(path.read_text() + "\n\ndef mfa_setup():\n    return 3\n")
    out = drift(DOC).stdout
    assert "Modified: uncommitted" in out and "New function: mfa_setup" in out
    assert "docs/architecture/modules.md (Auth Module section)" in out


def test_errors(drift: Any, repo: Path, chant_env: dict[str, str]) -> None:
    missing = drift("nope-nope")
    assert missing.returncode != 0 and "not found" in missing.stderr.lower()
    (repo / ".chant/specs/2026-03-01-001-new.md").write_text("---\nstatus: pending\n---\n\n# New\n")
    pending = drift("001-new")
    assert pending.returncode != 0
    assert "is pending; drift only checks completed specs" in pending.stderr


DRV = "2026-02-10-001-drv"


def test_driver_aggregates_members(chant_repo: Path, run_chant: Any, chant_env: dict[str, str]) -> None:
    root = chant_repo
    command_agent.install(root, command_agent.TICK_AND_COMMIT, "drifty")
    (root / "data").mkdir()
    (root / "data/a.csv").write_text("x\n1\n")
    specs = root / ".chant/specs"
    (specs / f"{DRV}.md").write_text("---\ntype: driver\nstatus: pending\n---\n\n# Pipeline\n")
    member = "---\ntype: research\nstatus: pending\n{extra}---\n\n# Step {n}\n\n## Acceptance Criteria\n\n- [ ] done\n"
    (specs / f"{DRV}.1.md").write_text(member.format(extra="origin:\n  - data/*.csv\n", n=1))
    for n in (2, 3):
        (specs / f"{DRV}.{n}.md").write_text(member.format(extra="", n=n))
    _commit(root, chant_env, "driver", "2026-02-09")
    run_chant("work", DRV, check=True)
    (root / "data/a.csv").write_text("x\n1\n2\n")
    _commit(root, chant_env, "more rows", "2026-02-20")
    out = run_chant("drift", DRV, check=True).stdout
    assert "Status: DRIFT DETECTED (via member)\n" in out, out
    assert f"  {DRV}.1 (Step 1): DRIFT DETECTED\n    Origin files changed since completion" in out
    assert "          Rows added: 1\n" in out
    assert "Cascade: 001-drv.1 → 001-drv.2 → 001-drv.3\n" in out
    assert "Reset and re-run the whole driver (its members are reset too)\n  $ chant reset 001-drv" in out
    tree = run_chant("drift", "--all", check=True).stdout
    assert f"{DRV} (Pipeline)\n  └─ DRIFT (via member): 001-drv.1\n" in tree, tree
    assert "  1. `chant reset 001-drv && chant work 001-drv` — Re-run driver (Pipeline)\n" in tree
    assert "  2." not in tree
    member = run_chant("drift", f"{DRV}.2", check=True).stdout
    assert "Status: CASCADE DRIFT (upstream stale)" in member
    assert (
        "  $ chant reset 001-drv && chant work 001-drv  (the whole driver, its members included)\n" in member
    )


def test_spec_completed_elsewhere_without_baseline(
    chant_repo: Path, run_chant: Any, chant_env: dict[str, str]
) -> None:
    """No input_baseline and no commit before completed_at (dates pinned later): the commit that added the
    spec is the baseline, so nothing drifts until a tracked file really changes."""
    root = chant_repo
    (root / "lib").mkdir()
    (root / "lib/core.py").write_text("def a():\n    return 1\n")
    (root / ".chant/specs/2026-01-10-001-old.md").write_text(
        "---\ntype: documentation\nstatus: completed\ncompleted_at: 2026-01-10T10:00:00Z\n"
        "tracks:\n  - lib/*.py\n---\n\n# Old docs\n"
    )
    _commit(root, chant_env, "imported", "2026-02-01")
    assert run_chant("drift", "--exit-code", check=True).stdout.endswith(
        "All 1 completed spec(s) are up to date.\n"
    )
    spec = root / ".chant/specs/2026-01-10-001-old.md"
    spec.write_text(spec.read_text().replace("tracks:", "schedule: weekly\ntracks:"))
    up = run_chant("drift", "001-old", check=True).stdout
    assert "Tracked files (1) unchanged since completion (2026-01-10)\n" in up
    assert "Next check scheduled: 2026-01-17 (due now: `chant work --due`)\n" in up
    spec.write_text(spec.read_text().replace("schedule: weekly\n", ""))
    (root / "lib/core.py").write_text("def a():\n    return 2\n")
    _commit(root, chant_env, "change", "2026-02-05")
    out = run_chant("drift", "001-old", check=True).stdout
    assert "  - lib/core.py\n      Modified: 2026-02-05\n      Lines changed: +1, -1\n" in out
