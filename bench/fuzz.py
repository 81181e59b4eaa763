"""Fuzz campaign over chant's spec loader and its read commands (issue 9, "Must show").

Usage::

    .venv/bin/python bench/fuzz.py                         # 6,000 cases in-process, 350 through the CLI
    .venv/bin/python bench/fuzz.py --cases 600 --cli 40 --seed 3 --json fuzz.json

Each case is one hostile spec file -- broken YAML, a wrong type for every known key, tags, aliases
("billion laughs", recursive), huge values, deep nesting, NUL, invalid UTF-8, CRLF, BOM, duplicate keys,
odd bodies, a symlinked / FIFO / oversized file -- placed next to two good specs in a scratch project, one
of which depends on the bad one. Then:

* in-process: the loader and the library (``Project.specs``, ``Graph``, ``lint``, ``Spec.to_dict``) and
  the CLI's own entry point (``chant.cli.main``) for ``list``, ``list --json``, ``lint``, ``lint --format
  json``, ``show <bad>``, ``show --json <bad>``, ``show --body <bad>``, ``show <good>``, ``status``,
  ``status --json``, ``dag``, ``ready``;
* as real subprocesses (``python -m chant``), for a sample spread evenly over the classes: ``list``,
  ``lint``, ``show <bad>``, ``show <good>``, ``show --json <bad>``, ``status``, ``dag``.

Reported: uncaught exceptions (tracebacks), hangs over 5 s, good specs that a bad file hid from ``list``
or ``show``, parse errors without a line, and peak memory (the in-process maximum RSS; the largest RSS of
any CLI process). The goal is 0 tracebacks / 0 hangs / under 200 MB. Exit status 1 when it is missed.

``tests/core/test_fuzz_loader.py`` runs a few hundred of these cases with hypothesis in ``make test``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BAD_ID = "2026-06-01-001-bad"
GOOD_ID = "2026-01-01-001-goo"
OTHER_ID = "2026-01-01-002-oth"  # depends on the good spec and on the bad one
HANG_SECONDS = 5.0
MEMORY_GOAL_MB = 200.0

KNOWN_KEYS = [
    "type", "status", "depends_on", "labels", "target_files", "context", "informed_by", "tracks", "origin",
    "members", "commits", "verification_failures", "conflicting_files", "derived_fields", "blocked_specs",
    "prompt", "branch", "model", "agent", "schedule", "parent", "source_branch", "target_branch",
    "original_spec", "failure_reason", "output_schema", "verification_status", "input_baseline",
    "completed_at", "last_verified", "replayed_at", "original_completed_at", "started_at", "failed_at",
    "replay_count", "cost_usd", "needs_approval", "public", "approval", "retry_state", "tokens",
]  # fmt: skip
GOOD_BODY = "# {title}\n\nSome text.\n\n## Acceptance Criteria\n\n- [ ] it works\n"


@dataclass
class Case:
    cls: str
    data: bytes | None  # the file's bytes (None for a symlink / FIFO / directory)
    kind: str = "file"  # file | symlink | fifo | dir | big (the data, then zeros up to `target` bytes)
    target: str = ""  # for symlinks; the size of a "big" file
    note: str = ""


# -- generation -------------------------------------------------------------------------------------------
WRONG_VALUES = [
    "{a: 1}", "[a, [b]]", "[{}]", "[{a: b}]", "123", "-7", "1.5", ".nan", ".inf", "true", "false", "null",
    "''", '"x"', "[1, 2]", "{a: {b: c}}", "[~]", "[[]]", "{}", "[]", "2026-13-45", "yes", "0x1F", "0o17",
    "5e58057", "'5e58057'", "[5e58057, 0123456]", "x" * 300, "[" + ", ".join(["a"] * 200) + "]",
    "\"a\\0b\"", "\"\\x01\\x1b[31m\"", "'../../etc/passwd'", "/etc/passwd", "[/etc/passwd, ../../x]",
    "'$(touch PWN)'", "-", "[-]", "{required: maybe, status: [x]}", "{input: x, output: [1]}",
    "{attempts: -1, last_retry_time: x}", "{by: {a: 1}, at: 5}",
]  # fmt: skip
TAGGED = [
    "!!int x", "!!int ''", "!!int 0x", "!!float abc", "!!float ''", "!!bool maybe", "!!null x", "!!str 5",
    "!!python/object/apply:os.system ['touch /tmp/chant-fuzz-PWN']", "!!python/name:os.system",
    "!!python/object:collections.OrderedDict {}", "!!binary aGVsbG8=", "!!binary '%%%'", "!!set {a, b}",
    "!!omap [a: 1, b: 2]", "!!pairs [a: 1]", "!!timestamp 2026-01-01", "!!timestamp x", "!custom x",
    "!<tag:yaml.org,2002:int> 5", "!<tag:example.com,2000:x> y", "!!map x", "!!seq {a: 1}", "!!merge x",
    "!!int [1]", "!!str {a: 1}", "!!float 1e99999", "!!int 1_000", "!!bool [true]",
]  # fmt: skip


def _good_frontmatter(rng: random.Random) -> list[str]:
    lines = ["type: code", f"status: {rng.choice(['pending', 'completed', 'failed', 'in_progress'])}"]
    if rng.random() < 0.6:
        lines.append("depends_on:")
        lines += [f"{rng.choice(['', '  '])}- 2026-01-0{n}-00{n}-abc" for n in range(1, rng.randint(2, 4))]
    lines.append(f"labels: [{', '.join(rng.sample(['api', 'db', 'ui', 'no', 'on', '1e10'], 2))}]")
    if rng.random() < 0.5:
        lines.append("commits:\n- 5e58057\n- '0123456'")
    if rng.random() < 0.3:
        lines.append("approval:\n  required: true\n  status: pending")
    lines.append(f"completed_at: '2026-02-0{rng.randint(1, 9)}T10:00:00Z'")
    return lines


def _file(frontmatter: str, body: str = "# Bad spec\n\n## Acceptance Criteria\n\n- [ ] x\n") -> bytes:
    return f"---\n{frontmatter}\n---\n{body}".encode()


def gen_broken_yaml(rng: random.Random) -> Case:
    text = "\n".join(_good_frontmatter(rng))
    chars = list(text)
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(len(chars) + 1)
        op = rng.random()
        if op < 0.5:
            chars.insert(pos, rng.choice(list(":[]{}'\"#&*!|>%@`,-? \n\t")))
        elif op < 0.8 and chars:
            del chars[min(pos, len(chars) - 1)]
        else:
            chars.insert(pos, rng.choice(["\n  ", "\n- ", ": [", "{", "'", '"', "\n ", "\n\t"]))
    extra = rng.choice(
        ["", "\nkey: [unclosed", "\nkey: 'unclosed", "\n  bad: indent", "\n- stray", "\nx: @bad"]
    )
    return Case("broken-yaml", _file("".join(chars) + extra))


def gen_wrong_type(rng: random.Random) -> Case:
    key = rng.choice(KNOWN_KEYS)
    value = rng.choice(WRONG_VALUES)
    lines = [line for line in _good_frontmatter(rng) if not line.startswith(key + ":")]
    layout = rng.random()
    if layout < 0.7:
        lines.insert(rng.randrange(len(lines) + 1), f"{key}: {value}")
    else:
        lines.append(f"{key}:\n- {value}\n- {rng.choice(WRONG_VALUES)}")
    return Case("wrong-type", _file("\n".join(lines)), note=key)


def gen_tag(rng: random.Random) -> Case:
    key = rng.choice(KNOWN_KEYS + ["x_custom"])
    tagged = rng.choice(TAGGED)
    shape = rng.random()
    line = (
        f"{key}: {tagged}"
        if shape < 0.6
        else (f"{key}:\n- {tagged}" if shape < 0.8 else f"{key}: [{tagged}]")
    )
    return Case("tag", _file("\n".join([*_good_frontmatter(rng), line])), note=key)


def gen_alias(rng: random.Random) -> Case:
    key = rng.choice(KNOWN_KEYS + ["x_custom"])
    shape = rng.random()
    if shape < 0.55:  # billion laughs
        levels, width = rng.randint(3, 10), rng.randint(3, 10)
        lines = [f"lol0: &l0 {rng.choice(['lol', 'x' * 100, '[a, b]'])}"]
        for n in range(1, levels + 1):
            lines.append(f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * width)}]")
        lines.append(f"{key}: *l{levels}")
        note = f"{levels}x{width}"
    elif shape < 0.8:  # recursive
        lines = [
            rng.choice(
                [
                    f"{key}: &d [*d]",
                    f"{key}: &m {{a: *m}}",
                    f"{key}: &x [a, [b, *x]]",
                    f"{key}: &y\n  a: *y",
                    f"{key}: &z\n- *z",
                ]
            )
        ]
        note = "recursive"
    else:  # ordinary, undefined and odd aliases
        lines = [
            rng.choice(
                [
                    f"base: &b [a, b]\n{key}: *b",
                    f"{key}: *nope",
                    f"&k key: 1\n{key}: *k",
                    f"base: &b {{required: true}}\n{key}: *b",
                    f"{key}: [*a, &a x]",
                    f"base: &b x\n{key}:\n  <<: *b",
                ]
            )
        ]
        note = "other"
    return Case("alias", _file("\n".join([*_good_frontmatter(rng)[:2], *lines])), note=note)


def gen_huge(rng: random.Random) -> Case:
    key = rng.choice(KNOWN_KEYS + ["x_custom"])
    shape = rng.randrange(9)
    force = rng.choice(["", "\nx_force: {a: [b]}"])  # a line outside the fast reader's subset
    if shape == 0:
        return Case(
            "huge", _file(f"{key}: {'9' * rng.choice([201, 4300, 4301, 5000, 100_000])}{force}"), note=key
        )
    if shape == 1:
        return Case(
            "huge", _file(f"{key}: {'x' * rng.choice([256, 4097, 10_000, 200_000])}{force}"), note=key
        )
    if shape == 2:
        return Case("huge", _file(f"{key}:\n- {'y' * 10_000}\n- ok{force}"), note=key)
    if shape == 3:
        count = rng.choice([1000, 50_000, 120_000])
        return Case(
            "huge", _file(f"{key}:\n" + "\n".join(f"- i{n}" for n in range(count))), note=f"{count} items"
        )
    if shape == 4:
        return Case("huge", _file(f"{'k' * 100_000}: 1"), note="huge key")
    if shape == 5:
        return Case("huge", _file("\n".join(f"k{n}: {n}" for n in range(30_000))), note="30k keys")
    if shape == 6:
        # a sparse file: over the size limit without the harness holding 9 MiB of text
        return Case(
            "huge", _file("status: pending", "# Big\n"), kind="big", target=str(9 << 20), note="9 MiB"
        )
    if shape == 7:
        return Case(
            "huge", _file("status: pending", "# Big\n" + "- [ ] x\n" * 200_000), note="200k checkboxes"
        )
    return Case("huge", _file(f"{key}: [{', '.join(['z' * 50] * 20_000)}]"), note="1 MB flow list")


def gen_deep(rng: random.Random) -> Case:
    key = rng.choice(KNOWN_KEYS + ["x_custom"])
    depth = rng.choice([10, 50, 63, 64, 65, 100, 500, 999, 1001, 5000])
    shape = rng.random()
    if shape < 0.4:
        value = "[" * depth + "]" * depth
    elif shape < 0.7:
        value = "{a: " * depth + "x" + "}" * depth
    else:
        depth = min(depth, 600)
        value = "\n" + "\n".join("  " * (n + 1) + "a:" for n in range(depth)) + " x"
    return Case("deep", _file(f"{key}: {value}"), note=f"{depth}")


def gen_bytes(rng: random.Random) -> Case:
    good = "\n".join(_good_frontmatter(rng))
    base = _file(good)
    shape = rng.randrange(12)
    if shape == 0:
        pos = rng.randrange(len(base))
        return Case("bytes", base[:pos] + b"\0" + base[pos:], note="NUL")
    if shape == 1:
        pos = rng.randrange(len(base))
        return Case(
            "bytes", base[:pos] + bytes(rng.randrange(128, 256) for _ in range(3)) + base[pos:], note="UTF-8"
        )
    if shape == 2:
        return Case("bytes", base.replace(b"\n", b"\r\n"), note="CRLF")
    if shape == 3:
        return Case("bytes", base.replace(b"\n", b"\r"), note="CR")
    if shape == 4:
        return Case("bytes", b"\xef\xbb\xbf" + base, note="BOM")
    if shape == 5:
        return Case("bytes", "\ufeff".encode("utf-16") + base.decode().encode("utf-16-le"), note="UTF-16")
    if shape == 6:
        return Case("bytes", base.replace(b"\n  ", b"\n\t"), note="tabs")
    if shape == 7:
        return Case(
            "bytes",
            _file(f"model: a{chr(rng.choice([1, 7, 27, 127, 0x85, 0x2028]))}b\n{good}"),
            note="control",
        )
    if shape == 8:
        return Case("bytes", _file(good).replace(b"code", b"\xed\xa0\x80"), note="surrogate")
    if shape == 9:
        return Case("bytes", rng.randbytes(rng.randint(1, 2000)), note="random bytes")
    if shape == 10:
        return Case(
            "bytes",
            b"---\n" + rng.randbytes(rng.randint(1, 500)) + b"\n---\n# T\n",
            note="random frontmatter",
        )
    return Case("bytes", _file(good, "# T\n\0\0\0 body NULs\n"), note="NUL body")


def gen_structure(rng: random.Random) -> Case:
    good = _good_frontmatter(rng)
    options = [
        ("duplicate", "\n".join([*good, "status: completed", "status: failed"])),
        ("duplicate nested", "\n".join([*good, "x:\n  a: 1\n  a: 2"])),
        ("list", "- a\n- b"),
        ("scalar", "just text"),
        ("empty", ""),
        ("comments only", "# nothing\n# here"),
        ("two documents", "a: 1\n--- \nb: 2"),
        ("document end", "a: 1\n...\nb: 2"),
        ("directive", "%YAML 1.2\na: 1"),
        ("key only", "status"),
        ("null key", "~: x\n: y"),
        ("complex key", "? [a, b]\n: c"),
        ("bool key", "true: 1\n1: 2\n1.5: 3"),
    ]
    note, frontmatter = rng.choice(options)
    if rng.random() < 0.15:
        return Case("structure", f"---\n{frontmatter}\n# never closed\n".encode(), note="unclosed")
    if rng.random() < 0.1:
        return Case("structure", b"# No frontmatter at all\n", note="none")
    return Case("structure", _file(frontmatter), note=note)


def gen_body(rng: random.Random) -> Case:
    fence = "`" * rng.choice([3, 3, 4])
    bodies = [
        f"# T\n\n{fence}markdown\n{fence}python\nx\n{fence}\n{fence}\n\n## Acceptance Criteria\n\n- [ ] nested\n",
        f"# T\n\n{fence}\nnever closed\n\n## Acceptance Criteria\n\n- [ ] x\n",
        "# T\n\n### Acceptance Criteria\n\n- [ ] wrong level\n",
        "# T\n\n## acceptance criteria\n\n- [ ] lowercase\n",
        "# T\n\n~~~\n## Acceptance Criteria\n- [ ] fenced\n~~~\n",
        "no title at all\n",
        "# " + "T" * 100_000 + "\n",
        "# T\n" + "## Acceptance Criteria\n" * 5000,
        "# T\n\x1b[31mred\x1b[0m\n\r\n\u2028\n",
        "",
    ]
    return Case("body", _file("\n".join(_good_frontmatter(rng)), rng.choice(bodies)))


def gen_fs(rng: random.Random) -> Case:
    options = [
        Case("fs", None, "symlink", "/etc/passwd", "to /etc/passwd"),
        Case("fs", None, "symlink", f"{GOOD_ID}.md", "to a good spec"),
        Case("fs", None, "symlink", "/nonexistent/x.md", "dangling"),
        Case("fs", None, "symlink", f"{BAD_ID}.md", "loop"),
        Case("fs", None, "symlink", "/tmp", "to a directory"),
        Case("fs", None, "fifo", "", "FIFO"),
        Case("fs", None, "dir", "", "directory named .md"),
    ]
    return rng.choice(options)


def gen_valid(rng: random.Random) -> Case:
    lines = _good_frontmatter(rng)
    rng.shuffle(lines)
    return Case("valid", _file("\n".join(lines).replace("\n", rng.choice(["\n", "\r\n"]))))


GENERATORS: dict[str, tuple[Callable[[random.Random], Case], int]] = {
    # class: (generator, share of the cases in per mille)
    "broken-yaml": (gen_broken_yaml, 170),
    "wrong-type": (gen_wrong_type, 220),
    "tag": (gen_tag, 110),
    "alias": (gen_alias, 110),
    "huge": (gen_huge, 50),
    "deep": (gen_deep, 70),
    "bytes": (gen_bytes, 110),
    "structure": (gen_structure, 70),
    "body": (gen_body, 40),
    "fs": (gen_fs, 20),
    "valid": (gen_valid, 30),
}


def class_at(seed: int, index: int) -> str:
    """The class of case ``index`` (the first cases take every class once, then by weight)."""
    names = list(GENERATORS)
    if index < len(names):
        return names[index]
    rng = random.Random(f"{seed}:{index}:class")
    return rng.choices(names, [GENERATORS[name][1] for name in names])[0]


def case_at(seed: int, index: int) -> Case:
    """Case ``index`` of the campaign with ``seed``, built on demand (huge cases are never all in memory)."""
    return GENERATORS[class_at(seed, index)][0](random.Random(f"{seed}:{index}"))


# -- the scratch project ----------------------------------------------------------------------------------
def make_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHANT_", "GIT_"))}
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
            "GIT_AUTHOR_NAME": "Fuzz",
            "GIT_AUTHOR_EMAIL": "fuzz@chant.invalid",
            "GIT_COMMITTER_NAME": "Fuzz",
            "GIT_COMMITTER_EMAIL": "fuzz@chant.invalid",
            "CHANT_NOW": "2026-02-01T10:00:00Z",
            "NO_COLOR": "1",
            "PYTHONUTF8": "1",
            "COLUMNS": "200",
        }
    )
    return env


def make_project(root: Path, env: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, env=env, check=True)
    subprocess.run(
        [sys.executable, "-m", "chant", "init"], cwd=root, env=env, check=True, capture_output=True
    )
    specs = root / ".chant" / "specs"
    (specs / f"{GOOD_ID}.md").write_text("---\nstatus: pending\n---\n" + GOOD_BODY.format(title="Good"))
    (specs / f"{OTHER_ID}.md").write_text(
        f"---\nstatus: pending\ndepends_on:\n- {GOOD_ID}\n- {BAD_ID}\n---\n" + GOOD_BODY.format(title="Other")
    )
    return root


def place(root: Path, case: Case) -> Path:
    """Put the case's file at ``.chant/specs/<BAD_ID>.md`` (replacing the previous case's)."""
    path = root / ".chant" / "specs" / f"{BAD_ID}.md"
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    if case.kind == "symlink":
        os.symlink(case.target, path)
    elif case.kind == "fifo":
        os.mkfifo(path)
    elif case.kind == "dir":
        path.mkdir()
        (path / "inner.md").write_text("---\nstatus: pending\n---\n# Inside a directory named .md\n")
    else:
        assert case.data is not None
        path.write_bytes(case.data)
        if case.kind == "big":
            os.truncate(path, int(case.target))
    return path


# -- checks -----------------------------------------------------------------------------------------------
@dataclass
class Finding:
    cls: str
    index: int
    where: str  # the command or API call
    kind: str  # traceback | hang | hid-good | no-line
    detail: str


@dataclass
class Report:
    cases: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    parse_errors: int = 0
    parse_errors_with_line: int = 0
    loaded: int = 0
    peak_in_process_mb: float = 0.0
    peak_cli_mb: float = 0.0
    cli_runs: int = 0
    cli_cases: int = 0
    seconds: float = 0.0
    heaviest: list[tuple[float, str]] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)


class Hang(BaseException):
    """Raised by the alarm: not an Exception, so chant's own handlers cannot swallow it."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    def fire(_signum: int, _frame: object) -> None:
        raise Hang()

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


