"""What a check kind is (``CheckKind``) and the small pieces every kind module shares.

A kind module (``not_null.py``, ``range.py``, ...) builds one ``CheckKind``: the contract keys
it owns and how they are validated, the checks it plans, its SQL, its GX expectation, its
DQDL rule, its failure sentence and what datagen must respect or break. ``KINDS`` in
``etlq.contracts.kinds`` lists them; every consumer iterates that tuple.

Kinds depend only on ``etlq.contracts`` and SQLAlchemy: checks, GX, export and datagen import
them, never the other way round. A kind builds no ``CheckResult``: the engines turn what a
kind found (``Found``) into one, so every engine words and counts it the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from etlq.contracts.model import Column, Contract, Rule, Severity
from etlq.contracts.validate import Source, close_match, describe, unwrap
from etlq.contracts.yamlnodes import YList, YMap

FIRST = -1  # an Entry planned before every column's checks (row_count, the primary key)
AFTER = 10**6  # after every column's checks (compound keys, expressions)
LAST = AFTER + 1  # after those (freshness, reconcile)


class Spec(Protocol):
    """What a kind reads of a planned check (``etlq.checks.results.CheckSpec``)."""

    @property
    def id(self) -> str: ...
    @property
    def table(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def column(self) -> str | None: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def params(self) -> Mapping[str, Any]: ...
    @property
    def columns(self) -> tuple[str, ...]: ...


class Result(Protocol):
    """What a kind's sentence reads of a result (``etlq.checks.results.CheckResult``)."""

    @property
    def spec(self) -> Spec: ...
    @property
    def failing(self) -> int | None: ...
    @property
    def total(self) -> int | None: ...
    @property
    def sample(self) -> tuple[dict[str, Any], ...]: ...
    @property
    def message(self) -> str: ...


@dataclass(frozen=True)
class Entry:
    """One check a kind plans for a contract; ``position`` orders it: FIRST, a column's index, AFTER, LAST."""

    position: int
    target: str | None  # the [..] of the check id: column, "a,b", rule name, None
    severity: Severity
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Found:
    """What a kind's statement found; the engine makes the ``CheckResult``."""

    failing: int
    total: int | None = None
    sql: str = ""
    seconds: float = 0.0
    sample_rows: tuple[dict[str, Any], ...] = ()  # already known (freshness: the newest value)
    sample_stmt: Any = None  # fetched (capped) only when the check failed
    facts: dict[str, Any] = field(default_factory=dict)  # for the sentence (sums, duplicate keys)
    not_evaluated: str = ""  # why the check could not be judged (anomaly: too little history)


@dataclass
class SetRun:
    """What a set-statement kind gets from the SQL engine for one table."""

    run: Callable[[Any], tuple[list[Any], str, float]]  # statement -> (rows, rendered SQL, seconds)
    table: Any  # TableClause of the checked table, live columns
    table_of: Callable[[str], Any]  # another table (parent, reconcile source) as a TableClause
    order_by: Sequence[str]
    total: int | None  # rows of the table, from the fused scan
    sample_limit: int
    cache: dict[str, Any]  # shared by the table's checks (reconcile: one statement per entry)
    # the primary and unique keys the database enforces on a table (by name; reconcile's one pass)
    unique_keys: Callable[[str], Sequence[Sequence[str]]] = lambda table: ()
    # a statement's rows as dicts, () when it fails or samples are off (sample_limit 0)
    sample: Callable[[Any], tuple[dict[str, Any], ...]] = lambda stmt: ()


@dataclass
class ColumnScope:
    """One column spec being validated: the kind modules read their keys through this."""

    f: Source
    spec: YMap
    name: str
    type: str
    default: Severity

    @property
    def context(self) -> str:
        return f"in column {self.name!r}"

    def rule(self, key: str, value_key: str, check: Callable[[Any, int], Any]) -> Rule | None:
        """The key's value (bare or ``{value: ..., severity: ...}``) checked; None when absent."""
        if key not in self.spec:
            return None
        value, severity, line = unwrap(self.f, self.spec, key, value_key, self.default, self.context)
        checked = check(value, line)
        return None if checked is None else Rule(checked, severity, line)

    def flag(self, key: str) -> Rule | None:
        def check(value: Any, line: int) -> Any:
            if not isinstance(value, bool):
                raise self.f.fail(
                    line, f"{key!r} {self.context} must be true or false, got {describe(value)}"
                )
            return value

        return self.rule(key, "value", check)


