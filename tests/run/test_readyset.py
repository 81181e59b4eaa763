"""run/readyset.py: readiness of a long queue without rescanning every spec per completion."""

from __future__ import annotations

from pathlib import Path

from tests.run.conftest import spec_file

from chant.graph import Graph
from chant.project import Project
from chant.run.readyset import ReadySet, fresh_blockers

A, B, C = "2026-02-01-001-aaa", "2026-02-01-002-bbb", "2026-02-01-003-ccc"


def write(repo: Path, spec_id: str, text: str) -> None:
    (repo / ".chant" / "specs" / f"{spec_id}.md").write_text(text, encoding="utf-8")


def set_status(repo: Path, spec_id: str, status: str) -> None:
    path = repo / ".chant" / "specs" / f"{spec_id}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("status: pending", f"status: {status}", 1), encoding="utf-8")


def test_a_finished_spec_readies_its_dependents_without_a_rescan(chant_repo: Path) -> None:
    write(chant_repo, A, spec_file(A, "A"))
    write(chant_repo, B, spec_file(B, "B", depends_on=[A]))
    write(chant_repo, C, spec_file(C, "C"))
    ready = ReadySet(Project(chant_repo))
    assert list(ready) == [A, C]
    ready.discard(A)
    assert list(ready) == [C]
    set_status(chant_repo, A, "completed")
    ready.finished(A)
    assert list(ready) == [B, C], "B is ready once A completed, in ID order"
    assert ready.scans == 1
    ready.discard(B)
    set_status(chant_repo, B, "failed")
    ready.finished(B)
    assert list(ready) == [C], "a discarded (taken) spec is never offered again"
    assert ready.scans == 1


def test_a_spec_whose_dependencies_changed_makes_it_rescan(chant_repo: Path) -> None:
    write(chant_repo, A, spec_file(A, "A"))
    write(chant_repo, C, spec_file(C, "C"))
    ready = ReadySet(Project(chant_repo))
    ready.discard(A)
    write(chant_repo, A, spec_file(A, "A", depends_on=[C]).replace("status: pending", "status: completed"))
    ready.finished(A)
    assert ready.scans == 2
    assert list(ready) == [C]


def test_a_drained_queue_finds_specs_added_meanwhile(chant_repo: Path) -> None:
    write(chant_repo, A, spec_file(A, "A"))
    ready = ReadySet(Project(chant_repo))
    ready.discard(A)
    assert not ready.rescan()
    write(chant_repo, C, spec_file(C, "C"))
    assert ready.rescan() and list(ready) == [C]


def test_fresh_blockers_agree_with_a_full_scan(seed_repo: Path) -> None:
    """On the seed (a driver, members with and without depends_on, completed dependencies), before and
    after statuses change on disk behind the project's back."""
    project = Project(seed_repo)
    specs = project.specs(refresh=True)
    every = sorted(specs.active)
    pending = [s for s in every if specs.active[s].status.value == "pending"]
    assert pending
    for step in [None, *pending]:
        if step is not None:
            set_status(seed_repo, step, "completed")  # on disk only: fresh_blockers must see it
        full = Graph.of(Project(seed_repo).specs(refresh=True))
        for spec_id in every:
            judged = fresh_blockers(project, spec_id)
            assert judged is not None
            assert judged[1] == full.blockers(spec_id), (step, spec_id)
    assert fresh_blockers(project, "2099-01-01-001-new") is None
