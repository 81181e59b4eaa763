"""The pre-flight's tests reuse the ``chant work`` fixtures: a fake ``claude`` on PATH and a committed config."""

from tests.run.conftest import seed_work, work_factory

__all__ = ["seed_work", "work_factory"]
