"""Helpers shared by the core tests (plain functions; fixtures are in conftest.py)."""

from __future__ import annotations

import difflib
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from conftest import (  # the root tests/conftest.py (tests/ is on sys.path)
    SEED_DEPENDENCIES,
    SEED_DIR,
    SEED_DRIVER,
    SEED_IDS,
    SEED_MEMBERS,
)

__all__ = [
    "SEED_DEPENDENCIES",
    "SEED_DIR",
    "SEED_DRIVER",
    "SEED_IDS",
    "SEED_MEMBERS",
    "assert_clean_failure",
    "bench_module",
    "changed_lines",
    "seed_texts",
]


def seed_texts() -> dict[str, str]:
    """The seven fixture spec files by ID (bytes decoded, newlines untouched)."""
    return {spec_id: (SEED_DIR / f"{spec_id}.md").read_bytes().decode("utf-8") for spec_id in SEED_IDS}


def changed_lines(old: str, new: str) -> list[tuple[str, list[str], list[str]]]:
    """The non-equal opcodes of a line diff (keeping line endings): (tag, old lines, new lines)."""
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return [(tag, a[i1:i2], b[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def assert_clean_failure(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Non-zero exit, no traceback, and every needle somewhere in stdout+stderr."""
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"expected failure, got exit 0:\n{output}"
    assert "Traceback" not in output, output
    for needle in needles:
        assert needle in output, f"{needle!r} not in output:\n{output}"


def bench_module(name: str) -> ModuleType:
    """``bench/<name>.py`` imported as a module (the benchmarks are scripts, not a package)."""
    path = Path(__file__).resolve().parents[2] / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"chant_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module
