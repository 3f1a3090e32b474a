"""``etlq contract init``: draft contracts from a live schema (and, under ``x-datagen``, the type
facts ``etlq generate`` needs that the database enforces without a check).

From the catalog: types, nullability, primary key, foreign keys, unique keys. From the data
(one profiling scan per table, plus one for the accepted values): accepted values of
low-cardinality text columns and the observed min/max of numeric and date columns. The
drafts load with ``load_contracts`` and pass ``etlq check`` on the data they were drawn from;
a human then tightens them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import DOUBLE_PRECISION, Connection, Engine, case, cast, func, select, text
from sqlalchemy.exc import DBAPIError

from etlq.checks.sql_build import table_of
from etlq.connect import connected, db_reason
from etlq.contracts.types import is_numeric_type, is_text_type
from etlq.drift.catalog import LiveTable, read_catalog
from etlq.errors import EtlqError
from etlq.export.files import write_atomic

MAX_ACCEPTED = 20  # at most this many distinct values ...
MAX_DISTINCT_RATIO = 0.2  # ... and at most this share of the non-null rows, to count as a code list


class _Flow(list[Any]):
    """A list written inline: ``[a, b]``."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def _profile(conn: Connection, live: LiveTable, key_columns: set[str]) -> dict[str, Any]:
    """Row count, distinct counts of text columns, min/max of numeric and date columns: one scan."""
    t = table_of(live.table, live.column_names)
    cols: list[Any] = [func.count().label("rows")]
    plan: dict[str, list[str]] = {"distinct": [], "bounds": []}
    for i, col in enumerate(live.columns):
        if col.name in key_columns:
            continue
        if is_text_type(col.type):
            plan["distinct"].append(col.name)
            cols += [
                func.count(t.c[col.name].distinct()).label(f"d{i}"),
                func.count(t.c[col.name]).label(f"n{i}"),
            ]
        elif is_numeric_type(col.type) or col.type == "date":
            plan["bounds"].append(col.name)
            # a real's text form is rounded; its double value is exact and compares equal in PostgreSQL
            value = cast(t.c[col.name], DOUBLE_PRECISION) if col.type == "real" else t.c[col.name]
            low: Any = func.min(value)
            high: Any = func.max(value)
            if col.type == "date":  # psycopg2 reads 'infinity' as 9999-12-31, which 'infinity' exceeds
                low, high = case((func.isfinite(low), low)), case((func.isfinite(high), high))
            cols += [low.label(f"lo{i}"), high.label(f"hi{i}")]
    row = conn.execute(select(*cols).select_from(t)).one()._mapping
    index = {c.name: i for i, c in enumerate(live.columns)}
    coded = [
        c
        for c in plan["distinct"]
        if 0 < row[f"d{index[c]}"] <= MAX_ACCEPTED
        and row[f"d{index[c]}"] <= MAX_DISTINCT_RATIO * row[f"n{index[c]}"]
    ]
    accepted: dict[str, list[Any]] = {}
    if coded:
        aggregates = [
            func.array_agg(t.c[c].distinct()).filter(t.c[c].is_not(None)).label(f"v{index[c]}") for c in coded
        ]
        values = conn.execute(select(*aggregates).select_from(t)).one()._mapping
        accepted = {c: sorted(values[f"v{index[c]}"]) for c in coded}
    # an infinite or NaN extreme (SCD valid_to = 'infinity', a NaN reading) gets no bound on its side
    bounds = {
        c: tuple(v if _finite(v) else None for v in (row[f"lo{index[c]}"], row[f"hi{index[c]}"]))
        for c in plan["bounds"]
    }
    return {"rows": row["rows"], "accepted": accepted, "bounds": bounds}


def _finite(value: Any) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, float):
        return math.isfinite(value)
    return value is not None


