"""Batched status commits (group commit): edits queued while the main lock is held go to main in the
holder's commit, each requester returns once its edit is on main, a user commit racing the batch loses
nothing, and a chant killed inside a batch commit is recovered by the next chant."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import run_chant_raw, run_git
from tests.run.conftest import Work, add_specs, spec_file

from chant import git
from chant.project import Project
from chant.run.mainline import Mainline
from chant.spec.status import Status

IDS = [f"2026-02-01-0{n:02d}-b{n}b" for n in range(1, 7)]
HOLDER = IDS[0]


def _specs(repo: Path, env: dict[str, str], ids: list[str]) -> None:
    directory = repo / ".chant" / "specs"
    for spec_id in ids:
        (directory / f"{spec_id}.md").write_text(spec_file(spec_id, f"Batch {spec_id}"), encoding="utf-8")
    run_git("add", ".chant/specs", cwd=repo, env=env)
    run_git("commit", "-q", "-m", "add specs", cwd=repo, env=env)


def _start_waiting(mainline: Mainline, ids: list[str]) -> tuple[list[threading.Thread], dict[str, object]]:
    """Threads that each record ``start`` for one spec without the main lock; what each got back."""
    got: dict[str, object] = {}

    def start(spec_id: str) -> None:
        try:
            got[spec_id] = mainline.record_waiting(
                spec_id,
                {"branch": f"chant/{spec_id}"},
                status=Status.IN_PROGRESS,
                force=False,
                message=f"chant({spec_id}): start",
            )
        except Exception as exc:
            got[spec_id] = exc

    threads = [threading.Thread(target=start, args=(s,)) for s in ids]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(mainline._pending) < len(ids) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(mainline._pending) == len(ids), "the waiters queue their edits"
    return threads, got


def _status_at(root: Path, rev: str, spec_id: str) -> str:
    text = git.show_file(root, rev, f".chant/specs/{spec_id}.md") or ""
    return next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("status:"))


@pytest.mark.usefixtures("hermetic_env")
def test_edits_queued_behind_the_lock_go_in_its_holders_commit(
    chant_repo: Path, chant_env: dict[str, str]
) -> None:
    root = chant_repo
    _specs(root, chant_env, IDS)
    before = git.head(root, "main")
    project = Project(root)
    mainline = Mainline(project, "main")
    with mainline.lock():
        threads, got = _start_waiting(mainline, IDS[1:])
        assert not got, "no waiter returns before its edit is on main"
        spec = mainline.record(
            HOLDER,
            {"failure_reason": "boom"},
            status=Status.FAILED,
            force=True,
            message=f"chant({HOLDER}): failed",
        )
        assert spec.status == Status.FAILED
    for thread in threads:
        thread.join(20)
    tip = git.head(root, "main")
    assert git.rev_list(root, f"{before}..main") == [tip], "six edits, one commit"
    message = git.out(["show", "-s", "--format=%B", "main"], root)
    assert message.startswith(f"chant: 6 status changes ({HOLDER} failed, {IDS[1]} start, ")
    for spec_id in IDS[1:]:
        assert f"chant({spec_id}): start" in message.splitlines()
        returned, commit = got[spec_id]  # type: ignore[misc]
        assert returned.status == Status.IN_PROGRESS and commit == tip
        assert _status_at(root, "main", spec_id) == "in_progress"
        assert git.is_ancestor(root, commit, "main")
    assert git.is_bookkeeping(message)
    assert _status_at(root, "main", HOLDER) == "failed"
    # The checkout's files and index followed: nothing shows as changed.
    assert git.out(["status", "--porcelain"], root) == ""
    assert not (project.run_dir / "checkout-pending").exists()
    # One edit alone is still one commit with its own message.
    mainline.record_waiting(HOLDER, {}, status=Status.PENDING, force=True, message=f"chant({HOLDER}): reset")
    assert git.out(["log", "-1", "--format=%s", "main"], root) == f"chant({HOLDER}): reset"


@pytest.mark.usefixtures("hermetic_env")
def test_a_refused_edit_fails_alone_and_batching_can_be_turned_off(
    chant_repo: Path, chant_env: dict[str, str]
) -> None:
    root = chant_repo
    _specs(root, chant_env, IDS[:3])
    project = Project(root)
    mainline = Mainline(project, "main")
    with mainline.lock():
        threads, got = _start_waiting(mainline, IDS[1:3])
        # pending -> completed without force is not a transition the table allows: only that edit fails.
        with pytest.raises(Exception, match="completed"):
            mainline.record(HOLDER, {}, status=Status.COMPLETED, force=False, message="chant(x): complete")
    for thread in threads:
        thread.join(20)
    assert all(_status_at(root, "main", s) == "in_progress" for s in IDS[1:3])
    assert _status_at(root, "main", HOLDER) == "pending"

    (root / ".chant" / "config.md").write_text(
        (root / ".chant" / "config.md")
        .read_text(encoding="utf-8")
        .replace("---\n", "---\ngit:\n  batch_status: false\n", 1),
        encoding="utf-8",
    )
    run_git("commit", "-qam", "no batching", cwd=root, env=chant_env)
    before = git.head(root, "main")
    unbatched = Mainline(Project(root), "main")
    assert not unbatched.batch
    with unbatched.lock():
        blocked = threading.Thread(
            target=unbatched.record_waiting,
            args=(IDS[1], {}),
            kwargs={"status": Status.FAILED, "force": True, "message": f"chant({IDS[1]}): failed"},
        )
        blocked.start()
        time.sleep(0.3)
        assert not unbatched._pending
        unbatched.record(HOLDER, {}, status=Status.FAILED, force=True, message=f"chant({HOLDER}): failed")
    blocked.join(20)
    assert len(git.rev_list(root, f"{before}..main")) == 2


RACE = """\
unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE GIT_PREFIX
if [ ! -e "$MARK" ]; then
  touch "$MARK"
  cd "$ROOT" && echo mine > user.txt && git add user.txt && git commit -q -m "user work" >&2