IN_PROCESS_COMMANDS: list[list[str]] = [
    ["list"],
    ["list", "--json"],
    ["lint"],
    ["lint", "--format", "json"],
    ["show", BAD_ID],
    ["show", "--json", BAD_ID],
    ["show", "--body", BAD_ID],
    ["show", GOOD_ID],
    ["status"],
    ["status", "--json"],
    ["dag"],
    ["ready"],
]


# One pair of capture streams for the whole campaign: click caches a text wrapper per stream object for the
# life of the process, so fresh streams per call would pile up (the harness's memory, not chant's).
_CAPTURE = (
    io.TextIOWrapper(io.BytesIO(), encoding="utf-8"),
    io.TextIOWrapper(io.BytesIO(), encoding="utf-8"),
)


def run_cli_in_process(argv: list[str]) -> tuple[int, str, str]:
    """``chant <argv>`` through its real entry point, output captured; exit status as the shell sees it."""
    import gc

    from chant import cli

    out, err = _CAPTURE
    for stream in _CAPTURE:
        stream.seek(0)
        stream.truncate()
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = cli.main(argv)
            code = result if isinstance(result, int) else 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        gc.enable()  # main() disables the cyclic GC for short read-only commands (it expects to exit)
    texts = []
    for stream in _CAPTURE:
        stream.flush()
        texts.append(stream.buffer.getvalue().decode(errors="replace"))  # type: ignore[attr-defined]
    return code, texts[0], texts[1]


