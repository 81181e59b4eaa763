"""Fixtures for the foundation (issue 2) suite; the repository fixtures live in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chant.graph import Graph
from chant.spec.model import Spec


def make_spec(spec_id: str, frontmatter: str = "status: pending\n", body: str = "") -> Spec:
    """A Spec parsed from text, as the loader would build it (no file needed)."""
    body = body or f"# {spec_id}\n\n## Acceptance Criteria\n\n- [ ] done\n"
    text = f"---\n{frontmatter}---\n\n{body}"
    return Spec.from_text(spec_id, Path(f"/nonexistent/{spec_id}.md"), text)


@pytest.fixture
def spec_factory() -> Callable[..., Spec]:
    return make_spec


@pytest.fixture
def write_spec(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """``write_spec(spec_id, text, root=None)`` writes ``.chant/specs/<id>.md`` (raw text, byte-exact)."""

    def write(spec_id: str, text: str | bytes, root: Path | None = None) -> Path:
        if root is None:
            for name in ("seed_repo", "chant_repo"):
                if name in request.fixturenames:
                    root = request.getfixturevalue(name)
                    break
        assert root is not None, "write_spec needs root= (or a chant_repo/seed_repo fixture)"
        path = root / ".chant" / "specs" / f"{spec_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            text = text.encode("utf-8")
        path.write_bytes(text)
        return path

    return write


def graph_of(*specs: Spec, archived: tuple[str, ...] = ()) -> Graph:
    return Graph(specs, archived=archived)
