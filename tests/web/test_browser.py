"""The dashboard in a real headless browser (Debian's Chromium via Playwright): columns, the driver page's
phases and timeline, a live run seen without a reload, a button that writes what the CLI writes, and the
first paint of a 5,000-spec board. Screenshots go under each test's tmp dir (sizes checked)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import CHANT_CMD, SEED_DEPENDENCIES, SEED_DRIVER, SEED_MEMBERS, run_git
from tests.run.conftest import Work, spec_file
from tests.web.conftest import Server

M1, M2, M3, M4 = SEED_MEMBERS
# One worker runs them one after another: two browsers side by side on two cores distort the timings.
pytestmark = pytest.mark.xdist_group("browser")
GATED = "2026-02-01-002-gat"


def shot(page: Any, path: Path, blank: int) -> int:
    page.screenshot(path=str(path), full_page=True)
    size = path.stat().st_size
    assert size > 3 * blank, f"{path.name} looks blank ({size} bytes; an empty page is {blank})"
    return size


def blank_size(browser: Any, tmp_path: Path) -> int:
    page = browser.new_page()
    page.set_content("<!DOCTYPE html><title>blank</title>")
    path = tmp_path / "blank.png"
    page.screenshot(path=str(path), full_page=True)
    page.close()
    return path.stat().st_size


def columns(page: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('[data-column]')).map(
            c => [c.dataset.column, Array.from(c.querySelectorAll('.card')).filter(x => !x.hidden).map(x => x.dataset.id)]))"""
    )
    return found


def test_board_lists_the_specs_in_their_columns(
    seed_repo: Path, chant_env: dict[str, str], serve: Callable[..., Server], browser: Any, tmp_path: Path
) -> None:
    server = serve(seed_repo, chant_env)
    page = browser.new_page()
    page.goto(server.url + "/")
    page.wait_for_selector("#conn.on")  # the event stream is connected
    board = columns(page)
    assert board["ready"] == [SEED_DRIVER, M1, M2, M3]
    assert board["blocked"] == [M4]
    assert board["completed"] == SEED_DEPENDENCIES
    assert board["in_progress"] == board["failed"] == board["needs_attention"] == []
    assert (
        page.inner_text(f'.card[data-id="{M4}"] .blocked-by')
        == "blocked by ext.1 (pending), ext.2 (pending), ext.3 (pending)"
    )
    size = shot(page, tmp_path / "board.png", blank_size(browser, tmp_path))
    # Typing in the search box filters the cards at once.
    page.fill('input[name="q"]', "migration")
    assert [i for ids in columns(page).values() for i in ids] == [M2]
    page.close()
    print(f"board screenshot: {tmp_path / 'board.png'} ({size} bytes)")


def test_a_driver_page_shows_its_phases_and_the_timeline_of_its_last_run(
    seed_work: Work, serve: Callable[..., Server], browser: Any, tmp_path: Path
) -> None:
    w = seed_work
    w.sleep({".1": 0.8, ".2": 0.6, ".3": 0.4, ".4": 0.3})
    assert w.chant("work", "001-ext").returncode == 0
    server = serve(w.repo, w.env)
    page = browser.new_page()
    page.goto(f"{server.url}/")
    page.click(f'.card[data-id="{SEED_DRIVER}"]')
    page.wait_for_selector("svg.timeline")
    headings = page.locator(".phase h3").all_inner_texts()
    assert headings == ["Phase 1: Parallel", "Phase 2: Sequential (depends on all above)"]
    assert page.locator('.phase[data-phase="1"] li').count() == 3
    timeline = page.locator("svg.timeline")
    assert timeline.is_visible() and timeline.get_attribute("role") == "img"
    box = timeline.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 100
    bars = page.evaluate(
        """() => Array.from(document.querySelectorAll('svg.timeline rect.bar')).map(r => {
            const b = r.getBoundingClientRect(); return [r.dataset.id, b.left, b.right, r.getAttribute('class')]; })"""
    )
    span = {i: (left, right) for i, left, right, _c in bars}
    assert set(span) == set(SEED_MEMBERS) and all("state-completed" in c for *_x, c in bars)
    assert max(span[m][0] for m in (M1, M2, M3)) < min(span[m][1] for m in (M1, M2, M3)), "phase 1 overlaps"
    assert span[M4][0] >= max(span[m][1] for m in (M1, M2, M3)) - 2, "phase 2 after phase 1"
    assert page.locator("svg.dag rect.node").count() == 4
    size = shot(page, tmp_path / "driver.png", blank_size(browser, tmp_path))
    page.close()
    print(f"driver screenshot: {tmp_path / 'driver.png'} ({size} bytes)")


