"""chant.git helpers the pipeline leans on (in-process, hermetic environment)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chant import git


@pytest.mark.usefixtures("hermetic_env")
def test_commit_paths_commits_only_the_given_paths(git_repo: Path) -> None:
    root = git_repo
    (root / "README.md").write_text("changed by chant\n", encoding="utf-8")
    (root / "new.md").write_text("new\n", encoding="utf-8")
    (root / "user.txt").write_text("the user's staged work\n", encoding="utf-8")
    git.run(["add", "user.txt"], root)
    sha = git.commit_paths(root, ["README.md", "new.md"], "chant(x): status")
    assert sha == git.head(root)
    assert sorted(git.out(["show", "--name-only", "--format=", "HEAD"], root).split()) == [
        "README.md",
        "new.md",
    ]
    assert git.is_bookkeeping(git.out(["show", "-s", "--format=%B", "HEAD"], root))
    # The user's staged file is still staged and uncommitted.
    assert git.out(["diff", "--cached", "--name-only"], root) == "user.txt"
    # Nothing changed: no commit.
    assert git.commit_paths(root, ["README.md", "new.md"], "again") is None
    assert git.head(root) == sha
    # Staged, then reverted in the working tree: nothing to commit either.
    (root / "README.md").write_text("staged edit\n", encoding="utf-8")
    git.run(["add", "README.md"], root)
    (root / "README.md").write_text("changed by chant\n", encoding="utf-8")
    assert git.commit_paths(root, ["README.md"], "reverted") is None
    # A path that neither exists nor is tracked is not an error.
    assert git.commit_paths(root, ["missing.md"], "nothing") is None


@pytest.mark.usefixtures("hermetic_env")
def test_log_messages_missing_at_and_heads(git_repo: Path) -> None:
    root = git_repo
    base = git.head(root)
    assert base
    (root / "a.txt").write_text("a\n", encoding="utf-8")
    agent = git.commit_paths(root, ["a.txt"], "chant(x): agent work", bookkeeping=False)
    (root / "a.txt").write_text("b\n", encoding="utf-8")
    chant = git.commit_paths(root, ["a.txt"], "chant(x): status")
    assert [sha for sha, msg in git.log_messages(root, f"{base}..HEAD") if not git.is_bookkeeping(msg)] == [
        agent
    ]
    assert [sha for sha, _ in git.log_messages(root, f"{base}..HEAD")] == [agent, chant]
    assert git.missing_at(root, "HEAD", ["a.txt", "b.txt", "README.md"]) == ["b.txt"]
    assert git.heads(root, "HEAD", base) == [chant, base]


@pytest.mark.usefixtures("hermetic_env")
def test_lock_files_finds_the_locks_a_killed_git_leaves(git_repo: Path, tmp_path: Path) -> None:
    root = git_repo
    assert git.lock_files(root) == []
    linked = tmp_path / "linked"
    git.run(["worktree", "add", "-q", "-b", "side", str(linked)], root)
    common = root / ".git"
    planted = [
        common / "index.lock",
        common / "HEAD.lock",
        common / "refs" / "heads" / "main.lock",
        common / "worktrees" / "linked" / "index.lock",
    ]
    for path in planted:
        path.write_text("", encoding="utf-8")
    assert git.lock_files(root) == sorted(planted)
    # Seen from the linked worktree it is the same repository, so the same locks.
    assert git.lock_files(linked) == sorted(planted)
    assert git.lock_files(tmp_path) == []  # not a repository


def test_clean_env_drops_only_the_repository_locating_variables() -> None:
    inherited = {
        "GIT_DIR": "/elsewhere/.git",
        "GIT_INDEX_FILE": ".git/index.lock",
        "GIT_WORK_TREE": "/elsewhere",
        "GIT_AUTHOR_NAME": "Someone",
        "GIT_SSH_COMMAND": "ssh -i key",
        "PATH": "/usr/bin",
    }
    assert git.clean_env(inherited) == {
        "GIT_AUTHOR_NAME": "Someone",
        "GIT_SSH_COMMAND": "ssh -i key",
        "PATH": "/usr/bin",
    }


@pytest.mark.usefixtures("hermetic_env")
def test_git_error_carries_the_whole_message_and_names_the_lock(git_repo: Path) -> None:
    lock = git_repo / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    (git_repo / "README.md").write_text("edit\n", encoding="utf-8")
    with pytest.raises(git.GitError) as caught:
        git.run(["commit", "-qam", "x"], git_repo)
    error = caught.value
    assert f"Unable to create '{lock}': File exists." in error.message  # the line naming the file
    assert "remove the file manually to continue." in error.message  # and git's last line
    assert len(error.message.splitlines()) > 2
    assert error.lock_file == lock
    assert error.hint is not None and "chant cleanup" in error.hint and str(lock) in error.hint
    assert "\n" not in error.summary and str(lock) in error.summary


@pytest.mark.usefixtures("hermetic_env")
def test_repair_checkout_finishes_an_update_the_ref_already_made(git_repo: Path) -> None:
    """main moved (update-ref) but the index and files did not: clean paths catch up, a path git had
    already written gets its index entry, the user's own edit and staged work are left alone."""
    from chant.run.mainline import repair_checkout

    root = git_repo
    for name in ("a.txt", "b.txt", "c.txt", "gone.txt"):
        (root / name).write_text(f"{name} old\n", encoding="utf-8")
    git.run(["add", "-A"], root)
    git.run(["commit", "-qm", "old"], root)
    old = git.head(root)
    assert old is not None
    for name in ("a.txt", "b.txt", "c.txt"):
        (root / name).write_text(f"{name} new\n", encoding="utf-8")
    (root / "added.txt").write_text("added\n", encoding="utf-8")
    (root / "gone.txt").unlink()
    git.run(["add", "-A"], root)
    git.run(["commit", "-qm", "new"], root)
    new = git.head(root)
    assert new is not None
    git.run(["read-tree", "-u", "--reset", old], root)  # back to the old index and files...
    git.run(["update-ref", "refs/heads/main", new], root)  # ...with main at the new commit
    (root / "b.txt").write_text("b.txt new\n", encoding="utf-8")  # git was killed after writing b
    (root / "c.txt").write_text("the user's own edit\n", encoding="utf-8")
    (root / "user.txt").write_text("staged by the user\n", encoding="utf-8")
    git.run(["add", "user.txt"], root)

    notes = repair_checkout(root, "main", old, new)

    assert any("finished updating your checkout" in n for n in notes)
    assert any("c.txt" in n for n in notes if n.startswith("left your own changes"))
    assert (root / "a.txt").read_text(encoding="utf-8") == "a.txt new\n"
    assert (root / "added.txt").read_text(encoding="utf-8") == "added\n"
    assert not (root / "gone.txt").exists()
    assert (root / "c.txt").read_text(encoding="utf-8") == "the user's own edit\n"
    status = sorted(git.status_porcelain(root))
    assert status == [" M c.txt", "A  user.txt"]  # only the user's work shows
