"""chant's modules import only downwards (the order is written in docs/design.md, "Layers").

Every import counts -- module level, inside functions, under ``TYPE_CHECKING`` -- because each is a
dependency someone has to know about; a module that belongs to no layer fails too, so a new package
takes its place in the order on purpose.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# Lowest first. A module belongs to the layer of its longest listed prefix.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "chant",
            "chant.errors",
            "chant.clock",
            "chant.states",
            "chant.scan",
            "chant.colour",
            "chant.shell",
            "chant.render",
            "chant.fsutil",
        ),
    ),
    ("spec", ("chant.spec",)),
    ("project", ("chant.config", "chant.locks", "chant.project", "chant.git", "chant.globs", "chant.layout")),
    ("graph", ("chant.graph", "chant.schedule", "chant.priority", "chant.lint")),
    ("agents", ("chant.agents",)),
    ("run", ("chant.run", "chant.validate", "chant.config_schema")),
    ("ops", ("chant.ops", "chant.drift", "chant.verify")),
    ("surfaces", ("chant.cli", "chant.web", "chant.mcp", "chant.__main__")),
]


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for rank, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), rank)
    return None if best is None else best[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = sorted(SRC.joinpath("chant").rglob("*.py"))
KNOWN = {module_name(path) for path in MODULES}


def imports(path: Path, module: str) -> list[tuple[int, str]]:
    """``(line, module)`` for every chant module that ``module`` (the file at ``path``) imports; ``from a
    import b`` names ``a.b`` when ``b`` is a module, else ``a``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                name = f"{target}.{alias.name}"
                found.append((node.lineno, name if name in KNOWN else target))
    chant = [(line, name) for line, name in found if name == "chant" or name.startswith("chant.")]
    return list(dict.fromkeys(chant))


def upward_edges(path: Path, module: str) -> list[str]:
    here = layer_of(module)
    assert here is not None, f"{module} belongs to no layer"
    bad = []
    for line, target in imports(path, module):
        there = layer_of(target)
        assert there is not None, f"{target} belongs to no layer"
        if there > here:
            bad.append(f"{module} line {line}: {LAYERS[here][0]} imports {target} ({LAYERS[there][0]})")
    return bad


def test_every_module_has_a_layer() -> None:
    assert len(MODULES) > 50
    assert [module_name(p) for p in MODULES if layer_of(module_name(p)) is None] == []


def test_imports_point_down() -> None:
    bad = [edge for path in MODULES for edge in upward_edges(path, module_name(path))]
    assert bad == [], "upward imports (see docs/design.md, Layers):\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from chant.cli.render import emit_json\n", ["graph imports chant.cli.render (surfaces)"]),
        ("def f():\n    from chant.run import recovery\n", ["graph imports chant.run.recovery (run)"]),
        ("from .cli import fast\n", ["graph imports chant.cli.fast (surfaces)"]),
        ("from chant.spec import ids\nfrom chant import errors\nimport chant.project\n", []),
    ],
)
def test_the_check_sees_an_upward_import(tmp_path: Path, source: str, expected: list[str]) -> None:
    # The walker on a probe posing as a graph-layer module: a check that cannot fail proves nothing.
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    found = [edge.partition(": ")[2] for edge in upward_edges(probe, "chant.lint")]
    assert found == expected
