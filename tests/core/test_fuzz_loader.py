"""A few hundred cases of the fuzz campaign (``bench/fuzz.py``) in every ``make test``, driven by hypothesis.

Each example is one hostile spec file next to two good specs: the loader, the library and the CLI's own
entry point must never raise, hang or hide the good specs (the full campaign: ``bench/fuzz.py``).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chant.errors import SpecParseError
from chant.spec import fastyaml, fields, yamlio
from chant.spec.model import Spec

from ._helpers import bench_module

fuzz = bench_module("fuzz")
COMMANDS = [
    ["list"],
    ["lint"],
    ["show", fuzz.BAD_ID],
    ["show", "--json", fuzz.BAD_ID],
    ["show", fuzz.GOOD_ID],
    ["status", "--json"],
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("fuzz")
    env = fuzz.make_env(base / "home")
    (base / "home").mkdir()
    root = fuzz.make_project(base / "project", env)
    saved, cwd = dict(os.environ), os.getcwd()
    os.environ.update({k: env[k] for k in ("HOME", "CHANT_NOW", "NO_COLOR", "COLUMNS")})
    os.chdir(root)
    try:
        yield root
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cls=st.sampled_from(sorted(fuzz.GENERATORS)), seed=st.integers(0, 2**32))
def test_one_bad_file_never_takes_a_command_down(project: Path, cls: str, seed: int) -> None:
    case = fuzz.GENERATORS[cls][0](random.Random(seed))
    fuzz.place(project, case)
    with fuzz.deadline(fuzz.HANG_SECONDS):
        fuzz.check_library(project)
        for argv in COMMANDS:
            code, out, err = fuzz.run_cli_in_process(argv)
            assert "Traceback" not in out + err, (argv, err)
            if argv == ["list"] or argv[:1] == ["show"] and fuzz.GOOD_ID in argv:
                assert fuzz.GOOD_ID in out, (argv, code, err)


# -- frontmatter built from pieces: both readers agree, and reading raises nothing but SpecParseError --------
VALUES = st.one_of(
    st.sampled_from(fuzz.WRONG_VALUES + fuzz.TAGGED + ["5e58057", "0123456", "no", "on", "'q'", '"d\\n"']),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)
KEYS = st.sampled_from([*fuzz.KNOWN_KEYS, "x_custom", "true", "1"])


@st.composite
def frontmatters(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        key, value = draw(KEYS), draw(VALUES)
        layout = draw(
            st.sampled_from(["{k}: {v}", "{k}:\n- {v}", "{k}:\n  - {v}", "{k}: [{v}]", "{k}:\n  a: {v}"])
        )
        lines.append(layout.format(k=key, v=value))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(frontmatter=frontmatters())
def test_reading_any_frontmatter_raises_only_parse_errors(frontmatter: str) -> None:
    fast = fastyaml.load(frontmatter, fields.TEXT_KEYS)
    if fast is not None:
        assert fast == (yamlio.load(frontmatter, fields.TEXT_KEYS) or {}) or _has_nan(fast)
    try:
        spec = Spec.from_text("2026-01-01-001-abc", Path("x.md"), f"---\n{frontmatter}\n---\n# T\n")
    except SpecParseError as exc:
        assert exc.line is not None and exc.line >= 2
        return
    spec.to_dict()
    _ = spec.depends_on, spec.labels, spec.target_files, spec.status, spec.type, spec.needs_approval
    fields.type_problems(spec.frontmatter)


def _has_nan(value: object) -> bool:
    if isinstance(value, float):
        return value != value
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nan(v) for v in value)
    return False
