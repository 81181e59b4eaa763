"""Templates: variables, defaults, required ones, text substitution only; add --template; template list/show;
the bundled four (a driver template creates its members in the same add)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chant.ops import templates

TEMPLATE = """---
template:
  description: A chore
  variables:
    area: {description: which part, required: true}
    owner: {default: nobody}
type: task
status: pending
labels: ["{{area}}"]
---

# {{title}}

Owner: {{owner}}. Size: {{size|small}}. Literal braces stay: {{ not a var }} and {x}.

## Acceptance Criteria

- [ ] `make {{area}}` passes
"""


def parse(text: str = TEMPLATE) -> templates.Template:
    return templates.parse("chore", Path("chore.md"), text, "chore.md")


def test_variables_required_defaults_and_inferred() -> None:
    t = parse()
    assert {v.name: (v.required, v.default) for v in t.variables.values()} == {
        "area": (True, None),
        "owner": (False, "nobody"),
        "title": (True, None),  # used with no default: required
        "size": (False, None),  # has an inline default
    }
    assert t.description == "A chore" and t.required == ["area", "title"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"title": "T"}, "needs --var area=... (which part)"),
        ({"area": "x"}, 'needs a DESCRIPTION ("TEXT" before --template)'),
        (
            {"title": "T", "area": "x", "colour": "red"},
            "has no variable 'colour' (it has: area, owner, title, size)",
        ),
        ({"title": "T", "area": "a\nstatus: completed"}, "a value used in the frontmatter must be one line"),
        ({"title": "T", "area": 'a"'}, "does not render to a valid spec"),
    ],
)
def test_render_errors(values: dict[str, str], message: str) -> None:
    with pytest.raises(templates.TemplateError) as caught:
        templates.render(parse(), values)
    assert message in caught.value.message


def test_render_is_text_substitution_only() -> None:
    rendered = templates.render(parse(), {"title": "Tidy {{owner}} $(rm -rf /)", "area": "lint"})
    assert rendered.members == []
    assert rendered.text == (
        '---\ntype: task\nstatus: pending\nlabels: ["lint"]\n---\n\n'
        "# Tidy {{owner}} $(rm -rf /)\n\n"  # a value is never substituted again, nor run
        "Owner: nobody. Size: small. Literal braces stay: {{ not a var }} and {x}.\n\n"
        "## Acceptance Criteria\n\n- [ ] `make lint` passes\n"
    )


def test_add_with_a_template(chant_repo: Path, run_chant: Any, git: Callable[..., str]) -> None:
    (chant_repo / ".chant/templates/chore.md").write_text(TEMPLATE)
    listed = run_chant("template", "list", check=True).stdout
    assert "chore     A chore  (needs: area, title)" in listed
    shown = run_chant("template", "show", "chore", check=True).stdout
    assert "  area (required) - which part\n" in shown and "  owner (default: nobody)\n" in shown
    assert 'Use: chant add "TITLE" --template chore --var area=...' in shown
    data = json.loads(run_chant("template", "show", "chore", "--json", check=True).stdout)["template"]
    assert data["name"] == "chore" and data["path"] == ".chant/templates/chore.md" and data["members"] == 0

    missing = run_chant("add", "Tidy up", "--template", "chore", check=False)
    assert missing.returncode == 1 and "needs --var area=... (which part)" in missing.stderr
    out = json.loads(
        run_chant(
            "add",
            "Tidy up",
            "--template",
            "chore",
            "--var",
            "area=docs",
            "--label",
            "extra",
            "--criterion",
            "README lists every command",
            "--json",
            check=True,
        ).stdout
    )
    text = (chant_repo / out["path"]).read_text()
    assert text.startswith("---\ntype: task\nstatus: pending\nlabels: [docs, extra]\n---\n\n# Tidy up\n")
    assert text.endswith("- [ ] `make docs` passes\n- [ ] README lists every command\n")
    assert git("log", "-1", "--format=%s").strip() == f"chant: Add spec {out['id']}"
    assert git("status", "--porcelain") == "?? .chant/templates/chore.md\n"  # only the spec was committed
    unknown = run_chant("add", "x", "--template", "nope", check=False)
    assert (
        "no template 'nope' in .chant/templates/ (available: bugfix, chore, driver, feature, research)"
        in unknown.stderr
    )
    assert "--var needs --template" in run_chant("add", "x", "--var", "a=b", check=False).stderr


def test_bundled_templates(chant_repo: Path, run_chant: Any, git: Callable[..., str]) -> None:
    names = [
        row["name"]
        for row in json.loads(run_chant("template", "list", "--json", check=True).stdout)["templates"]
    ]
    assert names == ["bugfix", "driver", "feature", "research"]
    for name in ("bugfix", "feature", "research"):
        created = json.loads(run_chant("add", f"A {name}", "--template", name, "--json", check=True).stdout)
        shown = json.loads(run_chant("show", created["id"], "--json", check=True).stdout)["spec"]
        assert shown["title"].endswith(f"A {name}") and shown["quality"]["grade"] == "green", shown["quality"]
    research = json.loads(run_chant("list", "--json", check=True).stdout)["specs"][-1]
    assert research["type"] == "research"

    head = git("rev-parse", "HEAD").strip()
    driver = json.loads(
        run_chant(
            "add", "Reports", "--template", "driver", "--var", "test_command=pytest -q", "--json", check=True
        ).stdout
    )["id"]
    assert git("rev-list", "--count", f"{head}..HEAD").strip() == "1"  # one commit: driver and members
    group = json.loads(run_chant("group", driver, "--json", check=True).stdout)
    assert [p["members"] for p in group["phases"]] == [[f"{driver}.1"], [f"{driver}.2", f"{driver}.3"]]
    member = json.loads(run_chant("show", f"{driver}.2", "--json", check=True).stdout)["spec"]
    assert member["title"] == "Tests for Reports"
    assert member["criteria"][0]["text"] == "New tests cover Reports and `pytest -q` passes"
    assert json.loads(run_chant("lint", "--json", check=True).stdout)["errors"] == 0
    nested = run_chant("add", "x", "--template", "driver", "--group", driver, check=False)
    assert "cannot be a member itself" in nested.stderr
