"""``sanitize()``: subset the source read-only, mask PII with a keyed HMAC, write, scan for leaks.

Order of work: resolve the key (no key, no run), read the catalog and decide the masking in
a read-only transaction, create the session's temp key tables, then in ONE repeatable-read,
read-only transaction select the subset and COPY it out (plus hashes of every known PII value
for the leak scan) to local spool files. Writing happens after the source is released: rows
are masked and scanned for leaks as they stream out; a target database gets DDL + COPY +
foreign keys in one transaction (rolled back on a leak), a directory gets CSV files (removed
on a leak) and ``sanitize-report.json``.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg2
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from etlq.connect import make_engine, open_connection, scrub
from etlq.contracts.model import Contract
from etlq.errors import EtlqError
from etlq.progress import Progress
from etlq.sanitize import output, subset
from etlq.sanitize.catalog import Catalog, TableInfo, TableRef, parse_table, read_catalog, scope
from etlq.sanitize.leakscan import KnownValues, Leak, TableScan, known_values_sql
from etlq.sanitize.mask import Masker, resolve_key
from etlq.sanitize.pii import MaskRule, plan_masking
from etlq.sanitize.rowmask import Owners, row_masker

REPORT = "sanitize-report.json"
_GRANT = "grant the --source-url user SELECT on every table in scope"
_TEMP = "grant the --source-url user TEMPORARY on the database (not on a hot standby: use a primary)"
_TARGET = "see --plan for the masking, and --keep or a contract's pii: tag to change it"


@dataclass(frozen=True)
class SanitizeOptions:
    source_url: str
    root: str
    target_url: str | None = None
    out: str | None = None
    where: str | None = None
    fraction: float | None = None
    contracts: Sequence[Contract] = ()
    children: bool = False
    plan_only: bool = False
    mask_secret_id: str | None = None
    keep: tuple[str, ...] = ()  # schema.table.column left unmasked on purpose (the leak scan still runs)
    progress: bool = False  # rows masked and written, on stderr (etlq.progress)


@dataclass(frozen=True)
class SanitizeReport:
    root: str
    tables: dict[str, int]  # table -> rows written (0 in a plan)
    masking: list[dict[str, str]]
    leaks: list[dict[str, Any]] = field(default_factory=list)
    read_only: bool = True
    written: bool = False
    destination: str | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.leaks else 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _finished(plan: SanitizeReport, leaks: Sequence[Leak], destination: str) -> SanitizeReport:
    """The plan's report after writing: written only when the leak scan found nothing."""
    return replace(plan, leaks=[asdict(x) for x in leaks], written=not leaks, destination=destination)


def sanitize(opts: SanitizeOptions) -> SanitizeReport:
    _validate(opts)
    masker = None if opts.plan_only else Masker(resolve_key(opts.mask_secret_id))
    source = make_engine(opts.source_url, option="--source-url")
    try:
        with open_connection(source, "--source-url") as conn:
            with _db_errors("--source-url: reading the catalog failed", _GRANT), conn.begin():
                read_only = _read_only(conn)
                catalog = read_catalog(conn)
                root = parse_table(opts.root, catalog)
                tables = scope(catalog, root, opts.children)
                rules = plan_masking(conn, catalog, tables, opts.contracts, opts.keep)
            masking = [
                {"table": str(r.table), "column": r.column, "method": r.method, "reason": r.reason}
                for r in rules
            ]
            if masker is None:
                return SanitizeReport(opts.root, {str(t): 0 for t in tables}, masking, read_only=read_only)
            with _db_errors("--source-url: creating the temporary key tables failed", _TEMP), conn.begin():
                keys = subset.create_key_tables(conn, catalog, tables)
            with tempfile.TemporaryDirectory(prefix="etlq-sanitize-") as spool:
                counts = _extract(conn, catalog, keys[root], keys, rules, opts, Path(spool))
                conn.close()  # the source is no longer needed while writing
                report = SanitizeReport(
                    opts.root, {str(t): counts[t] for t in tables}, masking, read_only=read_only
                )
                return _write(opts, catalog, tables, rules, masker, Path(spool), report)
    finally:
        source.dispose()


@contextmanager
def _db_errors(what: str, *fixes: str) -> Iterator[None]:
    """A database error (SQLAlchemy's, or psycopg2's own from COPY) as one line naming ``what``."""
    try:
        yield
    except (sa.exc.DBAPIError, psycopg2.Error) as exc:
        cause = getattr(exc, "orig", None) or exc
        reason = scrub((str(cause).strip().splitlines() or [type(cause).__name__])[0])
        raise EtlqError(f"{what}: {reason}", *fixes) from None


def _validate(opts: SanitizeOptions) -> None:
    if (opts.where is None) == (opts.fraction is None):
        raise EtlqError("give exactly one of --where SQL and --fraction F")
    if opts.fraction is not None and not 0 < opts.fraction <= 1:
        raise EtlqError(f"--fraction must be in (0, 1], got {opts.fraction}")
    if not opts.plan_only and (opts.target_url is None) == (opts.out is None):
        raise EtlqError("give exactly one of --target-url URL and --out DIR (or --plan)")


def _read_only(conn: sa.Connection) -> bool:
    """First statement of the transaction: a read-only snapshot. Returns what the server says."""
    conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
    return conn.exec_driver_sql("SELECT current_setting('transaction_read_only')").scalar() == "on"


