"""What a contract is: frozen data, built by ``etlq.contracts.loader`` from YAML.

Everything else (checks, drift, datagen, masking, pytest parameters, GX suites, DQDL) is
derived from these objects; nothing restates a rule a contract states.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warn"]
_CHARACTER_LENGTH = re.compile(r"^(?:character varying|character|varchar|char|bpchar)\s*\(\s*(\d+)\s*\)$")
SEVERITIES: tuple[Severity, ...] = ("error", "warn")


@dataclass(frozen=True)
class Rule:
    """One constraint with its severity and the contract line it came from."""

    value: Any
    severity: Severity = "error"
    line: int = 0


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # normalized PostgreSQL type as format_type() prints it, e.g. "numeric(18,2)"
    nullable: bool = True
    # the column's constraints by key, as the check kinds parsed them (etlq.contracts.kinds):
    # not_null (set when nullable is false), unique, accepted (value: tuple of accepted values),
    # min, max, pattern, references (value: ForeignKey), and whatever a newer kind adds
    checks: Mapping[str, Rule] = field(default_factory=dict)
    pii: str | None = None
    semantic: str | None = None
    origin: Literal["source", "etl"] = "source"  # "etl": lineage column added by the ETL, not in raw files
    description: str = ""
    line: int = 0

    not_null = property(lambda self: self.checks.get("not_null"))
    unique = property(lambda self: self.checks.get("unique"))
    accepted = property(lambda self: self.checks.get("accepted"))
    min = property(lambda self: self.checks.get("min"))
    max = property(lambda self: self.checks.get("max"))
    pattern = property(lambda self: self.checks.get("pattern"))
    references = property(lambda self: self.checks.get("references"))

    def with_checks(self, **changes: Rule | None) -> Column:
        """A copy with some constraints replaced (None removes one)."""
        merged = {**self.checks, **changes}
        return replace(self, checks={k: v for k, v in merged.items() if v is not None})

    @property
    def max_length(self) -> int | None:
        """Declared length of character types: ``character varying(200)`` -> 200.

        None for anything else, arrays included (``character varying(12)[]`` holds many values;
        its elements' length is ``max_length`` of the element type).
        """
        match = _CHARACTER_LENGTH.match(self.type)
        return int(match.group(1)) if match else None


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    ref_table: str  # schema.table
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class ExpressionRule:
    name: str
    expression: str
    severity: Severity = "error"
    line: int = 0


@dataclass(frozen=True)
class Reconcile:
    name: str
    source: str  # schema.table
    key: tuple[str, ...]
    measures: tuple[str, ...] = ()
    source_filter: str | None = None
    target_filter: str | None = None
    tolerance: float = 0.0
    severity: Severity = "error"
    line: int = 0
    compare: tuple[str, ...] = ()  # columns whose values must be equal for every key on both sides


@dataclass(frozen=True)
class Contract:
    table: str  # schema.table
    path: Path
    columns: tuple[Column, ...]
    description: str = ""
    primary_key: tuple[str, ...] = ()
    severity: Severity = "error"
    raw_source: str | None = None  # staging tables: the raw landing source they load (orders, ...)
    # the `checks:` section by key, as the check kinds parsed it (etlq.contracts.kinds)
    checks: Mapping[str, Any] = field(default_factory=dict)
    reconcile: tuple[Reconcile, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def row_count(self) -> Rule | None:  # value: {"min": int|None, "max": int|None}
        return self.checks.get("row_count")

    @property
    def freshness(self) -> Rule | None:  # value: {"column": str, "max_age_seconds": int}
        return self.checks.get("freshness")

    @property
    def unique(self) -> tuple[Rule, ...]:  # value: tuple of column names
        return tuple(self.checks.get("unique", ()))

    @property
    def foreign_keys(
        self,
    ) -> tuple[Rule, ...]:  # value: ForeignKey (compound; single-column ones are on columns)
        return tuple(self.checks.get("foreign_keys", ()))

    @property
    def rules(self) -> tuple[ExpressionRule, ...]:
        return tuple(self.checks.get("rules", ()))

    @property
    def schema(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.table.split(".", 1)[1]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.table} has no column {name!r}")

    def all_foreign_keys(self) -> tuple[ForeignKey, ...]:
        """Single-column references and compound foreign keys, in contract order."""
        single = tuple(c.references.value for c in self.columns if c.references is not None)
        return single + tuple(r.value for r in self.foreign_keys)
