"""The committed seed fixtures are what the seed page says (frontmatter byte-exact, bodies from the page)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ._helpers import SEED_DIR, SEED_DRIVER, SEED_MEMBERS

ROOT = Path(__file__).resolve().parents[2]
PAGE_CANDIDATES = [ROOT.parent / "shared/seed/04-implementation.md", ROOT / "docs/seed/04-implementation.md"]


def _extractor() -> object:
    spec = importlib.util.spec_from_file_location("extract_seed", ROOT / "tests/fixtures/extract_seed.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fixtures_match_the_seed_page() -> None:
    page = next((p for p in PAGE_CANDIDATES if p.is_file()), None)
    if page is None:
        pytest.skip("seed page not available in this checkout")
    files = _extractor().extract(page.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    assert sorted(files) == sorted(f"{i}.md" for i in [SEED_DRIVER, *SEED_MEMBERS])
    for name, text in files.items():
        assert (SEED_DIR / name).read_text(encoding="utf-8") == text, name
        frontmatter = text.split("\n---\n", 1)[0] + "\n---\n"
        assert frontmatter in page.read_text(encoding="utf-8")


def test_seed_driver_frontmatter_is_verbatim() -> None:
    text = (SEED_DIR / f"{SEED_DRIVER}.md").read_text(encoding="utf-8")
    assert text.startswith(
        "---\ntype: driver\nstatus: pending\nprompt: driver\ndepends_on:\n"
        "  - 2026-01-27-001-cpl  # Coupling analysis\n  - 2026-01-28-001-doc  # Architecture docs\n"
    )
    assert "```\n.1 (API) ──────────┐\n" in text  # the body's own fenced block survived extraction
    assert text.endswith("- [ ] Performance meets baseline\n")
