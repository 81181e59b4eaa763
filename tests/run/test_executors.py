"""run/executors: the choice of where the agent step runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from chant.errors import ChantError
from chant.project import Project
from chant.run import executors


def test_local_is_the_default_and_takes_no_address(chant_repo: Path) -> None:
    project = Project(chant_repo)
    assert executors.make(None, project).name == "local"
    with pytest.raises(ChantError, match="--address is for --executor ray"):
        executors.make("local", project, "127.0.0.1:6379")


def test_an_unknown_executor_is_named(chant_repo: Path) -> None:
    with pytest.raises(ChantError, match="unknown executor 'slurm'"):
        executors.make("slurm", Project(chant_repo))


def test_the_ray_executor_connects_only_when_an_agent_runs(chant_repo: Path) -> None:
    made = executors.make("ray", Project(chant_repo), "127.0.0.1:1")
    assert made.name == "ray"  # nothing contacted yet: a run refused by its pre-flight never needs a cluster
