"""Status goes to the main branch and only there: a branch switch mid-run, a user's uncommitted edit of the
spec, a git error's whole message, a stale lock."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import SEED_DRIVER, SEED_MEMBERS
from tests.run.conftest import Work, add_specs, spec_file

A = "2026-02-01-001-aaa"


def _show(work: Work, rev: str, spec_id: str) -> str:
    return work.git("show", f"{rev}:.chant/specs/{spec_id}.md")


def test_branch_switch_mid_run_status_lands_on_main(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    work = work_factory(chant_repo)
    add_specs(work, {A: spec_file(A, "Switch", targets=["out.txt"])})
    work.sleep(2)
    proc = work.popen("work", A)
    try:
        work.wait_for_records(1)
        work.git("checkout", "-q", "-b", "feature")
        feature = work.git("rev-parse", "feature").strip()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out + err
    assert "status: completed" in _show(work, "main", A)
    assert "chant(" + A + "): complete" in work.git("log", "-1", "--format=%s", "main")
    assert work.git("rev-parse", "feature").strip() == feature  # nothing landed on the user's branch
    assert work.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "feature"
    assert work.git("status", "--porcelain") == ""  # the user's checkout was not touched
    assert "status: in_progress" in work.spec_text(A)  # feature's own copy, as it was
    assert work.branches() == []


def test_branch_switch_mid_driver_stops_after_the_phase_and_resumes(seed_work: Work) -> None:
    work = seed_work
    work.sleep({m: 2 for m in SEED_MEMBERS[:3]})
    proc = work.popen("work", SEED_DRIVER)
    try:
        work.wait_for_records(3)
        work.git("checkout", "-q", "-b", "feature")
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, out + err
    assert "switched to feature" in out + err
    for member in SEED_MEMBERS[:3]:
        assert "status: completed" in _show(work, "main", member)
    assert "status: pending" in _show(work, "main", SEED_MEMBERS[3])  # phase 2 never started
    assert "status: failed" in _show(work, "main", SEED_DRIVER)
    assert work.git("status", "--porcelain") == ""
    work.git("checkout", "-q", "main")
    again = work.chant("work", SEED_DRIVER, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert all(work.status(s) == "completed" for s in [SEED_DRIVER, *SEED_MEMBERS])


def test_users_uncommitted_spec_edit_is_kept_and_never_committed(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    work = work_factory(chant_repo)
    add_specs(work, {A: spec_file(A, "Edit", targets=["out.txt"])})
    work.sleep(2)
    proc = work.popen("work", A)
    try:
        work.wait_for_records(1)
        path = work.repo / ".chant" / "specs" / f"{A}.md"
        path.write_text(path.read_text(encoding="utf-8") + "\nA note of mine.\n", encoding="utf-8")
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    # The merge would overwrite the edited file: refused, recorded on main, the note still only on disk.
    assert work.status(A) == "needs_attention"
    assert "A note of mine." in work.spec_text(A)
    for rev in ("main", "main~1", "main~2"):
        assert "A note of mine." not in _show(work, rev, A)
    assert "status: needs_attention" in _show(work, "main", A)
    reason = work.field(A, "failure_reason") or ""
    assert f".chant/specs/{A}.md" in reason  # git's whole message names the file in the way
    assert work.git("diff", "--cached") == ""  # nothing of the user's staged either


def test_stale_index_lock_is_named_and_cleanup_removes_it(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    work = work_factory(chant_repo, "git:\n  stale_lock_seconds: 1\n")
    add_specs(work, {A: spec_file(A, "Lock", targets=["out.txt"])})
    lock = work.repo / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    # chant's own commit path (not chant work) shows git's whole message and names the lock.
    add = work.chant("add", "Another spec")
    assert add.returncode == 1
    assert str(lock) in add.stderr and "chant cleanup" in add.stderr
    old = time.time() - 60
    os.utime(lock, (old, old))
    refused = work.chant("work", A)  # not chant's lock: named (by the pre-flight), left for the user
    assert refused.returncode == 1 and ".git/index.lock" in refused.stderr
    assert lock.exists()
    clean = work.chant("cleanup")
    assert f"Removed stale git lock {lock}" in clean.stdout, clean.stdout + clean.stderr
    assert not lock.exists()
    done = work.chant("work", A)
    assert done.returncode == 0, done.stdout + done.stderr
    assert work.status(A) == "completed"
