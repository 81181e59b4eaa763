"""An agent's proposal of member specs (``chant split``, ``chant plan``): ask, validate, write all or nothing.

The agent runs once in a throwaway detached worktree (:func:`chant.ops.ask.scratch_worktree`). Its answer
is the file ``chant-proposal.json`` it writes at the root of that worktree, or else its final text: the
last fenced ```json block, else the last fenced block, else the whole text. The answer must match
:data:`SCHEMA` (checked with ``jsonschema``) and make sense as a graph (``depends_on`` numbers members,
1-based, without cycles; target files are relative paths inside the repository). A malformed or invalid
answer is asked again once, with the error, then reported; nothing is written unless every file can be.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from chant.errors import ChantError
from chant.project import Project, atomic_write
from chant.spec import document, edit

ANSWER_FILE = "chant-proposal.json"
MAX_MEMBERS = 30

_TEXT = {"type": "string", "minLength": 1}
_TEXTS = {"type": "array", "items": _TEXT}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["members"],
    "additionalProperties": False,
    "properties": {
        "title": {**_TEXT, "maxLength": 200},
        "body": {"type": "string"},
        "criteria": _TEXTS,
        "members": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_MEMBERS,
            "items": {
                "type": "object",
                "required": ["title", "criteria"],
                "additionalProperties": False,
                "properties": {
                    "title": {**_TEXT, "maxLength": 200},
                    "depends_on": {
                        "type": "array",
                        "items": {"type": "integer", "minimum": 1},
                        "uniqueItems": True,
                    },
                    "target_files": _TEXTS,
                    "criteria": {**_TEXTS, "minItems": 1},
                    "body": {"type": "string"},
                },
            },
        },
    },
}


class ProposalError(ChantError):
    pass


@dataclass(frozen=True)
class Member:
    title: str
    criteria: list[str]
    depends_on: list[int] = field(default_factory=list)  # 1-based member numbers
    target_files: list[str] = field(default_factory=list)
    body: str = ""


@dataclass(frozen=True)
class Proposal:
    members: list[Member]
    title: str | None = None  # the driver's (plan)
    body: str = ""
    criteria: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.title is not None:
            data["title"] = self.title
        if self.body:
            data["body"] = self.body
        if self.criteria:
            data["criteria"] = self.criteria
        data["members"] = [
            {
                "title": m.title,
                "depends_on": m.depends_on,
                "target_files": m.target_files,
                "criteria": m.criteria,
                **({"body": m.body} if m.body else {}),
            }
            for m in self.members
        ]
        return data


# -- reading an answer -----------------------------------------------------------------------------------
_FENCE = re.compile(r"^(`{3,}|~{3,})[ \t]*([\w+-]*)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)


def extract_json(text: str) -> Any:
    """The JSON document in an agent's answer (see the module docstring for where it is looked for)."""
    blocks = [(m.group(2).lower(), m.group(3)) for m in _FENCE.finditer(text)]
    candidates = [body for lang, body in blocks if lang == "json"][-1:] or [body for _l, body in blocks][-1:]
    candidates.append(text)
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    problem = "the answer holds no JSON document"
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError as exc:
            problem = f"the answer is not valid JSON ({exc})"
    raise ProposalError(problem)