WATCH = """id => {
    window.__chantNoReload = true;
    window.__seen = [];
    const badge = () => document.querySelector(`.phase [data-state-of="${id}"]`);
    const note = () => { const s = badge().className.replace('badge state-', ''); if (window.__seen.at(-1) !== s) window.__seen.push(s); };
    note();
    new MutationObserver(note).observe(badge().parentNode, {subtree: true, childList: true, attributes: true, characterData: true});
}"""


def test_a_run_from_the_terminal_shows_live_without_a_reload(
    seed_work: Work, serve: Callable[..., Server], browser: Any, tmp_path: Path
) -> None:
    w = seed_work
    server = serve(w.repo, w.env)
    board = browser.new_page()
    board.goto(f"{server.url}/")
    board.wait_for_selector("#conn.on")
    board.evaluate("window.__chantNoReload = true")
    page = browser.new_page()
    page.goto(f"{server.url}/spec/{SEED_DRIVER}")
    page.wait_for_selector("#conn.on")
    page.evaluate(WATCH, M1)
    w.sleep({".1": 2.5, ".2": 2.5, ".3": 2.5, ".4": 0.5})
    run = w.popen("work", "001-ext")
    try:
        page.wait_for_function(
            f"document.querySelector('.phase [data-state-of=\"{M1}\"]').textContent.includes('Running')",
            timeout=20000,
        )
        page.wait_for_function(
            f"document.querySelector('[data-elapsed-of=\"{M1}\"]').textContent.startsWith('running')"
        )
        shot(page, tmp_path / "driver-running.png", blank_size(browser, tmp_path))
        page.wait_for_function(
            f"document.querySelector('.phase [data-state-of=\"{M4}\"]').textContent.includes('Completed')",
            timeout=40000,
        )
    finally:
        out, err = run.communicate(timeout=60)
    assert run.returncode == 0, out + err
    assert page.evaluate("window.__chantNoReload") is True, "the page reloaded"
    seen = page.evaluate("window.__seen")
    assert seen[0] == "ready" and seen[-1] == "completed" and "in_progress" in seen, seen
    assert seen.index("in_progress") < seen.index("completed")
    # The timeline filled in as the members ran (fetched as the journal moved, not on reload).
    page.wait_for_function(
        "document.querySelectorAll('svg.timeline rect.bar.state-completed').length === 4", timeout=10000
    )
    page.close()
    # The board moved the cards to Completed as they finished, also without a reload.
    board.wait_for_function(
        "document.querySelectorAll('[data-column=\"completed\"] .card').length === 7", timeout=10000
    )
    assert columns(board)["completed"] == [*SEED_DEPENDENCIES, SEED_DRIVER, *SEED_MEMBERS]
    assert board.evaluate("window.__chantNoReload") is True
    board.close()


