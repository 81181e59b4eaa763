"""The installer of the contract tests' CLIs: a failed ``npm ci`` is reported, never cached."""

from __future__ import annotations

from pathlib import Path

from tests.agents.conftest import write_script
from tests.contract.install_clis import ensure_installed


def test_a_failed_install_is_reported_and_retried(tmp_path: Path) -> None:
    npm = write_script(
        tmp_path,
        "npm",
        """
        import sys
        print("npm error code E404", file=sys.stderr)
        print("npm error 404 Not Found - GET @openai/codex", file=sys.stderr)
        sys.exit(1)
        """,
        version=None,
    )
    prefix = tmp_path / "prefix"
    outcome = ensure_installed(prefix, str(npm))
    assert outcome is not None and not outcome.ok
    assert "`npm ci` failed (exit 1)" in outcome.detail and "404 Not Found" in outcome.detail
    assert "npm error code E404" in (prefix / "install.log").read_text()
    assert not (prefix / ".installed").exists()  # the next run tries again


def test_a_good_install_is_stamped_and_not_repeated(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    npm = write_script(
        tmp_path,
        "npm",
        f"""
        import sys
        with open({str(calls)!r}, "a") as fh:
            fh.write(" ".join(sys.argv[1:3]) + "\\n")
        """,
        version=None,
    )
    prefix = tmp_path / "prefix"
    first = ensure_installed(prefix, str(npm))
    second = ensure_installed(prefix, str(npm))
    assert first is not None and first.ok and second is not None and second.ok
    assert second.detail == f"cached in {prefix}"
    assert calls.read_text() == "ci --prefix\n"
    assert (prefix / "package.json").exists() and (prefix / "package-lock.json").exists()


def test_no_npm_means_skip(tmp_path: Path) -> None:
    assert ensure_installed(tmp_path / "prefix", None) is None