fi
cat
"""


@pytest.mark.usefixtures("hermetic_env")
def test_a_user_commit_racing_the_batch_is_kept(
    chant_repo: Path, chant_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """main moves between the batch's read of its tip and its compare-and-swap: the batch is rebuilt on
    the new tip. The user's commit lands at the worst moment from a clean filter of the spec files, which
    git runs inside chant's own ``hash-object`` of the new spec text."""
    root = chant_repo
    _specs(root, chant_env, IDS[:4])
    before = git.head(root, "main")
    script = tmp_path / "race.sh"
    script.write_text(RACE, encoding="utf-8")
    mark = tmp_path / "raced"
    monkeypatch.setenv("MARK", str(mark))
    monkeypatch.setenv("ROOT", str(root))
    (root / ".git" / "info" / "attributes").write_text(".chant/specs/*.md filter=race\n", encoding="utf-8")
    run_git("config", "filter.race.clean", f"sh {script}", cwd=root, env=chant_env)
    project = Project(root)
    mainline = Mainline(project, "main")
    with mainline.lock():
        threads, got = _start_waiting(mainline, IDS[1:4])
        mainline.record(HOLDER, {}, status=Status.FAILED, force=True, message=f"chant({HOLDER}): failed")
    for thread in threads:
        thread.join(20)
    assert mark.exists(), "the race ran"
    commits = git.rev_list(root, f"{before}..main")
    assert len(commits) == 2, "the user's commit, then the whole batch on top of it"
    assert git.out(["log", "-1", "--format=%s", "main~1"], root) == "user work"
    assert git.show_file(root, "main", "user.txt") == "mine\n"
    assert _status_at(root, "main", HOLDER) == "failed"
    for spec_id in IDS[1:4]:
        assert _status_at(root, "main", spec_id) == "in_progress"
        assert got[spec_id][1] == commits[-1]  # type: ignore[index]
    assert git.out(["status", "--porcelain"], root) == ""


