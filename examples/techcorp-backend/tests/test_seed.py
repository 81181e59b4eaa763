from __future__ import annotations

import ast
import sqlite3
import time
from pathlib import Path

from db.seed import create_database

ROOT = Path(__file__).resolve().parents[1]


def test_seed_is_fast_deterministic_and_sized(tmp_path):
    started = time.perf_counter()
    counts = create_database(tmp_path / "a.db")
    assert time.perf_counter() - started < 1.0
    create_database(tmp_path / "b.db")
    dumps = []
    for name in ("a.db", "b.db"):
        conn = sqlite3.connect(tmp_path / name)
        dumps.append(list(conn.iterdump()))
        conn.close()
    assert dumps[0] == dumps[1]
    assert counts["accounts"] == 25 and counts["users"] == 120 and counts["report_schedules"] == 10
    assert 500 <= counts["payments"] <= 600 and counts["invoices"] == 600 and counts["sessions"] == 300


def test_only_the_composition_root_imports_reporting():
    importers = set()
    for path in (ROOT / "src").rglob("*.py"):
        module = path.relative_to(ROOT / "src").parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("src.reporting"):
                importers.add(module if module != "app.py" else "app")
    assert importers == {"app", "reporting"}
