"""One snapshot per worker: the example repository after `chant work` ran cpl and doc for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from .techcorp import CPL, CPL_NOW, DOC, DOC_NOW, chant, make_env, new_repo, status


@pytest.fixture(scope="session")
def analysed_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example after `chant work 001-cpl` and `chant work 001-doc` (copy it, never change it)."""
    base = tmp_path_factory.mktemp("techcorp-snapshot")
    env = make_env(base)
    repo = new_repo(base / "repo", env)
    for spec, now in ((CPL, CPL_NOW), (DOC, DOC_NOW)):
        result = chant(repo, env, "work", spec, now=now)
        assert result.returncode == 0, result.stdout + result.stderr
        assert status(repo, spec) == "completed"
    return repo
