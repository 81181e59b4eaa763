"""`chant export --format json|csv|md` with the list filters (ops/export.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import SEED_DEPENDENCIES, SEED_DRIVER, SEED_IDS, SEED_MEMBERS, run_git


def _add(repo: Path, env: dict[str, str], name: str, text: str) -> None:
    (repo / ".chant" / "specs" / f"{name}.md").write_text(text, encoding="utf-8")
    run_git("add", "-A", cwd=repo, env=env)
    run_git("commit", "-q", "-m", f"add {name}", cwd=repo, env=env)


TRICKY = (
    "---\ntype: code\nstatus: completed\nlabels: [api, 'a,b']\ncost_usd: 0.125\n"
    'completed_at: 2026-02-02T09:00:00Z\n---\n\n# Quotes "and", commas | pipes\n\n## Acceptance Criteria\n\n- [x] done\n'
)


def test_csv_round_trips_through_the_csv_module_one_row_per_spec(
    seed_repo: Path, run_chant: Callable[..., Any], chant_env: dict[str, str]
) -> None:
    _add(seed_repo, chant_env, "2026-02-02-001-trk", TRICKY)
    out = run_chant("export", "--format", "csv", "--fields", "all", check=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == [*SEED_IDS, "2026-02-02-001-trk"]
    assert len(out.splitlines()) == len(rows) + 1  # no cell spills over a line
    tricky = rows[-1]
    assert tricky["title"] == 'Quotes "and", commas | pipes'
    assert json.loads(tricky["labels"]) == ["api", "a,b"]
    assert float(tricky["cost_usd"]) == 0.125
    assert tricky["criteria"] == "1" and tricky["criteria_checked"] == "1"
    by_id = {r["id"]: r for r in rows}
    assert by_id[SEED_MEMBERS[3]]["state"] == "blocked"
    assert json.loads(by_id[SEED_MEMBERS[3]]["depends_on"]) == SEED_MEMBERS[:3]
    assert by_id[SEED_DRIVER]["model"] == ""  # null is an empty cell


def test_json_and_filters_are_the_list_filters(seed_repo: Path, run_chant: Callable[..., Any]) -> None:
    data = json.loads(run_chant("export", "--status", "completed", check=True).stdout)
    assert data["schema"] == 1 and data["count"] == 2
    assert [s["id"] for s in data["specs"]] == SEED_DEPENDENCIES
    assert data["fields"] == ["id", "type", "status", "state", "title", "labels", "model", "completed_at"]
    listed = json.loads(run_chant("list", "--ready", "--json", check=True).stdout)["specs"]
    exported = json.loads(run_chant("export", "--ready", "--fields", "id,state", check=True).stdout)["specs"]
    assert [s["id"] for s in exported] == [s["id"] for s in listed]
    assert all(s == {"id": s["id"], "state": "ready"} for s in exported)
    found = json.loads(run_chant("export", "--search", "MIGRATION", "--fields", "id", check=True).stdout)
    searched = json.loads(run_chant("search", "MIGRATION", "--json", check=True).stdout)["specs"]
    assert [s["id"] for s in found["specs"]] == [s["id"] for s in searched] == [SEED_DRIVER, SEED_MEMBERS[1]]
    assert json.loads(run_chant("export", "--type", "task", check=True).stdout)["count"] == 1


def test_markdown_is_a_report_with_summary_and_spec_tables(
    seed_repo: Path, run_chant: Callable[..., Any]
) -> None:
    text = run_chant("export", "--format", "md", check=True).stdout
    lines = text.splitlines()
    assert lines[0].startswith("# Spec report: ")
    assert "7 specs · exported 2026-02-01T10:00:00Z" in lines[2]
    assert "| State | Specs | Share |" in lines
    assert "| ○ ready | 4 | 57% |" in lines
    assert "| ● completed | 2 | 29% |" in lines
    header = "| ID | Type | Status | State | Title | Labels | Model | Completed at |"
    table = lines[lines.index(header) :]
    assert len(table) == 2 + len(SEED_IDS)
    assert table[2].startswith(f"| {SEED_DEPENDENCIES[0]} | research | completed | ● completed |")
    assert all(row.count("|") == header.count("|") for row in table)


def test_output_file_format_from_suffix_and_bad_input(seed_repo: Path, run_chant: Callable[..., Any]) -> None:
    proc = run_chant("export", "-o", "out/specs.csv", check=False)
    assert "directory" in proc.stderr and "Traceback" not in proc.stderr
    (seed_repo / "out").mkdir()
    proc = run_chant("export", "-o", "out/specs.csv", check=True)
    assert proc.stdout == "" and "Exported 7 specs (csv) to out/specs.csv" in proc.stderr
    assert (seed_repo / "out" / "specs.csv").read_text(encoding="utf-8").startswith("id,type,status,state,")
    bad = run_chant("export", "--fields", "id,bogus", check=False)
    assert bad.returncode == 1 and "unknown field for --fields: bogus" in bad.stderr
    assert "Traceback" not in bad.stderr
    wrong = run_chant("export", "--format", "xml", check=False)
    assert wrong.returncode == 2 and "xml" in wrong.stderr