def check_library(root: Path) -> tuple[bool, SpecParseErrorLike | None]:
    """The loader and the library calls every command builds on; returns (bad spec loaded, its error)."""
    from chant.graph import Graph
    from chant.lint import lint, relative_paths
    from chant.project import Project

    project = Project(root)
    specs = project.specs()
    graph = Graph.of(specs)
    for spec in specs.active.values():
        json.dumps(spec.to_dict())
        _ = spec.criteria, spec.depends_on, spec.labels, spec.target_files, spec.type, spec.status
        _ = spec.needs_approval, spec.members_field, spec.parent_field, spec.display_title
        graph.display_status(spec.id)
        graph.blockers(spec.id)
    graph.cycles()
    lint(graph, specs.invalid, relative_paths(specs.active, specs.invalid, root))
    if GOOD_ID not in specs.active or OTHER_ID not in specs.active:
        raise AssertionError(f"a good spec is missing: {sorted(specs.active)}")
    return BAD_ID in specs.active, specs.invalid.get(BAD_ID)


SpecParseErrorLike = Any


def run_case_in_process(root: Path, index: int, case: Case, report: Report) -> None:
    place(root, case)
    report.cases[case.cls] += 1
    before = _rss_mb()

    def record(where: str, kind: str, detail: str) -> None:
        report.findings.append(Finding(case.cls, index, where, kind, detail))

    try:
        with deadline(HANG_SECONDS):
            loaded, error = check_library(root)
        if loaded:
            report.loaded += 1
        elif error is not None:
            report.parse_errors += 1
            report.parse_errors_with_line += error.line is not None
    except Hang:
        record("library", "hang", case.note)
    except Exception:  # that is what we are looking for
        record("library", "traceback", traceback.format_exc(limit=-3))
    for argv in IN_PROCESS_COMMANDS:
        where = "chant " + " ".join(argv)
        try:
            with deadline(HANG_SECONDS):
                code, out, err = run_cli_in_process(argv)
        except Hang:
            record(where, "hang", case.note)
            continue
        except Exception:
            record(where, "traceback", traceback.format_exc(limit=-3))
            continue
        if "Traceback" in out + err:
            record(where, "traceback", err[-500:])
        if argv[0] == "list" and GOOD_ID not in out:
            record(where, "hid-good", f"exit {code}: {err[-300:]}")
        if argv == ["show", GOOD_ID] and (code != 0 or GOOD_ID not in out):
            record(where, "hid-good", f"exit {code}: {err[-300:]}")
    grown = _rss_mb() - before
    if grown > 1:
        report.heaviest.append((grown, f"{case.cls} #{index} {case.note}"))