def _number(value: Any, down: bool) -> Any:
    """A YAML-safe bound that still includes ``value`` (floats may round the wrong way)."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        if (Decimal(repr(as_float)) > value) if down else (Decimal(repr(as_float)) < value):
            as_float = math.nextafter(as_float, -math.inf if down else math.inf)
        return as_float
    return value


def _bound(value: Any, down: bool) -> Any:
    return value if isinstance(value, dt.date) else _number(value, down)


# one row per column: generated?, the labels of an enum (or of an array's enum element, or of a
# domain over an enum), a domain's base type and the CHECK constraints of the domain
_TYPE_FACTS = text(
    """
    SELECT a.attname, a.attgenerated <> '' AS generated,
           CASE WHEN d.typtype = 'd' THEN format_type(d.typbasetype, d.typtypmod) END AS base_type,
           ARRAY(SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k
                 WHERE k.contypid = d.oid AND k.contype = 'c' ORDER BY k.conname) AS checks,
           ARRAY(SELECT e.enumlabel::text FROM pg_enum e
                 WHERE e.enumtypid = CASE WHEN d.typtype = 'd' THEN d.typbasetype ELSE d.oid END
                 ORDER BY e.enumsortorder) AS labels
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_type d ON d.oid = CASE WHEN t.typelem <> 0 AND t.typlen = -1 AND t.typcategory = 'A'
                                   THEN t.typelem ELSE t.oid END
    WHERE n.nspname = :schema AND c.relname = :table AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum
    """
)
_PARTITIONS = text(
    """
    SELECT pg_get_partkeydef(c.oid) AS key,
           ARRAY(SELECT pg_get_expr(p.relpartbound, p.oid) FROM pg_inherits i
                 JOIN pg_class p ON p.oid = i.inhrelid WHERE i.inhparent = c.oid) AS bounds
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = :schema AND c.relname = :table AND c.relkind = 'p'
    """
)
_REGEX_CHECK = re.compile(r"^CHECK \(\(?VALUE ~ '((?:[^']|'')*)'::[a-z ]+\)?\)$")
_RANGE_KEY = re.compile(r'^RANGE \((?P<col>[a-z_][a-z0-9_$]*|"(?:[^"]|"")+")\)$')
_RANGE_BOUND = re.compile(r"^FOR VALUES FROM \((?P<lo>[^,]+)\) TO \((?P<hi>[^,]+)\)$")
# the largest value below an exclusive partition bound, by the key's type
_BELOW = {
    "date": "1 day",
    "timestamp without time zone": "1 microsecond",
    "timestamp with time zone": "1 microsecond",
}


def _type_facts(conn: Connection, live: LiveTable) -> dict[str, Any]:
    """What ``etlq generate`` needs and the database enforces by itself (so no check is drafted):
    generated columns, enum labels, a domain's base type and regex CHECK, partition key bounds."""
    schema, table = live.table.split(".", 1)
    hints: dict[str, dict[str, Any]] = {}
    for row in conn.execute(_TYPE_FACTS, {"schema": schema, "table": table}):
        hint: dict[str, Any] = {}
        if row.generated:  # GENERATED ALWAYS AS (...) STORED: PostgreSQL refuses a value for it
            hint["generated"] = True
        if row.labels:
            hint["labels"] = _Flow(row.labels)
        if row.base_type and not row.labels:
            hint["base_type"] = row.base_type
        for check in row.checks or ():
            match = _REGEX_CHECK.match(check)
            if match:
                hint["pattern"] = match.group(1).replace("''", "'")
                break
        if hint:
            hints[row.attname] = hint
    if live.kind == "partitioned table":
        _partition_bounds(conn, live, schema, table, hints)
    return {"hints": hints}


