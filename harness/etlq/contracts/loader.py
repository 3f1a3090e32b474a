"""Contract YAML -> frozen ``Contract`` objects, validated strictly (see docs/contracts.md).

Every mistake a contract author can make ends in ``ContractError("file:line: ...")``, with a
did-you-mean for misspelled keys. Files are checked one by one here; references between
files are checked in ``etlq.contracts.graph``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from etlq.contracts.model import Contract
from etlq.contracts.sections import (
    QUALIFIED,
    TOP_LEVEL_KIND_KEYS,
    parse_checks,
    parse_column,
    parse_top_level,
)
from etlq.contracts.validate import Source, close_match, severity_of
from etlq.contracts.yamlnodes import YMap, load_yaml
from etlq.errors import ContractError

TOP_KEYS = (
    "table",
    "description",
    "primary_key",
    "severity",
    "raw",
    "columns",
    "checks",
    *TOP_LEVEL_KIND_KEYS,
)


def parse_contract(text: str, path: Path) -> Contract:
    """Validate one contract document; ``path`` is both the error location and the name check.

    Every independent mistake is reported at once (``ContractProblems``): each column, each
    check key and each section is validated even when an earlier one is wrong.
    """
    f = Source(path)
    doc = load_yaml(text, f.where)
    if not isinstance(doc, YMap):
        raise f.fail(getattr(doc, "line", 1), "a contract must be a mapping with 'table' and 'columns'")
    f.attempt(f.known_keys, doc, TOP_KEYS, "at top level")
    for key in ("table", "columns"):
        if key not in doc:
            f.problems.append(f.fail(doc.line, f"missing required key {key!r}"))
    f.raise_problems()  # without a table name and columns nothing else can be checked
    fields: dict[str, Any] = {"path": path}
    fields["table"] = f.attempt(_table_name, f, doc, path)
    fields["severity"] = default = f.attempt(severity_of, f, doc, "error", "at top level") or "error"
    spec = f.attempt(f.typed, doc, "columns", (dict,), "a mapping of column name -> spec", "at top level")
    if spec == {}:
        f.problems.append(f.fail(doc.key_lines["columns"], "'columns' is empty"))
    spec = spec or YMap()
    parsed = [
        f.attempt(parse_column, f, name, value, spec.key_lines[name], default) for name, value in spec.items()
    ]
    fields["columns"] = tuple(column for column in parsed if column is not None)
    names = set(spec)  # a column with a mistake still exists: no follow-on "not in 'columns'"
    if "description" in doc:
        fields["description"] = f.attempt(f.typed, doc, "description", (str,), "text", "at top level")
    if "primary_key" in doc:
        fields["primary_key"] = f.attempt(_primary_key, f, doc, names)
    if "raw" in doc:
        fields["raw_source"] = f.attempt(_raw_source, f, doc)
    if "checks" in doc:
        checks = f.attempt(f.typed, doc, "checks", (dict,), "a mapping", "at top level")
        if checks is not None:
            types = {c.name: c.type for c in fields["columns"]}
            fields["checks"] = parse_checks(f, checks, default, names, types)
    fields.update(parse_top_level(f, doc, default, names))
    f.raise_problems()
    fields["extra"] = {k: v for k, v in doc.items() if k.startswith("x-")}
    return Contract(**fields)


def _table_name(f: Source, doc: YMap, path: Path) -> str:
    table: str = f.typed(doc, "table", (str,), "'schema.table'", "at top level")
    expected = f"{path.parent.name}.{path.stem}"
    if not QUALIFIED.match(table):
        raise f.fail(doc.key_lines["table"], f"'table' must be 'schema.table', got {table!r}")
    if table != expected:
        raise f.fail(doc.key_lines["table"], f"'table' is {table!r} but the file path says {expected!r}")
    return table


def _primary_key(f: Source, doc: YMap, names: set[str]) -> tuple[str, ...]:
    key = f.name_list(doc, "primary_key", "at top level")
    for col in key:
        if col not in names:
            raise f.fail(
                doc.key_lines["primary_key"],
                f"primary_key names column {col!r}, which is not in 'columns'{close_match(col, names)}",
            )
    return key


def _raw_source(f: Source, doc: YMap) -> str:
    raw = f.typed(doc, "raw", (dict,), "a mapping like {source: orders}", "at top level")
    f.known_keys(raw, ("source",), "in raw")
    if "source" not in raw:
        raise f.fail(raw.line, "'raw' needs 'source'")
    source: str = f.typed(raw, "source", (str,), "a source name", "in raw")
    return source


def load_contract(file: Path | str) -> Contract:
    """Load and validate one contract file."""
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContractError(
            f"{path}: no such contract file", "check the path passed to --contracts"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractError(f"{path}: cannot read contract: {exc}") from None
    return parse_contract(text, path)
