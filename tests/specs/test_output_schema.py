"""output_schema: the check step validates a research spec's JSON/YAML outputs before completion; a
mismatch fails the spec with the validation message; an unusable schema is a lint error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

AGENT = """\
import json, os, pathlib, subprocess
spec = pathlib.Path(os.environ["CHANT_SPEC_FILE"])
spec.write_text(spec.read_text().replace("- [ ]", "- [x]"))
wt = pathlib.Path(os.environ["CHANT_WORKTREE_PATH"])
good = {"question": "q", "answer": "a", "evidence": ["src/x.py"]}
bad = {"question": "q", "answer": 42, "evidence": []}
sid = os.environ["CHANT_SPEC_ID"]
(wt / "research").mkdir(exist_ok=True)
(wt / "research" / "findings.json").write_text(json.dumps(bad if "bad" in sid else good))
(wt / "research" / "findings.yaml").write_text("question: q\\nanswer: a\\nevidence: [x]\\n")
subprocess.run(["git", "add", "-A"], cwd=wt, check=True)
subprocess.run(["git", "commit", "-qm", "chant(%s): findings" % sid], cwd=wt, check=True)
"""

SCHEMA = """output_schema:
  type: object
  required: [question, answer, evidence]
  properties:
    answer: {type: string}
    evidence: {type: array, minItems: 1}
"""


def research(target: str = "research/findings.json", schema: str = SCHEMA) -> str:
    return (
        f"---\ntype: research\nstatus: pending\ntarget_files:\n  - {target}\n{schema}---\n\n# Findings\n\n"
        "## Acceptance Criteria\n\n- [ ] `research/findings.json` holds the answer\n"
    )


def test_matching_output_completes_and_a_mismatch_fails_with_the_message(
    chant_repo: Path, run_chant: Any, write_spec: Callable[..., Path], use_agent: Any
) -> None:
    good = write_spec("2026-02-01-001-gud", research())
    bad = write_spec("2026-02-01-002-bad", research())
    use_agent(AGENT)
    run_chant("work", "gud", check=True)
    assert "status: completed" in good.read_text()

    proc = run_chant("work", "bad", check=False)
    assert proc.returncode == 1
    text = bad.read_text()
    assert "status: failed" in text
    reason = json.loads(run_chant("show", "bad", "--json", check=True).stdout)["spec"]["frontmatter"][
        "failure_reason"
    ]
    assert (
        reason
        == "research/findings.json does not match output_schema at answer: 42 is not of type 'string' (+1 more)"
    )
    assert reason in proc.stdout + proc.stderr


def test_schema_from_a_file_and_yaml_outputs(
    chant_repo: Path, run_chant: Any, git: Callable[..., str], write_spec: Callable[..., Path], use_agent: Any
) -> None:
    (chant_repo / "schemas").mkdir()
    (chant_repo / "schemas" / "findings.json").write_text(
        json.dumps({"type": "object", "required": ["answer"]})
    )
    spec = write_spec(
        "2026-02-01-001-yml", research("research/findings.yaml", "output_schema: schemas/findings.json\n")
    )
    use_agent(AGENT)
    run_chant("work", "yml", check=True)
    assert "status: completed" in spec.read_text()


def test_unusable_schemas_are_lint_errors(
    chant_repo: Path, run_chant: Any, write_spec: Callable[..., Path]
) -> None:
    write_spec("2026-02-01-001-nof", research(schema="output_schema: schemas/missing.json\n"))
    write_spec("2026-02-01-002-inv", research(schema="output_schema:\n  type: 12\n"))
    write_spec("2026-02-01-003-nod", research(target="research/notes.md"))
    proc = run_chant("lint", check=False)
    assert proc.returncode == 1
    assert (
        "001-nof.md:6: error[output-schema]: output_schema 'schemas/missing.json': no such file"
        in proc.stdout
    )
    assert (
        "002-inv.md:6: error[output-schema]: output_schema is not a valid JSON Schema: 12 is not valid"
        in proc.stdout
    )
    assert (
        "003-nod.md:6: error[output-schema]: output_schema is set but no target file ends in .json"
        in proc.stdout
    )
    # chant work refuses it up front (the pre-flight): nothing is started
    refused = run_chant("work", "nof", check=False)
    assert (
        refused.returncode == 1 and "schemas/missing.json': no such file" in refused.stdout + refused.stderr
    )
    assert "status: pending" in (chant_repo / ".chant/specs/2026-02-01-001-nof.md").read_text()