CRASH = """\
import sys, threading, time
from pathlib import Path
from chant.project import Project
from chant.run.mainline import Mainline
from chant.spec.status import Status

holder, *waiting = sys.argv[1:]
mainline = Mainline(Project(Path.cwd()), "main")
with mainline.lock():
    for spec_id in waiting:
        threading.Thread(
            target=mainline.record_waiting,
            args=(spec_id, {"branch": f"chant/{spec_id}"}),
            kwargs={"status": Status.IN_PROGRESS, "force": False, "message": f"chant({spec_id}): start"},
            daemon=True,
        ).start()
    while len(mainline._pending) < len(waiting):
        time.sleep(0.01)
    # CHANT_TEST_CRASH_AT=status-commit: SIGKILLed once the batch is on main, before the checkout follows.
    mainline.record(holder, {}, status=Status.COMPLETED, force=True, message=f"chant({holder}): complete")
"""


def test_a_chant_killed_inside_a_batch_commit_is_recovered_by_one_work(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    work = work_factory(chant_repo)
    add_specs(work, {s: spec_file(s, f"Crash {s}") for s in IDS[:4]})
    before = work.git("rev-parse", "main").strip()
    env = dict(work.env, CHANT_TEST_CRASH_AT="status-commit")
    proc = subprocess.run(
        [sys.executable, "-c", CRASH, *IDS[:4]],
        cwd=work.repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    # Killed between main's move and the checkout's: one commit on main holds all four edits, the
    # checkout still has the old files, and the journal says so.
    assert work.git("rev-list", f"{before}..main").split() == [work.git("rev-parse", "main").strip()]
    assert work.git("log", "-1", "--format=%s", "main").startswith("chant: 4 status changes")
    assert "status: pending" in work.spec_text(IDS[1])
    assert (work.repo / ".chant" / "run" / "checkout-pending").exists()

    # The first chant to take the main lock finishes the checkout; a killed run's in_progress specs are
    # resumed by naming them, as after any crash.
    again = run_chant_raw("work", IDS[1], cwd=work.repo, env=work.env, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "finished updating your checkout of main" in again.stdout + again.stderr
    for spec_id in IDS[2:4]:
        resumed = run_chant_raw("work", spec_id, cwd=work.repo, env=work.env, timeout=120)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert all(work.status(s) == "completed" for s in IDS[:4])
    assert set(work.records()) == set(IDS[1:4]), "the started specs ran; the completed one did not"
    assert work.git("status", "--porcelain") == ""
    assert not (work.repo / ".chant" / "run" / "checkout-pending").exists()
    assert work.branches() == [] and work.worktrees() == [str(work.repo)]
    work.git("fsck", "--no-progress")


def test_specs_finishing_together_merge_in_turn_and_complete_in_one_commit(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    """A queue whose main lock is held (here by the test, as by a long merge) while its agents finish:
    the runs that finished meanwhile merge one by one, then record their completions in one commit."""
    from chant.locks import FileLock
    from chant.project import Project

    work = work_factory(chant_repo)
    ids = IDS[:4]
    add_specs(work, {s: spec_file(s, f"Together {s}") for s in ids})
    before = work.git("rev-parse", "main").strip()
    work.sleep(1.0)
    proc = work.popen("work", "--parallel", "4")
    lock = FileLock(Project(work.repo).lock_path("integration"))
    try:
        work.wait_for_records(4, timeout=60)
        lock.acquire(timeout=60)
        try:
            work.wait_for_records(4, timeout=60, key="end")
            time.sleep(1.0)  # the workers return their finished runs to the scheduler
        finally:
            lock.release()
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out + err
    assert all(work.status(s) == "completed" for s in ids)
    log = [m for m in work.git("log", "--format=%B%x00", f"{before}..main").split("\0") if m.strip()]
    completing = [m for m in log if "): complete" in m]
    assert len(completing) < len(ids), completing
    for spec_id in ids:
        assert sum(f"chant({spec_id}): complete" in m.splitlines() for m in log) == 1
        assert sum(f"chant({spec_id}): merge" in m for m in log) == 1
        text = work.spec_text(spec_id)  # each spec's own record is whole
        assert "commits:" in text and "completed_at:" in text and "branch:" not in text
    assert work.git("status", "--porcelain") == ""
    assert work.branches() == [] and work.worktrees() == [str(work.repo)]
