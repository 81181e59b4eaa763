"""The schema of ``.chant/config.md``: every key chant reads, its type, and the keys the Rust chant writes.

Pure: :func:`check` takes the file's text and returns issues (invalid YAML with its line, duplicate keys,
unknown keys with a did-you-mean, wrong types). ``chant lint``, ``chant doctor`` and the pre-flight of
``chant work`` report them; :mod:`chant.config` keeps reading leniently (a wrong type falls back to the
default), so a typo never stops a read-only command. docs/config.md is the reader's version of this table.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chant.errors import ChantError

if TYPE_CHECKING:
    from chant.lint import Severity

ERROR: Severity = "error"
WARNING: Severity = "warning"


@dataclass(frozen=True)
class Issue:
    key: str  # dotted path ("defaults.timeout"); "" for the whole file
    line: int | None  # 1-based line in config.md
    severity: Severity
    message: str
    hint: str


# A checker returns None when the value is acceptable, else what is wrong with it ("must be ...").
Checker = Callable[[Any], str | None]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def string(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def number(minimum: float, *, exclusive: bool = False, integer: bool = False) -> Checker:
    kind = "an integer" if integer else "a number"
    bound = f"> {minimum:g}" if exclusive else f">= {minimum:g}"

    def check(value: Any) -> str | None:
        if not _is_number(value) or (integer and not isinstance(value, int)):
            return f"must be {kind} {bound}"
        if value < minimum or (exclusive and value == minimum):
            return f"must be {kind} {bound}"
        return None

    return check


def choice(*values: str) -> Checker:
    def check(value: Any) -> str | None:
        return None if value in values else f"must be one of {', '.join(values)}"

    return check


def words(value: Any) -> str | None:
    """A command line: a string (shell-split) or a list of strings."""
    if isinstance(value, str) and value.strip():
        return None
    if isinstance(value, list) and value and all(isinstance(v, str | int | float) for v in value):
        return None
    return "must be a command: a string or a list of strings"


def string_list(value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return None
    return "must be a list of strings"


def mapping(value: Any) -> str | None:
    return None if isinstance(value, dict) else "must be a mapping (key: value)"


def env_mapping(value: Any) -> str | None:
    """``env:``: variable -> value (``null`` removes the variable from the agent's environment)."""
    if isinstance(value, dict) and all(
        v is None or isinstance(v, str | int | float | bool) for v in value.values()
    ):
        return None
    return "must be a mapping of variable names to values (null removes one)"


def prompt_name(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be the name of a prompt in .chant/prompts/"
    from chant.run.prompts import name_problem

    return name_problem(value)


def agent_name(value: Any) -> str | None:
    from chant.agents import AGENT_NAMES

    if isinstance(value, str) and value.strip().lower() in AGENT_NAMES:
        return None
    return f"must be one of {', '.join(AGENT_NAMES)}" + did_you_mean(str(value), AGENT_NAMES)


def branch_prefix(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string (e.g. chant/)"
    from chant import git

    return None if git.valid_branch_name(f"{value}x") else "must make valid git branch names (e.g. chant/)"


def interval(value: Any) -> str | None:
    from chant.schedule import ScheduleError, parse_interval

    try:
        parse_interval(value)
    except ScheduleError:
        return "must be a number of days or e.g. 7d, 2w, 12h"
    return None


def anything(value: Any) -> str | None:
    return None


def commands(value: Any) -> str | None:
    """One shell command (a string) or a list of them, run in order."""
    if isinstance(value, str) and value.strip():
        return None
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return None
    return "must be a shell command or a list of shell commands"


def duration(value: Any) -> str | None:
    """Seconds, or a number with a unit: 90s, 30m, 2h."""
    from chant.run.budget import BudgetError, parse_seconds

    try:
        parse_seconds(value)
    except BudgetError:
        return "must be seconds or e.g. 90s, 30m, 2h"
    return None


@dataclass(frozen=True)
class Section:
    """A mapping with known keys. ``rust`` keys are written by the Rust chant and accepted unchecked."""

    fields: dict[str, Checker | Section | MapOf]
    rust: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MapOf:
    """A mapping whose keys are names (``agents.<name>``), each with the same schema."""

    value: Section
    known: Callable[[], tuple[str, ...]]  # names that mean something; others get a warning
    what: str  # "agent"


def _agent_names() -> tuple[str, ...]:
    from chant.agents import AGENT_NAMES

    return AGENT_NAMES


AGENT_SETTINGS = Section(
    {
        "command": words,
        "extra_args": words,
        "model": string,
        "base_url": string,
        "api_key_env": string,
        "extra_body": mapping,
        "options": mapping,
        "system_prompt": string,
        "max_iterations": number(1, integer=True),
        "max_retries": number(0, integer=True),
        "retry_delay": number(0),
        "request_timeout": number(0, exclusive=True),
        "command_timeout": number(0, exclusive=True),
        "env": env_mapping,
        "env_allow": string_list,
        "hide_paths": string_list,
        "command_network": boolean,
        "unsafe_commands": boolean,
        "sandbox": choice("read-only", "workspace-write", "danger-full-access"),
    },
    rust=frozenset({"endpoint", "retry_delay_ms"}),
)

BUDGET = Section({"cost_usd": number(0), "tokens": number(0, integer=True), "time": duration})

SCHEMA = Section(
    {
        "project": Section({"name": string}, rust=frozenset({"prefix", "silent"})),
        "defaults": Section(
            {
                "prompt": prompt_name,
                "agent": agent_name,
                "model": string,
                "branch_prefix": branch_prefix,
                "main_branch": string,
                "timeout": number(0, exclusive=True),
                "retries": number(0, integer=True),
            },
            rust=frozenset({"split_model", "provider", "rotation_strategy", "prompt_extensions"}),
        ),
        "parallel": Section(
            {"max": number(1, integer=True)},
            rust=frozenset({"agents", "stagger_delay_ms", "stagger_jitter_ms"}),
        ),
        "worktree": Section(
            {"root": string, "pool": number(0, integer=True), "clean": choice("untracked", "all")}
        ),
        "executor": Section(
            {
                "name": choice("local", "ray"),
                "address": string,
                "retries": number(0, integer=True),
                "env": string_list,
            }
        ),
        "agents": MapOf(AGENT_SETTINGS, _agent_names, "agent"),
        "providers": MapOf(AGENT_SETTINGS, _agent_names, "agent"),
        "verify": Section({"run_commands": boolean}),
        "merge": Section(
            {"gate": commands, "gate_timeout": number(0, exclusive=True), "resolve": choice("off", "agent")}
        ),
        "budget": Section({"spec": BUDGET, "driver": BUDGET, "run": BUDGET}),
        "limits": Section({"max_wait": duration, "pause": boolean}),
        "quality": Section(
            {"max_criteria": number(1, integer=True), "max_target_files": number(1, integer=True)}
        ),
        "drift": Section({"interval": interval}),
        "logs": Section({"max_bytes": number(0, integer=True)}),
        "git": Section({"stale_lock_seconds": number(0), "batch_status": boolean}),
    },
    rust=frozenset({"repos", "enterprise", "approval", "validation", "site", "lint", "watch", "version"}),
)


def did_you_mean(word: str, candidates: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check(text: str, shown: str = ".chant/config.md") -> list[Issue]:
    """Every problem of a config file's text; ``[]`` for a valid (or absent/empty) config."""
    import yaml

    from chant.spec import document, yamlio

    try:
        parts = document.split(text, shown)
    except ChantError as exc:
        return [Issue("", 1, ERROR, exc.message, "close the frontmatter with a '---' line")]
    if not parts.frontmatter.strip():
        return []
    offset = parts.opening.count("\n") + 1  # YAML line 0 is the file's line 2
    try:
        node = yamlio.compose(parts.frontmatter)
        data = yamlio.load(parts.frontmatter)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        line = mark.line + offset if mark is not None else None
        return [Issue("", line, ERROR, f"invalid YAML: {problem}", "fix the YAML on that line")]
    except yamlio.LoadError as exc:  # outside the reader's bounds (recursive aliases...), with its line
        line = exc.line + offset - 1 if exc.line is not None else offset
        return [Issue("", line, ERROR, f"invalid YAML: {exc.problem}", "fix the YAML on that line")]
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        return [Issue("", offset, ERROR, f"invalid YAML: {exc}", "fix the YAML")]
    if node is None or data is None:
        return []
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        return [
            Issue("", offset, ERROR, "the frontmatter must be a mapping (key: value)", "see docs/config.md")
        ]
    issues: list[Issue] = []
    _walk(SCHEMA, node, data, "", offset, issues)
    return issues


def _entries(
    node: Any, prefix: str, offset: int, out: list[Issue]
) -> Iterator[tuple[str, Any, Any, str, int]]:
    """``(key, key node, value node, dotted key, line)`` of a mapping node; a repeated key is reported
    (YAML would silently keep the last one) and not yielded again."""
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = str(key_node.value)
        dotted = f"{prefix}{key}"
        line = key_node.start_mark.line + offset
        if key in seen:
            out.append(
                Issue(
                    dotted, line, ERROR, f"duplicate key '{dotted}'", "keep one of them (YAML uses the last)"
                )
            )
            continue
        seen.add(key)
        yield key, key_node, value_node, dotted, line


def _walk(
    schema: Section, node: Any, data: dict[Any, Any], prefix: str, offset: int, out: list[Issue]
) -> None:
    import yaml

    known = [*schema.fields, *schema.rust]
    for key, key_node, value_node, dotted, line in _entries(node, prefix, offset, out):
        if key in schema.rust:
            continue
        rule = schema.fields.get(key)
        if rule is None:
            out.append(
                Issue(
                    dotted,
                    line,
                    WARNING,
                    f"unknown key '{dotted}'{did_you_mean(key, known)}; chant ignores it",
                    "see docs/config.md for the keys chant reads",
                )
            )
            continue
        value = data.get(key_node.value, data.get(key))
        if value is None and isinstance(value_node, yaml.ScalarNode):
            continue  # `key:` with no value means "the default"
        if isinstance(rule, Section | MapOf):
            if not isinstance(value, dict) or not isinstance(value_node, yaml.MappingNode):
                out.append(Issue(dotted, line, ERROR, f"'{dotted}' must be a mapping", "see docs/config.md"))
            elif isinstance(rule, Section):
                _walk(rule, value_node, value, f"{dotted}.", offset, out)
            else:
                _walk_names(rule, value_node, value, f"{dotted}.", offset, out)
            continue
        problem = rule(value)
        if problem is not None:
            out.append(
                Issue(dotted, line, ERROR, f"'{dotted}' {problem} (got {value!r:.60})", "see docs/config.md")
            )


def _walk_names(
    schema: MapOf, node: Any, data: dict[Any, Any], prefix: str, offset: int, out: list[Issue]
) -> None:
    import yaml

    names = schema.known()
    for name, key_node, value_node, dotted, line in _entries(node, prefix, offset, out):
        if name.lower() not in names:
            out.append(
                Issue(
                    dotted,
                    line,
                    WARNING,
                    f"unknown {schema.what} '{name}'{did_you_mean(name, names)}; chant ignores '{dotted}'",
                    f"known {schema.what}s: {', '.join(names)}",
                )
            )
            continue
        value = data.get(key_node.value, data.get(name))
        if value is None:
            continue
        if not isinstance(value, dict) or not isinstance(value_node, yaml.MappingNode):
            out.append(Issue(dotted, line, ERROR, f"'{dotted}' must be a mapping", "see docs/config.md"))
            continue
        _walk(schema.value, value_node, value, f"{dotted}.", offset, out)


__all__ = ["ERROR", "SCHEMA", "WARNING", "Issue", "check"]