def validate(data: Any, *, need_title: bool) -> Proposal:
    """``data`` checked against :data:`SCHEMA` and as a graph; :class:`ProposalError` says what is wrong."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ProposalError(f"the answer does not match the schema at {where}: {first.message}{more}")
    if need_title and not data.get("title"):
        raise ProposalError("the answer has no 'title' for the driver")
    members = [
        Member(
            m["title"].strip(),
            [c.strip() for c in m["criteria"]],
            list(m.get("depends_on", [])),
            [t.strip() for t in m.get("target_files", [])],
            m.get("body", "").strip(),
        )
        for m in data["members"]
    ]
    for number, member in enumerate(members, start=1):
        for dep in member.depends_on:
            if dep == number:
                raise ProposalError(f"member {number} depends on itself")
            if dep > len(members):
                raise ProposalError(f"member {number} depends on member {dep}; there are {len(members)}")
        for target in member.target_files:
            if (problem := _path_problem(target)) is not None:
                raise ProposalError(f"member {number}: target file '{target}' {problem}")
        if "\n" in member.title:
            raise ProposalError(f"member {number}: the title is one line")
    cycle = _cycle([m.depends_on for m in members])
    if cycle:
        raise ProposalError("the members' depends_on form a cycle: " + " -> ".join(map(str, cycle)))
    return Proposal(
        members,
        (data.get("title") or "").strip() or None,
        data.get("body", "").strip(),
        data.get("criteria", []),
    )


def _path_problem(target: str) -> str | None:
    path = PurePosixPath(target)
    if path.is_absolute() or target.startswith("~"):
        return "is not relative to the repository"
    if ".." in path.parts:
        return "leaves the repository"
    if path.parts[:1] == (".git",):
        return "is inside .git"
    return None


def _cycle(deps: list[list[int]]) -> list[int] | None:
    state: dict[int, int] = {}
    stack: list[int] = []

    def visit(node: int) -> list[int] | None:
        state[node] = 1
        stack.append(node)
        for dep in deps[node - 1]:
            if state.get(dep) == 1:
                return stack[stack.index(dep) :] + [dep]
            if dep not in state and (found := visit(dep)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in range(1, len(deps) + 1):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


# -- asking ----------------------------------------------------------------------------------------------
def prompt_template(project: Project, name: str) -> str:
    """``.chant/prompts/<name>.md`` (body), or the bundled one for a project initialised before it existed."""
    path = project.prompts_dir / f"{name}.md"
    text = path.read_text(encoding="utf-8") if path.exists() else None
    if text is None:
        text = (resources.files("chant") / "prompts" / f"{name}.md").read_text(encoding="utf-8")
    return document.split(text, str(path)).body.lstrip("\n")


def schema_text() -> str:
    return json.dumps(SCHEMA, indent=2)


def request(
    project: Project,
    *,
    key: str,
    spec_id: str,
    prompt: str,
    agent: str,
    need_title: bool,
    timeout: float | None = None,
    model: str | None = None,
) -> Proposal:
    """Ask for a proposal; one retry with the validation error; :class:`ProposalError` after that."""
    from chant.ops import ask

    problem = ""
    for attempt in (1, 2):
        text = prompt if attempt == 1 else prompt + _retry_note(problem)
        question = ask.Question(
            key=key,
            prompt=text,
            spec_id=spec_id,
            log_name=f"{key}.log",
            env={"CHANT_PROPOSAL_FILE": ANSWER_FILE},
            label=f"{key} (attempt {attempt})",
        )
        with ask.scratch_worktree(project, key) as worktree:
            result = ask.ask(project, question, agent=agent, worktree=worktree, timeout=timeout, model=model)
            failed = ask.failure(result, agent)
            if failed is not None:
                raise ProposalError(failed, hint=f"the agent's output is in .chant/logs/{key}.log")
            answer_file = worktree / ANSWER_FILE
            answer = answer_file.read_text(encoding="utf-8") if answer_file.is_file() else result.output
        try:
            return validate(extract_json(answer), need_title=need_title)
        except ProposalError as exc:
            problem = exc.message
    raise ProposalError(
        f"the agent's proposal was rejected twice; last time: {problem}; nothing was written",
        hint=f"its answers are in .chant/logs/{key}.log; edit .chant/prompts/ or try another --agent",
    )


def _retry_note(problem: str) -> str:
    return (
        "\n\n## Your previous answer was rejected\n\n"
        f"{problem}\n\nAnswer again with one JSON document matching the schema above, and nothing else.\n"
    )


# -- writing ---------------------------------------------------------------------------------------------
def member_text(driver_id: str, number_of: dict[int, str], member: Member) -> str:
    """A member spec's file: always a ``depends_on`` (``[]`` runs it in the first phase)."""
    from chant.ops.create import NewSpec, render

    deps = [number_of[d] for d in member.depends_on]
    text = render(
        NewSpec(
            member.title,
            depends_on=deps,
            target_files=member.target_files,
            criteria=member.criteria,
            body=member.body,
        ),
        driver_id,
    )
    return text if deps else edit.set_fields(text, {"depends_on": []})


def driver_text(title: str, body: str, criteria: list[str], fields: list[tuple[str, Any]]) -> str:
    """A new driver's file; no criteria section unless the proposal gave some (then a wrap-up run checks them)."""
    frontmatter = "".join(edit.emit_block(k, v, indent=2, flow=False, nl="\n") for k, v in fields)
    parts = [f"# {title}"]
    if body:
        parts.append(body.strip())
    if criteria:
        parts.append("## Acceptance Criteria\n\n" + "\n".join(f"- [ ] {c}" for c in criteria))
    return f"---\n{frontmatter}---\n\n" + "\n\n".join(parts) + "\n"


def write_all(project: Project, files: dict[str, str]) -> list[Path]:
    """Create every ``id -> text`` spec file, or none: staged in .chant/run/, then linked into place (a
    name that exists already fails the whole batch), rolled back on any failure."""
    staging = project.run_dir / "staging" / os.urandom(4).hex()
    staging.mkdir(parents=True)
    created: list[Path] = []
    try:
        staged = {spec_id: staging / f"{spec_id}.md" for spec_id in files}
        for spec_id, text in files.items():
            atomic_write(staged[spec_id], text)
        project.specs_dir.mkdir(parents=True, exist_ok=True)
        for spec_id, source in staged.items():
            target = project.specs_dir / f"{spec_id}.md"
            os.link(source, target)  # never replaces: FileExistsError if the name is taken
            created.append(target)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return created