CLI_COMMANDS: list[list[str]] = [
    ["list"],
    ["lint"],
    ["show", BAD_ID],
    ["show", GOOD_ID],
    ["show", "--json", BAD_ID],
    ["status"],
    ["dag"],
]


def run_case_cli(root: Path, index: int, case: Case, env: dict[str, str], report: Report) -> None:
    place(root, case)
    report.cli_cases += 1
    for argv in CLI_COMMANDS:
        where = "chant " + " ".join(argv) + " (process)"
        report.cli_runs += 1
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "chant", *argv],
                cwd=root,
                env=env,
                capture_output=True,
                timeout=HANG_SECONDS,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            report.findings.append(Finding(case.cls, index, where, "hang", case.note))
            continue
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if after > before:
            report.peak_cli_mb = max(report.peak_cli_mb, after / 1024.0)
        out = proc.stdout.decode(errors="replace")
        err = proc.stderr.decode(errors="replace")
        if "Traceback" in out + err or proc.returncode < 0:
            report.findings.append(Finding(case.cls, index, where, "traceback", err[-500:]))
        if argv == ["list"] and GOOD_ID not in out:
            report.findings.append(Finding(case.cls, index, where, "hid-good", err[-300:]))
        if argv == ["show", GOOD_ID] and (proc.returncode != 0 or GOOD_ID not in out):
            report.findings.append(Finding(case.cls, index, where, "hid-good", err[-300:]))
    report.peak_cli_mb = max(
        report.peak_cli_mb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    )


