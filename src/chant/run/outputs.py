"""``output_schema:``: a JSON Schema that a spec's JSON or YAML output files must match before it completes.

The value is the schema itself (a YAML mapping in the frontmatter) or the path of a JSON/YAML schema file
in the repository. It applies to every target file ending in ``.json``, ``.yaml`` or ``.yml``; the
pipeline's check step reads them from the run's branch and fails the spec with the first mismatch.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from chant import git
from chant.spec.model import Spec

DATA_SUFFIXES = (".json", ".yaml", ".yml")


class SchemaProblem(Exception):
    pass


def _parse(text: str, name: str) -> Any:
    if name.endswith(".json"):
        return json.loads(text)
    import yaml

    from chant.spec import yamlio

    try:
        return yamlio.load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc).replace("\n", " ")) from None


def load_schema(root: Path, spec: Spec, rev: str | None = None) -> dict[str, Any] | None:
    """The spec's schema (``None`` without ``output_schema``); :class:`SchemaProblem` when it is unusable.
    A path is read at ``rev`` (the run's branch) when given, else from the working tree."""
    import jsonschema

    value = spec.get("output_schema")
    if value in (None, ""):
        return None
    if isinstance(value, dict):
        schema, where = value, "output_schema"
    elif isinstance(value, str):
        rel = PurePosixPath(value)
        if rel.is_absolute() or ".." in rel.parts:
            raise SchemaProblem(f"output_schema '{value}' must be a path inside the repository")
        text = git.show_file(root, rev, value) if rev else None
        if text is None:
            try:
                text = (root / value).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                raise SchemaProblem(f"output_schema '{value}': no such file") from None
        try:
            schema = _parse(text, value)
        except ValueError as exc:
            raise SchemaProblem(f"output_schema '{value}' is not valid JSON/YAML ({exc})") from None
        where = value
    else:
        raise SchemaProblem("output_schema must be a schema (a mapping) or the path of a schema file")
    if not isinstance(schema, dict):
        raise SchemaProblem(f"{where}: a JSON Schema is a mapping")
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise SchemaProblem(f"{where} is not a valid JSON Schema: {exc.message}") from None
    return schema


def data_files(spec: Spec) -> list[str]:
    return [t for t in spec.target_files if t.lower().endswith(DATA_SUFFIXES)]


def problem(root: Path, spec: Spec) -> str | None:
    """What makes ``output_schema`` unusable (for lint), or ``None``."""
    try:
        schema = load_schema(root, spec)
    except SchemaProblem as exc:
        return str(exc)
    if schema is not None and not data_files(spec):
        return "output_schema is set but no target file ends in .json, .yaml or .yml"
    return None


def check(root: Path, spec: Spec, rev: str) -> str | None:
    """``None`` when every JSON/YAML target file at ``rev`` matches the schema, else the first mismatch."""
    import jsonschema

    try:
        schema = load_schema(root, spec, rev)
    except SchemaProblem as exc:
        return str(exc)
    if schema is None:
        return None
    files = data_files(spec)
    if not files:
        return "output_schema is set but no target file ends in .json, .yaml or .yml"
    validator = jsonschema.validators.validator_for(schema)(schema)
    for name in files:
        text = git.show_file(root, rev, name)
        if text is None:
            return f"{name} is missing (output_schema checks it)"
        try:
            data = _parse(text, name)
        except ValueError as exc:
            return f"{name} is not valid {'JSON' if name.endswith('.json') else 'YAML'}: {exc}"
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            at = "/".join(str(p) for p in first.absolute_path) or "(top level)"
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            return f"{name} does not match output_schema at {at}: {first.message}{more}"
    return None