def test_a_button_changes_the_spec_file_exactly_as_the_cli_would(
    seed_repo: Path, chant_env: dict[str, str], serve: Callable[..., Server], browser: Any, tmp_path: Path
) -> None:
    path = seed_repo / ".chant" / "specs" / f"{GATED}.md"
    path.write_text(
        spec_file(GATED, "Gated change", extra="# reviewed weekly\napproval:\n  required: true"),
        encoding="utf-8",
    )
    run_git("add", "-A", cwd=seed_repo, env=chant_env)
    run_git("commit", "-q", "-m", "gated spec", cwd=seed_repo, env=chant_env)
    twin = tmp_path / "twin"
    shutil.copytree(seed_repo, twin, symlinks=True)
    server = serve(seed_repo, chant_env)
    page = browser.new_page()
    page.goto(f"{server.url}/attention")
    item = page.locator(f'[data-attention="{GATED}"]')
    assert "chant approve" in item.inner_text()
    item.locator('form[action="/action/approve"] input[name="by"]').fill("Alex Torres")
    with page.expect_navigation():
        item.locator('button[data-action="approve"]').click()
    assert f"Approved {GATED}" in page.inner_text(".flash")
    assert page.locator(f'[data-attention="{GATED}"]').count() == 0  # resolved: no longer listed
    subprocess.run(
        [*CHANT_CMD, "approve", GATED, "--by", "Alex Torres"],
        cwd=twin,
        env=chant_env,
        check=True,
        capture_output=True,
    )
    assert path.read_bytes() == (twin / ".chant" / "specs" / f"{GATED}.md").read_bytes()
    assert "# reviewed weekly" in path.read_text(encoding="utf-8")  # comments kept, as by the CLI
    page.close()


def _many_specs(repo: Path, count: int) -> None:
    """``count`` specs in several states, with dependency chains, labels and costs, written a minute ago
    (files younger than 2 s are never cached by the index, as a project in steady state would be)."""
    specs = repo / ".chant" / "specs"
    then = time.time() - 60
    states = ["completed"] * 6 + ["pending"] * 3 + ["failed", "in_progress", "needs_attention"]
    for n in range(count):
        day, seq = divmod(n, 1000)
        spec_id = f"2026-03-{day + 1:02d}-{seq:03d}-x{n % 10}a"
        status = states[n % len(states)]
        deps = (
            f"depends_on: [2026-03-{day + 1:02d}-{seq - 1:03d}-x{(n - 1) % 10}a]\n"
            if seq and n % 7 == 0
            else ""
        )
        cost = (
            f"cost_usd: {0.01 * (n % 13):.2f}\ncompleted_at: 2026-03-{day + 1:02d}T12:00:00Z\n"
            if status == "completed"
            else ""
        )
        specs.joinpath(f"{spec_id}.md").write_text(
            f"---\ntype: code\nstatus: {status}\nlabels: [team-{n % 5}]\n{deps}{cost}---\n\n"
            f"# Spec number {n}\n\nBody of spec {n}.\n\n## Acceptance Criteria\n\n- [ ] it works\n",
            encoding="utf-8",
        )
        os.utime(specs / f"{spec_id}.md", (then, then))


def test_a_5000_spec_board_paints_in_under_a_second(
    chant_repo: Path, chant_env: dict[str, str], serve: Callable[..., Server], browser: Any, tmp_path: Path
) -> None:
    _many_specs(chant_repo, 5000)
    subprocess.run(
        [*CHANT_CMD, "list", "--count"], cwd=chant_repo, env=chant_env, check=True, capture_output=True
    )
    server = serve(chant_repo, chant_env)
    httpx.get(server.url + "/", timeout=60)  # the server's first read (templates compiled, index cache read)
    page = browser.new_page()
    paints = []
    for _attempt in range(3):
        page.goto(server.url + "/")
        paints.append(
            page.evaluate(
                """() => new Promise(done => {
                    const find = () => performance.getEntriesByType('paint').find(p => p.name === 'first-contentful-paint');
                    const wait = () => find() ? done(find().startTime) : setTimeout(wait, 20); wait(); })"""
            )
        )
    counts = page.evaluate(
        "() => Array.from(document.querySelectorAll('[data-count]')).map(e => +e.textContent)"
    )
    assert sum(counts) == 5000
    assert page.locator(".card").count() <= 60 * 8  # long columns end in "N more"
    shot(page, tmp_path / "board-5000.png", blank_size(browser, tmp_path))
    page.close()
    print(f"5,000-spec board first contentful paint (ms): {[round(p) for p in paints]}")
    assert statistics.median(paints) < 1000, paints