def _sql(query: sa.Select) -> str:
    return str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def _extract(
    conn: sa.Connection,
    catalog: Catalog,
    root: subset.KeyTable,
    keys: dict[TableRef, subset.KeyTable],
    rules: list[MaskRule],
    opts: SanitizeOptions,
    spool: Path,
) -> dict[TableRef, int]:
    with conn.begin():
        _read_only(conn)
        selecting = f"--source-url: selecting rows of {root.ref} failed"
        try:
            with _db_errors(selecting, _GRANT):
                subset.seed_roots(conn, catalog, root, opts.where, opts.fraction)
        except EtlqError as exc:
            if opts.where is None:
                raise
            message = exc.what[len(selecting) + 2 :]
            raise EtlqError(
                f"--where {opts.where!r} failed on {root.ref}: {message}", "check the SQL predicate"
            ) from None
        with _db_errors("--source-url: following the foreign keys failed", _GRANT):
            subset.close_over_keys(conn, catalog, keys, opts.children)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        counts = {}
        for i, (ref, key) in enumerate(keys.items()):
            failed = f"--source-url: reading {ref} failed"
            with _db_errors(failed, _GRANT), open(spool / f"{i}.copy", "wb") as f:
                counts[ref] = subset.count_selected(conn, key)
                cursor.copy_expert(f"COPY ({_sql(subset.selected_rows(catalog, key))}) TO STDOUT", f)
        with (
            _db_errors("--source-url: hashing PII for the leak scan failed", _GRANT),
            open(spool / "pii.hashes", "wb") as handle,
        ):
            quote = conn.dialect.identifier_preparer.quote
            for rule in rules:  # dates collide with every other date; not identifying alone: None
                query = known_values_sql(catalog.tables[rule.table], rule, quote)
                if query is not None:
                    cursor.copy_expert(f"COPY ({query}) TO STDOUT", handle)
    return counts


def _counted(lines: Iterator[bytes], progress: Progress, every: int = 10_000) -> Iterator[bytes]:
    """``lines`` passed through, counted into ``progress`` every ``every`` rows."""
    pending = 0
    for line in lines:
        yield line
        pending += 1
        if pending == every:
            progress.update(pending)
            pending = 0
    progress.update(pending)


def _write(
    opts: SanitizeOptions,
    catalog: Catalog,
    tables: list[TableRef],
    rules: list[MaskRule],
    masker: Masker,
    spool: Path,
    report: SanitizeReport,
) -> SanitizeReport:
    infos = [catalog.tables[t] for t in tables]
    owners: Owners = {}
    with open(spool / "pii.hashes", "rb") as handle:
        known = KnownValues.load(handle)
    scans = [TableScan(known, info, rules) for info in infos]

    progress = Progress("sanitize", sum(report.tables.values()), enabled=opts.progress)

    def lines(i: int) -> Any:
        mask_row = row_masker(infos[i], rules, masker, owners, scans[i])
        masked = output.masked_lines(open(spool / f"{i}.copy", "rb"), mask_row)  # noqa: SIM115
        return _counted(masked, progress)

    if opts.target_url is not None:
        try:
            return _write_database(opts.target_url, catalog, infos, lines, scans, report)
        finally:
            progress.close()
    out = Path(opts.out or ".")
    written = []
    for i, info in enumerate(infos):
        path = output.table_file(out, info.ref)
        output.write_csv(path, info, lines(i))
        written.append(path)
    progress.close()
    leaks = [leak for scan in scans for leak in scan.leaks()]
    if leaks:
        for path in written:
            path.unlink(missing_ok=True)
    final = _finished(report, leaks, str(out))
    (out / REPORT).write_text(
        json.dumps(final.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return final


def _write_database(
    url: str,
    catalog: Catalog,
    infos: list[TableInfo],
    lines: Any,
    scans: list[TableScan],
    report: SanitizeReport,
) -> SanitizeReport:
    target = make_engine(url, option="--target-url")
    shown = sa.make_url(url).render_as_string(hide_password=True)
    try:
        with open_connection(target, "--target-url") as conn:
            existing = output.existing_tables(conn, [i.ref for i in infos])
            conn.rollback()
            if existing:
                raise EtlqError(
                    f"--target-url {shown} already has {', '.join(map(str, existing))}",
                    "sanitize into an empty database",
                    "drop those tables first",
                )
            scope_refs = {i.ref for i in infos}
            with conn.begin() as tx:  # an error rolls everything back: the target stays empty
                for info in infos:
                    with _db_errors(f"--target-url {shown}: creating {info.ref} failed", _TARGET):
                        output.create_table(conn, info)
                for i, info in enumerate(infos):
                    with _db_errors(f"--target-url {shown}: loading {info.ref} failed", _TARGET):
                        output.copy_in(conn, info, lines(i))
                for fk in catalog.foreign_keys:
                    if fk.child in scope_refs and fk.parent in scope_refs:
                        with _db_errors(f"--target-url {shown}: foreign key {fk.name} on {fk.child} failed"):
                            output.add_foreign_key(conn, fk)
                leaks = [leak for scan in scans for leak in scan.leaks()]
                if leaks:
                    tx.rollback()
                # else: committed when the block ends
    finally:
        target.dispose()
    return _finished(report, leaks, shown)