def _partition_bounds(
    conn: Connection, live: LiveTable, schema: str, table: str, hints: dict[str, dict[str, Any]]
) -> None:
    """A range partition key's [min, max] when the partitions cover one contiguous range."""
    row = conn.execute(_PARTITIONS, {"schema": schema, "table": table}).one_or_none()
    match = _RANGE_KEY.match(row.key) if row is not None else None
    if row is None or match is None or not row.bounds:
        return
    column = match.group("col")
    column = column[1:-1].replace('""', '"') if column.startswith('"') else column
    col = live.column(column)
    if col is None or col.type not in _BELOW and col.type not in {"smallint", "integer", "bigint"}:
        return
    ranges = []
    for bound in row.bounds:
        parts = _RANGE_BOUND.match(bound)
        if parts is None:  # a DEFAULT partition takes anything: no bound
            return
        ranges.append((parts.group("lo").strip(), parts.group("hi").strip()))
    below = f"- interval '{_BELOW[col.type]}'" if col.type in _BELOW else "- 1"
    values = []
    for lo, hi in ranges:
        ends: list[Any] = []
        for literal, step in ((lo, ""), (hi, below)):
            if literal in ("MINVALUE", "MAXVALUE"):
                ends.append(None)
                continue
            value = conn.execute(
                text(f"SELECT CAST(CAST(:v AS {col.type}) {step} AS {col.type})"), {"v": _unquote(literal)}
            )
            ends.append(value.scalar_one())
        values.append(tuple(ends))
    values.sort(key=lambda r: (r[0] is not None, r[0]))
    for (_, hi), (lo, _) in zip(values, values[1:], strict=False):
        if hi is None or lo is None or _next(hi, col.type) != lo:
            return  # a gap between partitions: min/max cannot say it
    low, high = values[0][0], values[-1][1]
    hint = hints.setdefault(column, {})
    if low is not None:
        hint["min"] = _iso(low)
    if high is not None:
        hint["max"] = _iso(high)


def _unquote(literal: str) -> str:
    return literal[1:-1].replace("''", "'") if literal.startswith("'") else literal


