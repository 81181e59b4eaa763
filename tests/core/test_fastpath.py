"""The click-free fast path of list/ready/status (chant.cli.fast) prints exactly what the click path prints.

Every flag combination is run three ways on a generated repository -- fast path building the view, fast
path reading the view, click -- and the bytes must match. Also: the view is never trusted once a spec file,
the archive or config.md changes, or when it is corrupt; invalid specs and unusual argv go through click.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chant.cli import fast
from chant.cli._group import run as click_run
from chant.locks import FileLock
from chant.spec import edit
from chant.spec.model import Spec

from ._helpers import bench_module

ROOT = Path(__file__).resolve().parents[2]
PAST = 1_700_000_000  # mtimes outside the racy window, so the view is written


def _bench() -> object:
    return bench_module("run")


EXTRA = {
    "2027-01-01-001-ntl": "---\nstatus: pending\n---\n\nNo heading here.\n",
    "2027-01-01-002-fnum": "---\nstatus: failed\nfailure_reason: 42\n---\n\n# Numeric reason\n",
    "2027-01-01-003-apr": "---\nstatus: pending\napproval:\n  required: true\n---\n\n# Needs approval\n",
    "2027-01-01-004-mis": "---\ndepends_on: [2020-01-01-001-zzz]\n---\n\n# Depends on a missing spec\n",
    "2027-01-01-005-arc": "---\ndepends_on:\n  - 2020-01-01-002-old\n---\n\n# Depends on an archived spec\n",
    "2027-01-01-006-str": "---\nstatus: in_progress\n---\n\n# Stranded run\n",
    "2027-01-01-007-liv": "---\nstatus: in_progress\n---\n\n# Live run\n",
    "2027-01-01-008-uni": "---\nlabels: [api]\n---\n\n# Ünïcode title ✓ – dash\n",
    "2027-01-01-009-esc": "---\nstatus: pending\n---\n\n# Colour \x1b[31mred\x1b[0m title\n",
    "2027-01-01-00a-yes": "---\nstatus: needs_attention\nfailure_reason: 'yes: quoted'\ntype: task\n---\n\n# Yes\n",
    "sub/2027-01-01-00b-sub": "---\nstatus: paused\n---\n\n# In a subdirectory\n",
}
ARCHIVED = {"2020-01-01-002-old": "---\nstatus: completed\n---\n\n# Archived\n"}


@pytest.fixture
def repo(chant_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    bench = _bench()
    specs_dir = chant_repo / ".chant" / "specs"
    planned = bench.plan_specs(120)  # type: ignore[attr-defined]
    titles = {s.id: s.title for s in planned}
    rng = random.Random(3)
    files = {s.id: bench.render_spec(s, titles, rng) for s in planned}  # type: ignore[attr-defined]
    files.update(EXTRA)
    for spec_id, text in files.items():
        path = specs_dir / f"{spec_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.utime(path, (PAST, PAST))
    archive = chant_repo / ".chant" / "archive"
    archive.mkdir(exist_ok=True)
    for spec_id, text in ARCHIVED.items():
        (archive / f"{spec_id}.md").write_text(text, encoding="utf-8")
    monkeypatch.chdir(chant_repo)
    lock = FileLock(chant_repo / ".chant" / "run" / "locks" / "run-2027-01-01-007-liv.lock").acquire()
    try:
        yield chant_repo
    finally:
        lock.release()


def _view(root: Path) -> Path:
    return root / ".chant" / "run" / fast.VIEW_FILE


def _fast(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert fast.run(args) == 0, args
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def _click(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    click_run(args)
    return capsys.readouterr().out


LIST_ARGS = [
    [],
    ["--ready"],
    ["--json"],
    ["--ready", "--json"],
    ["--all"],
    ["--all", "--json"],
    ["--count"],
    ["--count", "--json"],
    ["--count", "--all"],
    ["--type", "code"],
    ["--type", "driver"],
    ["--type", "task", "--all"],
    ["--label", "api"],
    ["--label", "api", "--label", "docs", "--json"],
    ["--status", "pending", "--label", "db", "--all"],
    *[["--status", s] for s in sorted(fast._STATUS_CHOICES)],
    *[["--status", s, "--json"] for s in ("ready", "blocked", "cancelled")],
]
COMMANDS = [
    *[["list", *a] for a in LIST_ARGS],
    ["ready"],
    ["ready", "--json"],
    ["status"],
    ["status", "--brief"],
    ["status", "--json"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_fast_path_matches_click(repo: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    for cache in (repo / ".chant" / "run").glob("index.*"):
        cache.unlink()
    built = _fast(args, capsys)  # cold: loads, computes, writes the index and the view
    assert _view(repo).exists()
    from_view = _fast(args, capsys)
    expected = _click(args, capsys)
    assert built == expected
    assert from_view == expected
    assert expected.strip() or args[:2] == ["list", "--status"] or "--type" in args


def test_the_outputs_are_not_trivial(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = _fast(["status"], capsys)
    assert "2027-01-01-006-str" in status and "stranded" in status
    assert "2027-01-01-007-liv (Live run)" in status.split("In progress:")[1]
    assert "stranded: no chant is running it (recover with `chant reset 2027-01-01-007" not in status
    listing = _fast(["list"], capsys)
    assert "2027-01-01-003-apr" in listing and "awaiting approval" in listing
    assert "2020-01-01-001-zzz (missing)" in listing
    assert "Colour red title" in listing  # ANSI stripped, as click.echo does for a pipe
    assert "Ünïcode title ✓" in listing


def _replace(path: Path, text: str) -> None:
    """A same-size rewrite, new inode, old mtime: only the inode tells the versions apart."""
    tmp = path.with_name(".tmp-" + path.name)
    tmp.write_text(text, encoding="utf-8")
    os.utime(tmp, (PAST, PAST))
    os.replace(tmp, path)


def test_a_changed_spec_is_never_served_from_the_view(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fast(["list"], capsys)
    path = repo / ".chant" / "specs" / "2027-01-01-006-str.md"
    old = path.read_text(encoding="utf-8")
    new = old.replace("in_progress", "cancelled  ")
    assert len(new) == len(old)
    _replace(path, new)
    listing = _fast(["list", "--all"], capsys)
    assert "2027-01-01-006-str" in listing and "cancelled" in listing.split("2027-01-01-006-str")[1]
    assert listing == _click(["list", "--all"], capsys)
    # a new file, a removed file, an archive change, a config change
    extra = repo / ".chant" / "specs" / "2027-01-02-001-new.md"
    extra.write_text("---\nstatus: pending\n---\n\n# Brand new\n", encoding="utf-8")
    assert "Brand new" in _fast(["list"], capsys)
    extra.unlink()
    assert "Brand new" not in _fast(["list"], capsys)
    (repo / ".chant" / "archive" / "2020-01-01-002-old.md").unlink()
    listing = _fast(["list"], capsys)
    assert "2020-01-01-002-old (missing)" in listing
    assert listing == _click(["list"], capsys)
    config = repo / ".chant" / "config.md"
    config.write_text(
        config.read_text(encoding="utf-8").replace("name:", "name: renamed #"), encoding="utf-8"
    )
    status = _fast(["status"], capsys)
    assert status == _click(["status"], capsys)


def test_a_corrupt_view_is_ignored(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = _click(["list"], capsys)
    _fast(["list"], capsys)
    view = _view(repo)
    blob = bytearray(view.read_bytes())
    blob[-10] ^= 0xFF
    view.write_bytes(bytes(blob))
    assert _fast(["list"], capsys) == expected
    view.write_bytes(b"garbage")
    assert _fast(["list"], capsys) == expected


def test_invalid_specs_go_through_click(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = repo / ".chant" / "specs" / "2027-01-03-001-bad.md"
    bad.write_text("---\nstatus: [unclosed\n---\n\n# Bad\n", encoding="utf-8")
    assert fast.run(["list"]) is None
    assert fast.run(["status"]) is None


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--help"],
        ["list", "--status=ready"],
        ["list", "--status", "bogus"],
        ["list", "--bogus"],
        ["list", "--json", "--json"],
        ["list", "--type"],
        ["list", "--type", "--json"],
        ["list", "--type", "a", "--type", "b"],
        ["list", "--label", ""],
        ["list", "extra"],
        ["ready", "--all"],
        ["status", "--brief", "--json"],
        ["show", "x"],
        [],
    ],
    ids=repr,
)
def test_unusual_argv_goes_through_click(args: list[str]) -> None:
    assert fast.parse(args) is None


def test_outside_a_project_goes_through_click(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert fast.run(["list"]) is None


def test_the_console_script_uses_it(repo: Path, chant_env: dict[str, str]) -> None:
    chant = Path(sys.executable).parent / "chant"
    if not chant.exists():
        pytest.skip("needs the venv's chant script")
    for args in (["list"], ["status", "--json"]):
        got = subprocess.run([str(chant), *args], cwd=repo, env=chant_env, capture_output=True, check=True)
        ref = subprocess.run(
            [sys.executable, "-c", "import sys; from chant.cli._group import run; run(sys.argv[1:])", *args],
            cwd=repo,
            env=chant_env,
            capture_output=True,
            check=True,
        )
        assert got.stdout == ref.stdout and got.stdout
        assert got.stderr == ref.stderr == b""


# -- a partly warm read: only the rows that read a changed spec are computed again ----------------------
def _depend_on_missing(text: str) -> str:
    current = Spec.from_text("x", Path("x.md"), text).depends_on
    return edit.set_fields(text, {"depends_on": [*current, "2099-01-01-001-nope"]})


def _mutations(repo: Path, rng: random.Random) -> list[tuple[str, Callable[[], None]]]:
    """Small edits of the kind a pull brings, each touching one or two spec files."""
    specs_dir = repo / ".chant" / "specs"
    files = sorted(p for p in specs_dir.glob("*.md"))
    drivers = sorted({p.name[:-3].split(".")[0] for p in files if "." in p.name[:-3]})

    def rewrite(path: Path, edit: Callable[[str], str]) -> None:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        _replace(path, edit(text))

    def status_of(path: Path, status: str) -> Callable[[], None]:
        return lambda: rewrite(
            path, lambda t: re.sub(r"^status: .*$", f"status: {status}", t, count=1, flags=re.M)
        )

    picked = rng.sample(files, 6)
    driver = rng.choice(drivers)
    member = specs_dir / f"{driver}.2.md"
    return [
        ("a dependency completes", status_of(picked[0], "completed")),
        ("a spec fails", status_of(picked[1], "failed")),
        ("a spec goes back to pending", status_of(picked[2], "pending")),
        ("a new dependency on a missing spec", lambda: rewrite(picked[3], _depend_on_missing)),
        ("a spec is deleted", lambda: picked[4].unlink()),
        (
            "a new top-level spec",
            lambda: rewrite(
                specs_dir / "2027-02-01-001-new.md", lambda _t: "---\nstatus: pending\n---\n# New\n"
            ),
        ),
        ("a member in the middle is deleted", lambda: member.unlink() if member.exists() else None),
        (
            "a new member in the middle of a driver",
            lambda: (
                rewrite(specs_dir / f"{driver}.2.md", lambda _t: "---\nstatus: pending\n---\n# Inserted\n")
                if not member.exists()
                else rewrite(member, lambda t: t + "\nmore\n")
            ),
        ),
        (
            "a member opts out of the implicit order",
            lambda: rewrite(specs_dir / f"{driver}.3.md", lambda t: edit.set_fields(t, {"depends_on": []})),
        ),
        ("a driver is deleted", lambda: (specs_dir / f"{driver}.md").unlink()),
        (
            "the driver comes back, needing approval",
            lambda: rewrite(
                specs_dir / f"{driver}.md",
                lambda _t: "---\ntype: driver\nstatus: pending\napproval:\n  required: true\n---\n# Back\n",
            ),
        ),
        (
            "a title and labels change",
            lambda: rewrite(
                picked[5], lambda t: t.replace("# ", "# Renamed ", 1).replace("labels: [", "labels: [zz, ", 1)
            ),
        ),
        (
            "a member of a missing driver",
            lambda: rewrite(
                specs_dir / "2099-09-09-001-orp.1.md", lambda _t: "---\nstatus: pending\n---\n# Orphan\n"
            ),
        ),
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_partly_warm_view_matches_click_after_each_change(
    repo: Path, capsys: pytest.CaptureFixture[str], seed: int
) -> None:
    rng = random.Random(seed)
    specs_dir = repo / ".chant" / "specs"
    implicit = "2027-03-01-001-drv"  # members in ID order: none declares depends_on
    for name, text in {
        implicit: "---\ntype: driver\nstatus: pending\n---\n# Implicit order\n",
        f"{implicit}.1": "---\nstatus: completed\n---\n# First\n",
        f"{implicit}.3": "---\nstatus: pending\n---\n# Third\n",
        f"{implicit}.4": "---\nstatus: pending\n---\n# Fourth\n",
    }.items():
        _replace(specs_dir / f"{name}.md", text)
    implicit_changes: list[tuple[str, Callable[[], None]]] = [
        (
            "a member is inserted (the next one now waits for it)",
            lambda: _replace(specs_dir / f"{implicit}.2.md", "---\nstatus: pending\n---\n# Second\n"),
        ),
        ("the first member is deleted", lambda: (specs_dir / f"{implicit}.1.md").unlink()),
        (
            "the inserted member completes",
            lambda: _replace(specs_dir / f"{implicit}.2.md", "---\nstatus: completed\n---\n# Second\n"),
        ),
    ]
    _fast(["list"], capsys)
    for what, mutate in implicit_changes + _mutations(repo, rng):
        assert _view(repo).exists(), what
        mutate()
        before = dict(fast.BUILD_STATS)
        for args in (["list", "--all", "--json"], ["status", "--json"], ["list", "--all"], ["ready"]):
            assert _fast(args, capsys) == _click(args, capsys), (what, args)
        reused = fast.BUILD_STATS["reused"] - before["reused"]
        computed = fast.BUILD_STATS["computed"] - before["computed"]
        assert reused > 100 and computed < 40, (what, reused, computed)
