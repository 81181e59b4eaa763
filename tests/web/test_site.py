"""`chant site build`: every page is valid HTML (html5lib, strict), every link resolves, nothing from a spec
runs as script; the driver page draws its members' timeline from the run journal."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pytest
from tests.conftest import SEED_DRIVER, SEED_IDS, SEED_MEMBERS
from tests.run.conftest import Work, add_specs

HOSTILE_ID = "2026-02-03-001-xss"
HOSTILE = (
    "---\ntype: code\nstatus: pending\nlabels: ['<b>bold</b>']\n---\n\n"
    "# <script>alert('title')</script>\n\n"
    "<img src=x onerror=alert(1)>\n\n[click](javascript:alert(2))\n\n"
    "## Acceptance Criteria\n\n- [ ] <iframe src=//evil></iframe>\n"
)


def parse(path: Path) -> object:
    """Strict HTML5 parsing: any parse error (bad nesting, stray end tag, bad attribute...) raises."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(path.read_text(encoding="utf-8"))


def links(tree: object) -> list[str]:
    found = []
    for element in tree.iter():  # type: ignore[attr-defined]
        for name in ("href", "src", "{http://www.w3.org/1999/xlink}href"):
            value = element.get(name)
            if value is not None:
                found.append(value)
    return found


@pytest.fixture
def built(seed_work: Work) -> tuple[Work, Path]:
    w = seed_work
    add_specs(w, {HOSTILE_ID: HOSTILE})
    w.sleep({".1": 0.3, ".2": 0.3, ".3": 0.3})
    assert w.chant("work", "001-ext").returncode == 0
    proc = w.chant("site", "build", "--out", "public")
    assert proc.returncode == 0, proc.stderr
    assert re.match(r"Built \d+ pages \(8 specs\) in ", proc.stdout)
    return w, w.repo / "public"


def test_every_page_is_valid_html_and_every_link_resolves(built: tuple[Work, Path]) -> None:
    _w, site = built
    pages = sorted(site.rglob("*.html"))
    names = {p.relative_to(site).as_posix() for p in pages}
    assert {"index.html", "attention.html", "drivers.html", "cost.html", "runs.html"} <= names
    assert {f"spec/{s}.html" for s in [*SEED_IDS, HOSTILE_ID]} <= names
    checked = 0
    for page in pages:
        tree = parse(page)
        for link in links(tree):
            parts = urlsplit(link)
            assert not parts.scheme and not parts.netloc, f"{page.name}: external link {link}"
            assert not link.startswith("/"), (
                f"{page.name}: absolute link {link} (the site must work from disk)"
            )
            if not parts.path:
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.relative_to(site)}: {link} does not resolve"
            checked += 1
    assert checked > 100
    assert (site / "static" / "style.css").is_file()


def test_driver_page_shows_phases_timeline_and_graph(built: tuple[Work, Path]) -> None:
    w, site = built
    text = (site / "spec" / f"{SEED_DRIVER}.html").read_text(encoding="utf-8")
    assert "Phase 1: Parallel" in text and "Phase 2: Sequential (depends on all above)" in text
    timeline = re.search(r'<svg[^>]*class="timeline".*?</svg>', text, re.S)
    assert timeline is not None
    bars = re.findall(
        r'<rect class="bar state-(\w+)" data-id="([^"]+)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"',
        timeline.group(0),
    )
    assert {b[1] for b in bars} == set(SEED_MEMBERS) and {b[0] for b in bars} == {"completed"}
    span = {b[1]: (float(b[2]), float(b[2]) + float(b[3])) for b in bars}
    m1, m2, m3, m4 = SEED_MEMBERS
    # Phase 1 overlaps (the seed's "Parallel"), phase 2 starts after all of it: the journal's real times.
    assert max(span[m][0] for m in (m1, m2, m3)) < min(span[m][1] for m in (m1, m2, m3))
    assert span[m4][0] >= max(span[m][1] for m in (m1, m2, m3)) - 1
    dag = re.search(r'<svg[^>]*class="dag".*?</svg>', text, re.S)
    assert dag is not None
    assert dag.group(0).count('class="node state-completed"') == 4
    assert dag.group(0).count('class="edge"') == 3
    # The journal the timeline came from is the run's own.
    [journal] = (w.repo / ".chant" / "run" / "journal").glob("*.jsonl")
    events = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    assert {e["id"] for e in events if e["event"] == "spec_start"} == {*SEED_MEMBERS, SEED_DRIVER}


def test_spec_text_never_becomes_markup(built: tuple[Work, Path]) -> None:
    _w, site = built
    for page in [site / "index.html", site / "spec" / f"{HOSTILE_ID}.html"]:
        tree = parse(page)
        for element in tree.iter():  # type: ignore[attr-defined]
            tag = element.tag if isinstance(element.tag, str) else ""
            assert tag not in ("iframe", "img"), f"{page.name}: <{tag}> from spec text"
            if tag == "script":
                assert (element.get("src") or "").endswith(".js") and not (element.text or "").strip()
            for name, value in element.attrib.items():
                assert not name.startswith("on"), f"{page.name}: {name}= from spec text"
                assert "javascript:" not in value
    text = (site / "spec" / f"{HOSTILE_ID}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_rebuild_replaces_the_site_and_foreign_directories_are_refused(built: tuple[Work, Path]) -> None:
    w, site = built
    stale = site / "spec" / "gone.html"
    stale.write_text("old", encoding="utf-8")
    assert w.chant("site", "build", "--out", "public").returncode == 0
    assert not stale.exists()
    foreign = w.repo / "docs-out"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine", encoding="utf-8")
    proc = w.chant("site", "build", "--out", "docs-out")
    assert proc.returncode == 1 and "not empty and was not built by chant" in proc.stderr
    assert (foreign / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert w.chant("site", "build", "--out", ".").returncode == 1


def test_cost_page_charts_spend_by_day_and_by_spec(built: tuple[Work, Path]) -> None:
    _w, site = built
    text = (site / "cost.html").read_text(encoding="utf-8")
    charts = re.findall(r'<svg[^>]*class="chart".*?</svg>', text, re.S)
    assert len(charts) == 2
    by_day, by_spec = charts
    # Every spec of the run completed on the test's frozen day; the fake agent reports $0.0123 a run.
    assert re.findall(r"<title>([\d-]+): \$([\d.]+)</title>", by_day) == [("2026-02-01", "0.0615")]
    assert sorted(re.findall(r'data-id="([^"]+)"', by_spec)) == sorted([SEED_DRIVER, *SEED_MEMBERS])
    assert "<strong>$0.06</strong> over 5 specs" in text
