"""`.chant/config.md` is validated (issue 9 item 5): invalid YAML with its line, duplicate keys, unknown keys
with a did-you-mean, wrong types; the Rust tool's keys are accepted silently; every command fails the same
clear way on invalid YAML (newcomer.md defect 8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chant import config_schema
from chant.config_schema import ERROR, WARNING


def issues(frontmatter: str) -> list[tuple[str, int | None, str, str]]:
    found = config_schema.check(f"---\n{frontmatter}---\n\n# notes\n")
    return [(i.key, i.line, i.severity, i.message) for i in found]


def test_a_valid_config_has_no_issues() -> None:
    text = (
        "project:\n  name: demo\n"
        "defaults:\n  prompt: standard\n  agent: command\n  model: sonnet\n  branch_prefix: chant/\n"
        "  main_branch: main\n  timeout: 3600\n"
        "parallel:\n  max: 4\n"
        "worktree:\n  root: .chant/run/worktrees\n"
        "verify:\n  run_commands: false\n"
        "drift:\n  interval: 2w\n"
        "agents:\n"
        '  command: {command: ["{python}", "agent.py"], model: m1, env: {IS_SANDBOX: "1"}}\n'
        "  openai: {base_url: 'http://127.0.0.1:1/v1', model: x, api_key_env: KEY, max_retries: 0}\n"
        "  codex: {sandbox: workspace-write, extra_args: --foo}\n"
        "  ollama: {env_allow: [NODE_ENV, 'PIP_*'], hide_paths: [~/s], command_network: true, unsafe_commands: false}\n"
        "  claude: {env: {IS_SANDBOX: '1', DROP_ME: null}}\n"
    )
    assert issues(text) == []
    assert config_schema.check("") == [] and config_schema.check("# no frontmatter\n") == []


def test_keys_the_rust_tool_writes_are_accepted_silently() -> None:
    # chant-features.md §5: keys of the Rust chant this chant does not use.
    text = (
        "project:\n  name: x\n  prefix: ABC\n  silent: false\n"
        "defaults:\n  prompt: bootstrap\n  provider: claude\n  split_model: sonnet\n"
        "  rotation_strategy: round_robin\n  prompt_extensions: [a, b]\n"
        "parallel:\n  stagger_delay_ms: 1000\n  stagger_jitter_ms: 200\n"
        "  agents:\n    - {name: main, command: claude, max_concurrent: 2, weight: 1}\n"
        "providers:\n  ollama: {endpoint: 'http://localhost:11434/v1', max_retries: 3, retry_delay_ms: 1000}\n"
        "repos: [{name: a, path: ~/a}]\n"
        "enterprise: {derived: {team: {from: path, pattern: x}}}\n"
        "approval: {rejection_action: manual}\n"
        "validation: {strict_output_validation: false}\n"
        "site: {output_dir: ./public/}\n"
        "lint: {thresholds: {complexity_criteria: 10}}\n"
        "watch: {poll_interval_ms: 5000}\n"
    )
    assert issues(text) == []


def test_invalid_yaml_names_its_line() -> None:
    found = issues("project:\n  name: x\nparallel: [\n")
    assert len(found) == 1
    key, line, severity, message = found[0]
    assert severity == ERROR and line == 5 and message.startswith("invalid YAML:")


def test_duplicate_keys() -> None:
    found = issues("defaults:\n  timeout: 10\n  timeout: 20\nparallel: {max: 2}\nparallel: {max: 3}\n")
    assert ("defaults.timeout", 4, ERROR, "duplicate key 'defaults.timeout'") in found
    assert ("parallel", 6, ERROR, "duplicate key 'parallel'") in found


def test_unknown_keys_get_a_did_you_mean() -> None:
    found = issues(
        "defualts:\n  agent: claude\ndefaults:\n  modle: x\nagents:\n  cluade: {}\n  claude: {comand: x}\n"
    )
    messages = {key: (line, severity, message) for key, line, severity, message in found}
    assert messages["defualts"][:2] == (2, WARNING) and "did you mean 'defaults'?" in messages["defualts"][2]
    assert "did you mean 'model'?" in messages["defaults.modle"][2]
    assert "unknown agent 'cluade' (did you mean 'claude'?)" in messages["agents.cluade"][2]
    assert "did you mean 'command'?" in messages["agents.claude.comand"][2]
    assert all(severity == WARNING for _k, _l, severity, _m in found)


@pytest.mark.parametrize(
    ("frontmatter", "key", "wording"),
    [
        ("defaults:\n  timeout: one hour\n", "defaults.timeout", "must be a number > 0"),
        ("defaults:\n  timeout: -5\n", "defaults.timeout", "must be a number > 0"),
        ("parallel:\n  max: -1\n", "parallel.max", "must be an integer >= 1"),
        ("parallel:\n  max: 2.5\n", "parallel.max", "must be an integer >= 1"),
        ("parallel:\n  max: true\n", "parallel.max", "must be an integer >= 1"),
        ("defaults:\n  agent: cluade\n", "defaults.agent", "did you mean 'claude'?"),
        ("defaults:\n  prompt: ../../evil\n", "defaults.prompt", "leaves .chant/prompts/"),
        (
            "defaults:\n  branch_prefix: 'a b/'\n",
            "defaults.branch_prefix",
            "must make valid git branch names",
        ),
        ("defaults: 3\n", "defaults", "must be a mapping"),
        ("agents:\n  claude: [x]\n", "agents.claude", "must be a mapping"),
        ("agents:\n  command: {command: {a: 1}}\n", "agents.command.command", "must be a command"),
        ("agents:\n  openai: {max_retries: many}\n", "agents.openai.max_retries", "must be an integer >= 0"),
        ("agents:\n  claude: {env: {A: [1]}}\n", "agents.claude.env", "mapping of variable names"),
        ("verify:\n  run_commands: 'yes'\n", "verify.run_commands", "must be true or false"),
        ("drift:\n  interval: soon\n", "drift.interval", "must be a number of days"),
    ],
)
def test_wrong_types_are_errors(frontmatter: str, key: str, wording: str) -> None:
    found = [f for f in issues(frontmatter) if f[0] == key]
    assert found, issues(frontmatter)
    assert found[0][2] == ERROR and wording in found[0][3], found
    assert found[0][1] == frontmatter.split(key.split(".")[-1] + ":")[0].count("\n") + 2


def test_a_key_with_no_value_means_the_default() -> None:
    assert issues("defaults:\n  model:\nparallel:\n") == []


def test_recursive_aliases_are_reported_not_followed() -> None:
    # The reader refuses a value that contains itself (chant.spec.yamlio), for every command alike.
    recursive = ("", 2, ERROR, "invalid YAML: recursive alias (a value that contains itself)")
    assert issues("defaults: &d\n  x: *d\n") == [recursive]
    assert issues("a: &a [*a, *a]\nproject:\n  name: *a\n") == [recursive]


# -- through the CLI ----------------------------------------------------------------------------------
BROKEN = "---\nproject:\n  name: x\nparallel: [\n---\n"


def test_lint_reports_config_problems_and_fails(chant_repo: Path, run_chant: Any) -> None:
    config = chant_repo / ".chant" / "config.md"
    config.write_text("---\ndefaults:\n  timeout: one hour\ndefualts: {}\n---\n")
    proc = run_chant("lint", check=False)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(".chant/config.md:3: error[config]: 'defaults.timeout' must be a number > 0")
    assert lines[1].startswith(
        ".chant/config.md:4: warning[config]: unknown key 'defualts' (did you mean 'defaults'?)"
    ), proc.stdout
    data = json.loads(run_chant("lint", "--json", check=False).stdout)
    assert {d["rule"] for d in data["diagnostics"]} == {"config"}
    assert data["errors"] == 1 and data["warnings"] == 1

    config.write_text(BROKEN)
    proc = run_chant("lint", check=False)
    assert proc.returncode == 1
    assert ".chant/config.md:5: error[config]: invalid YAML" in proc.stdout, proc.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("list", "--json"),
        ("ready",),
        ("status",),
        ("show", "x"),
        ("add", "A spec"),
        ("dag",),
        ("search", "x"),
        ("work", "x"),
        ("verify",),
        ("cleanup", "--dry-run"),
    ],
)
def test_invalid_config_yaml_stops_every_command_the_same_way(
    chant_repo: Path, run_chant: Any, args: tuple[str, ...]
) -> None:
    run_chant("list", check=True)  # a warm listing view exists: it must not hide the broken config
    (chant_repo / ".chant" / "config.md").write_text(BROKEN)
    specs_before = sorted((chant_repo / ".chant" / "specs").iterdir())
    proc = run_chant(*args, check=False)
    assert proc.returncode == 1, proc.stdout
    assert proc.stderr.startswith("error: .chant/config.md:5: invalid YAML"), proc.stderr
    assert "hint: fix it (`chant doctor` lists every problem of the config)" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted((chant_repo / ".chant" / "specs").iterdir()) == specs_before


def test_doctor_reports_invalid_config_and_checks_the_rest(chant_repo: Path, run_chant: Any) -> None:
    (chant_repo / ".chant" / "config.md").write_text(BROKEN)
    proc = run_chant("doctor", "--json", check=False)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    by_name = {c["check"]: c for c in report["checks"]}
    assert by_name["config"]["status"] == "error"
    assert by_name["config"]["problems"][0]["line"] == 5
    assert by_name["repository"]["status"] == "ok" and by_name["identity"]["status"] == "ok"
