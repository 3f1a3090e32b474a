"""What the scenario oracles compare: table snapshots of a database, and their differences.

A snapshot is every row of the contracts' tables as Python values (volatile or lineage columns
left out by ``schema.table.column`` globs). Scenario databases are small by design (a few
hundred rows per table), so rows are compared in Python, which gives a row-level diff for free;
the data-sized checks stay in the contracts' fused scans.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from etlq.verdicts import Verdict, failed, passed

SAMPLE = 3  # differing rows shown per table and side


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: Counter[tuple[Any, ...]]


Snapshot = Mapping[str, Table]


def snapshot(url: str, tables: Iterable[str], ignore: Sequence[str] = ()) -> dict[str, Table]:
    """Every row of each existing ``schema.table`` in ``tables``, without the ignored columns."""
    engine = create_engine(url, poolclass=NullPool)
    taken: dict[str, Table] = {}
    try:
        with engine.connect() as conn:
            for name in sorted(set(tables)):
                schema, _, table = name.partition(".")
                columns = (
                    conn.execute(
                        text(
                            "SELECT column_name FROM information_schema.columns "
                            "WHERE table_schema = :s AND table_name = :t ORDER BY ordinal_position"
                        ),
                        {"s": schema, "t": table},
                    )
                    .scalars()
                    .all()
                )
                kept = tuple(c for c in columns if not _ignored(f"{name}.{c}", ignore))
                if not kept:
                    continue
                quoted = ", ".join(f'"{c}"' for c in kept)
                rows = conn.execute(text(f'SELECT {quoted} FROM "{schema}"."{table}"'))
                taken[name] = Table(kept, Counter(tuple(r) for r in rows))
    finally:
        engine.dispose()
    return taken


def _ignored(column: str, globs: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(column, g) for g in globs)


def differences(before: Snapshot, after: Snapshot, tables: Iterable[str] | None = None) -> list[str]:
    """One block per table whose rows differ: counts and a sample of each side."""
    out = []
    names = sorted(set(before) | set(after)) if tables is None else sorted(tables)
    for name in names:
        a, b = before.get(name), after.get(name)
        if a is None or b is None:
            if a is not b:
                out.append(f"{name}: present on one side only")
            continue
        gone, new = a.rows - b.rows, b.rows - a.rows
        if not gone and not new:
            continue
        lines = [f"{name}: {sum(gone.values())} row(s) only before, {sum(new.values())} only after"]
        lines += [f"  - {_row(a.columns, r)}" for r in sorted(gone, key=repr)[:SAMPLE]]
        lines += [f"  + {_row(b.columns, r)}" for r in sorted(new, key=repr)[:SAMPLE]]
        out.append("\n".join(lines))
    return out


def _row(columns: Sequence[str], row: Sequence[Any]) -> str:
    return ", ".join(f"{c}={v!r}" for c, v in zip(columns, row, strict=True))


def same(what: str, before: Snapshot, after: Snapshot, tables: Iterable[str] | None = None) -> Verdict:
    diff = differences(before, after, tables)
    if diff:
        return failed(f"{what}:\n" + "\n".join(diff), tables=len(diff))
    return passed(f"{what}: every row identical")


def expected_rows(actual: Snapshot, expected: Mapping[str, Sequence[Mapping[str, Any]]]) -> Verdict:
    """Each expected table's rows (dicts over some of its columns) are exactly its rows in
    ``actual`` projected on those columns."""
    problems = []
    for name, rows in sorted(expected.items()):
        table = actual.get(name)
        if table is None:
            problems.append(f"{name}: not in the database")
            continue
        columns = tuple(rows[0]) if rows else table.columns
        missing = [c for c in columns if c not in table.columns]
        if missing:
            problems.append(f"{name}: expectation names columns the table lacks: {', '.join(missing)}")
            continue
        index = [table.columns.index(c) for c in columns]
        got: Counter[tuple[Any, ...]] = Counter()
        for row, times in table.rows.items():
            got[tuple(row[i] for i in index)] += times
        want = Counter(tuple(r[c] for c in columns) for r in rows)
        gone, extra = want - got, got - want
        if gone or extra:
            lines = [
                f"{name}: {sum(gone.values())} expected row(s) missing, {sum(extra.values())} unexpected"
            ]
            lines += [f"  expected {_row(columns, r)}" for r in sorted(gone, key=repr)[:SAMPLE]]
            lines += [f"  found    {_row(columns, r)}" for r in sorted(extra, key=repr)[:SAMPLE]]
            problems.append("\n".join(lines))
    if problems:
        return failed("gold differs from what the deliveries imply:\n" + "\n".join(problems))
    return passed(f"{len(expected)} table(s) as the deliveries imply")