def _next(value: Any, pg_type: str) -> Any:
    if pg_type == "date":
        return value + dt.timedelta(days=1)
    if isinstance(value, dt.datetime):
        return value + dt.timedelta(microseconds=1)
    return value + 1


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def draft_contract(
    live: LiveTable,
    profile: dict[str, Any],
    facts: dict[str, Any] | None = None,
    anomalies: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The contract document (plain data) for one live table; ``anomalies``: a proposed
    ``checks.anomalies`` (``etlq.anomaly_propose``)."""
    schema = live.table.split(".", 1)[0]
    facts = facts or {}
    single_fk = {fk.columns[0]: fk for fk in live.foreign_keys if len(fk.columns) == 1}
    single_unique = {k[0] for k in live.unique_keys if len(k) == 1}
    doc: dict[str, Any] = {
        "table": live.table,
        "description": f"Drafted by etlq contract init from {schema}.",
    }
    if live.primary_key:
        doc["primary_key"] = _Flow(live.primary_key)
    columns: dict[str, Any] = {}
    for col in live.columns:
        spec: dict[str, Any] = {"type": col.type}
        if not col.nullable:
            spec["nullable"] = False
        if col.name in single_unique and (col.name,) != live.primary_key:
            spec["unique"] = True
        if col.name in profile["accepted"]:
            spec["accepted"] = _Flow(profile["accepted"][col.name])
        low, high = profile["bounds"].get(col.name, (None, None))
        if low is not None:
            spec["min"] = _bound(low, down=True)
        if high is not None:
            spec["max"] = _bound(high, down=False)
        if col.name in single_fk:
            fk = single_fk[col.name]
            spec["references"] = f"{fk.ref_table}.{fk.ref_columns[0]}"
        columns[col.name] = spec
    doc["columns"] = columns
    checks: dict[str, Any] = {}
    if profile["rows"]:
        checks["row_count"] = {"min": 1}
    compound_unique = [_Flow(k) for k in live.unique_keys if len(k) > 1]
    if compound_unique:
        checks["unique"] = compound_unique
    compound_fks = [fk for fk in live.foreign_keys if len(fk.columns) > 1]
    if compound_fks:
        checks["foreign_keys"] = [
            {"columns": _Flow(fk.columns), "references": f"{fk.ref_table}({', '.join(fk.ref_columns)})"}
            for fk in compound_fks
        ]
    if anomalies:
        checks["anomalies"] = {k: _Flow(v) if isinstance(v, list) else v for k, v in anomalies.items()}
    if checks:
        doc["checks"] = checks
    if facts.get("hints"):
        doc["x-datagen"] = facts["hints"]
    return doc


def render_contract(doc: dict[str, Any], origin: str) -> str:
    header = f"# Drafted by `etlq contract init` from {origin}. Review, tighten and commit.\n"
    return header + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


# relations drafted without being named: tables, and partitioned tables as one table
DRAFTED_KINDS = ("table", "partitioned table")


def _file_name_problem(name: str) -> str | None:
    if "/" in name or "\x00" in name or name.startswith("."):
        return "cannot be a file name"
    if "." in name:
        return "has a dot, which a contract's 'table: schema.table' cannot hold"
    return None


def _skip_reason(live: LiveTable, named: bool) -> str | None:
    problem = _file_name_problem(live.table.split(".", 1)[1])
    if problem is not None:
        return f"its name {problem}"
    if named or live.kind in DRAFTED_KINDS:
        return None
    if live.kind == "partition":
        return "a partition: the contract of its partitioned table covers its rows"
    return f"a {live.kind}: name it with --table to draft one"


def scaffold_contracts(
    bind: Engine | Connection | str,
    schema: str,
    out_dir: Path | str,
    *,
    tables: Iterable[str] = (),
    force: bool = False,
    on_skip: Callable[[str, str], None] | None = None,
    propose: Callable[[LiveTable], dict[str, Any] | None] | None = None,
) -> list[Path]:
    """Write ``<out_dir>/<schema>/<table>.yml`` for every table of ``schema`` (or only ``tables``).

    Tables and partitioned tables are drafted; partitions, views, materialized views and
    foreign tables only when named in ``tables``. ``on_skip(table, reason)`` hears about the
    rest. Existing files are kept unless ``force``; then nothing is written at all.
    ``propose(live)``: a ``checks.anomalies`` to draft for the table, or None.
    """
    problem = _file_name_problem(schema)
    if problem is not None:
        raise EtlqError(f"schema {schema!r} {problem}", "rename the schema, or write its contracts by hand")
    wanted = set(tables)
    with connected(bind) as conn:
        catalog = read_catalog(conn, schemas=[schema])
        lives = [t for name, t in sorted(catalog.items()) if not wanted or name.split(".", 1)[1] in wanted]
        missing = wanted - {t.table.split(".", 1)[1] for t in lives}
        if missing or not lives:
            what = f"table(s) {', '.join(sorted(missing))} in" if missing else "no tables in"
            raise EtlqError(f"{what} schema {schema!r}", "check --schema/--table (names are case-sensitive)")
        drafts: dict[Path, str] = {}
        for live in lives:
            name = live.table.split(".", 1)[1]
            reason = _skip_reason(live, name in wanted)
            if reason is not None:
                if name in wanted:
                    raise EtlqError(f"table {live.table!r}: {reason}", "write its contract by hand")
                if on_skip is not None:
                    on_skip(live.table, reason)
                continue
            keys = set(live.primary_key) | {c for fk in live.foreign_keys for c in fk.columns}
            keys |= {k[0] for k in live.unique_keys if len(k) == 1}
            try:
                with conn.begin_nested():  # a table we may not read must not abort the others
                    profile = _profile(conn, live, keys)
                    facts = _type_facts(conn, live)
            except DBAPIError as exc:
                if name in wanted:
                    reason = db_reason(exc)
                    raise EtlqError(f"cannot read {live.table}: {reason}", "grant SELECT on it") from None
                if on_skip is not None:
                    on_skip(live.table, f"cannot read it: {db_reason(exc)}")
                continue
            doc = draft_contract(live, profile, facts, propose(live) if propose else None)
            drafts[Path(out_dir) / schema / f"{name}.yml"] = render_contract(doc, live.table)
        conn.rollback()
    if not drafts:
        raise EtlqError(f"no tables to draft in schema {schema!r}", "name a view or partition with --table")
    existing = [p for p in drafts if p.exists()]
    if existing and not force:
        raise EtlqError(
            f"{existing[0]} already exists ({len(existing)} of {len(drafts)} files)",
            "pass --force to overwrite",
        )
    return [write_atomic(path, content) for path, content in drafts.items()]