@dataclass
class TableScope:
    """A contract's ``checks`` mapping (or a top-level list) being validated."""

    f: Source
    checks: YMap
    default: Severity
    column_names: set[str]
    column_types: Mapping[str, str] = field(default_factory=dict)  # of the columns that parsed

    def entry(self, key: str, allowed: tuple[str, ...]) -> tuple[YMap, str]:
        context = f"in checks.{key}"
        value = self.f.typed(self.checks, key, (dict,), "a mapping", "in checks")
        self.f.known_keys(value, allowed, context)
        return value, context

    def columns_exist(self, names: Iterable[str], line: int, what: str) -> None:
        for name in names:
            if name not in self.column_names:
                raise self.f.fail(
                    line,
                    f"{what} names column {name!r}, which is not in 'columns'"
                    f"{close_match(name, self.column_names)}",
                )


def _own_column(spec: Spec) -> list[tuple[str | None, Sequence[str]]]:
    return [(None, (spec.column,))] if spec.column else []


@dataclass(frozen=True)
class CheckKind:
    """Everything about one kind of check. ``None`` for a form means the kind has none."""

    name: str  # the kind in check ids: <schema>.<table>::<name>[<target>]
    summary: str  # one line for docs and ``etlq contract plan``
    plan: Callable[[Contract], Iterable[Entry]]
    describe: Callable[[Result, dict[str, Any]], str]  # the failure sentence, shared by every engine
    # contract keys it owns, and how they are validated
    column_keys: tuple[str, ...] = ()  # keys of a column spec
    per_value: bool = False  # its column keys compare single values: refused on array columns
    parse_column: Callable[[ColumnScope], dict[str, Rule]] | None = None  # -> Column.checks entries
    check_keys: tuple[str, ...] = ()  # keys under `checks:`
    parse_check: Callable[[TableScope, str], Any] | None = None  # -> Contract.checks[key]
    top_keys: tuple[str, ...] = ()  # top-level keys (reconcile)
    parse_top: Callable[[TableScope, YList], Any] | None = None  # -> the Contract field of that name
    # SQL: exactly one of condition (fused per-row count), scan (fused aggregate) or run (own statements)
    condition: Callable[[Spec, Any], Any] | None = None  # (spec, table) -> predicate TRUE on a failing row
    scan: Callable[[Spec, Any, int], list[Any]] | None = None  # (spec, table, i) -> labelled columns
    read_scan: Callable[[Spec, Mapping[str, Any], int], Found] | None = None
    run: Callable[[SetRun, Spec], Found] | None = None
    # (spec, found, the run's metrics history or None) -> found judged against the history (anomaly)
    judge: Callable[[Spec, Found, Any], Found] | None = None
    needs_total: bool = False  # run() wants the table's row count from the fused scan
    needs: Callable[[Spec], list[tuple[str | None, Sequence[str]]]] = _own_column  # (table|None=own, cols)
    aggregate: bool = False  # failing counts a difference or a 0/1 flag, not rows (completeness)
    # Great Expectations: gx(spec) -> Expectation, or no_gx says why there is none
    gx: Callable[[Spec], Any] | None = None
    no_gx: str = ""
    gx_counts: Callable[[Any, Mapping[str, Any]], tuple[int, Any]] | None = None  # (validation, result)
    # AWS Glue DQDL: the rule, or None for a check DQDL cannot state (reported as skipped)
    dqdl: Callable[[Spec, Contract], str | None] = lambda spec, contract: None
    # datagen: does a column declare it; what clean values must respect (ValueSpec fields)
    declared_on: Callable[[Column], bool] | None = None
    clean: Callable[[Column], dict[str, Any]] | None = None
    # datagen: (the column declaring it, the file's column) -> a raw text value that breaks the
    # check yet loads into the file's column (None: none fits); planted as defect
    # "<name>_violation" and expected to be caught by this check (datagen.defects.rule_violation)
    violate: Callable[[Column, Column], str | None] | None = None

    @property
    def sql_form(self) -> str:
        return "row" if self.condition else "scan" if self.scan else "set"