def spread(seed: int, total: int, count: int) -> list[int]:
    """``count`` case indexes taken round-robin over the classes (so rare classes are sampled too)."""
    by_class: dict[str, list[int]] = defaultdict(list)
    for index in range(total):
        by_class[class_at(seed, index)].append(index)
    chosen: list[int] = []
    queues = [list(reversed(v)) for v in by_class.values()]
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop())
    return sorted(chosen)


# -- reporting --------------------------------------------------------------------------------------------
def format_report(report: Report, args: argparse.Namespace) -> str:
    lines = [
        f"chant fuzz: {sum(report.cases.values()):,} generated spec files (seed {args.seed}), "
        f"{report.cli_cases} of them also through {report.cli_runs} CLI processes, {report.seconds:.0f} s",
        "",
        "| class | cases |",
        "|---|---:|",
        *[f"| {name} | {report.cases[name]:,} |" for name in GENERATORS],
        "",
        f"bad file loaded as a spec: {report.loaded:,}; reported as error[parse]: {report.parse_errors:,} "
        f"({report.parse_errors_with_line:,} with a line number)",
        f"tracebacks: {report.count('traceback')}",
        f"hangs over {HANG_SECONDS:.0f} s: {report.count('hang')}",
        f"good specs hidden by a bad file: {report.count('hid-good')}",
        f"peak memory: in-process {report.peak_in_process_mb:.0f} MB (max RSS of the whole campaign), "
        f"largest CLI process {report.peak_cli_mb:.0f} MB (an upper bound; goal: under {MEMORY_GOAL_MB:.0f} MB)",
    ]
    if report.heaviest:
        top = sorted(report.heaviest, reverse=True)[:3]
        lines.append(
            "largest in-process RSS growth: " + "; ".join(f"+{mb:.0f} MB ({what})" for mb, what in top)
        )
    for finding in report.findings[:25]:
        detail = finding.detail.strip().splitlines()[-1] if finding.detail.strip() else ""
        lines.append(f"  {finding.kind}: {finding.cls} #{finding.index} in `{finding.where}`: {detail[:200]}")
    if len(report.findings) > 25:
        lines.append(f"  ... and {len(report.findings) - 25} more")
    ok = not report.findings and max(report.peak_in_process_mb, report.peak_cli_mb) < MEMORY_GOAL_MB
    lines.append("\n" + ("GOAL MET: 0 tracebacks / 0 hangs / under 200 MB" if ok else "GOAL MISSED"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=6000, help="generated spec files (default 6000)")
    parser.add_argument(
        "--cli", type=int, default=350, help="cases also run through CLI processes (default 350)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--json", dest="json_path", help="write the findings to this file")
    parser.add_argument("--memory-cap-mb", type=int, default=1536, help="address-space cap for this process")
    args = parser.parse_args(argv)
    if args.cases < len(GENERATORS):
        parser.error(f"--cases must be at least {len(GENERATORS)} (one per class)")
    # A runaway case must fail (MemoryError), not swap out the machine.
    cap = args.memory_cap_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    workdir = Path(tempfile.mkdtemp(prefix="chant-fuzz-"))
    env = make_env(workdir / "home")
    (workdir / "home").mkdir()
    report = Report()
    started = time.monotonic()
    cwd = os.getcwd()
    try:
        # The CLI processes first, while this process is small: a child's max RSS as the kernel reports it
        # starts from its parent's at the fork, so the figure is an upper bound of chant's own.
        cli_root = make_project(workdir / "cli", env)
        for number, index in enumerate(spread(args.seed, args.cases, args.cli)):
            run_case_cli(cli_root, index, case_at(args.seed, index), env, report)
            if number % 50 == 49:
                print(f"  {number + 1} cases through the CLI ...", file=sys.stderr, flush=True)
        root = make_project(workdir / "inproc", env)
        saved_env = dict(os.environ)
        os.environ.update({k: env[k] for k in ("HOME", "CHANT_NOW", "NO_COLOR", "COLUMNS")})
        os.chdir(root)
        try:
            for index in range(args.cases):
                run_case_in_process(root, index, case_at(args.seed, index), report)
                if index % 500 == 499:
                    print(f"  {index + 1:,} cases in-process ...", file=sys.stderr, flush=True)
        finally:
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(saved_env)
        report.peak_in_process_mb = _rss_mb()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.seconds = time.monotonic() - started
    print(format_report(report, args))
    if args.json_path:
        payload = {
            "schema": 1,
            "seed": args.seed,
            "cases": dict(report.cases),
            "cli_cases": report.cli_cases,
            "cli_runs": report.cli_runs,
            "parse_errors": report.parse_errors,
            "parse_errors_with_line": report.parse_errors_with_line,
            "loaded": report.loaded,
            "tracebacks": report.count("traceback"),
            "hangs": report.count("hang"),
            "hid_good": report.count("hid-good"),
            "peak_in_process_mb": round(report.peak_in_process_mb, 1),
            "peak_cli_mb": round(report.peak_cli_mb, 1),
            "findings": [f.__dict__ for f in report.findings],
        }
        Path(args.json_path).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return (
        0
        if not report.findings and max(report.peak_in_process_mb, report.peak_cli_mb) < MEMORY_GOAL_MB
        else 1
    )


if __name__ == "__main__":
    sys.exit(main())
