"""The bad-input corpus (``testdata/bad_inputs/``) as a kill suite for the ingest's SQL.

A corpus folder holds bad raw files, ``manifest.yml`` saying what ingest must do with each, and
``clean/<source>.csv``: a small clean day of every source, landed beside a bad file (ingest
needs every source of a run date). A file's source is the clean source its name starts with
(``orders_bad_dates.csv``: ``orders``). A manifest entry is either

- ``refused: <text>``: the run stops with one of the pipeline's errors, one line containing the
  text and the file's name; nothing staged or quarantined; or
- ``staged: N``, ``quarantined: {reason_code: N}`` (default none), ``values: {column: [...]}``
  (what a column was staged as, ``::text``, in line order) and ``columns: {column: N}`` (the
  quarantined records per column their reason names, ``~`` for none; unchecked when absent):
  every record of the file accounted for; every record of a clean file staged.

A run date holds corpus files (several files of one source are read one after another, each
with its own lines and quarantine), and every source without one gets its clean file.
Outcomes are compared per file, through the pipeline's lineage columns (``Pipeline.lineage``:
which columns hold the run date, the file and the line).

``BadInputKiller`` runs the corpus through a mutant of an ``ingest.*`` statement: landed once in
the lab's raw bucket, every accepted file together under one run date (one ingest sees them all)
and each refused file under one of its own (a refused file stops the whole run); each mutant
ingests those run dates into one fresh copy of the ``base`` template, until the first
difference. The reliability suite (tests/reliability/test_bad_inputs.py) runs each file alone,
as the manifest describes it, with the same code on the unmutated ETL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Text, cast, column, create_engine, func, select, table
from sqlalchemy.pool import NullPool

from etlq import aws
from etlq.contracts import Contract
from etlq.errors import EtlqError
from etlq.mutate.killers import BASE, Lab
from etlq.pipeline import Pipeline

MANIFEST = "manifest.yml"
CLEAN = "clean"  # the sub-folder of the clean day: <source>.csv
CLEAN_FILE = "part-0.csv"  # the clean files' name in the landing zone
FIRST_DAY = dt.date(2099, 1, 1)  # the killer's run dates: FIRST_DAY, the day after...
DEFAULT_FOLDER = Path("testdata/bad_inputs")


@dataclass(frozen=True)
class BadInput:
    """One corpus file and the outcome the manifest gives it."""

    file: str
    source: str
    refused: str | None = None
    staged: int = 0
    quarantined: Mapping[str, int] = field(default_factory=dict)
    values: Mapping[str, tuple[str | None, ...]] = field(default_factory=dict)  # ~: NULL
    columns: Mapping[str | None, int] | None = None  # quarantined per column named (None: none)

    @property
    def id(self) -> str:
        return self.file.removesuffix(".csv")


@dataclass(frozen=True)
class Corpus:
    folder: Path
    cases: tuple[BadInput, ...]
    clean: Mapping[str, bytes]  # source -> its clean day's file

    def body(self, case: BadInput) -> bytes:
        return (self.folder / case.file).read_bytes()


def _problem(path: Path, where: str, what: str) -> EtlqError:
    return EtlqError(f"{path}: {where}: {what}", "see etlq/mutate/bad_inputs.py for the manifest's format")


def _case(path: Path, index: int, entry: Any, sources: Sequence[str]) -> BadInput:
    where = f"entry {index + 1}"
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        raise _problem(path, where, "must be a mapping with a file name (file: ...)")
    name, where = entry["file"], f"entry {index + 1} ({entry['file']})"
    unknown = sorted(set(entry) - {"file", "refused", "staged", "quarantined", "values", "columns"})
    if unknown:
        raise _problem(path, where, f"unknown key(s) {', '.join(unknown)}")
    source = max((s for s in sources if name.startswith(s + "_")), key=len, default=None)
    if source is None:
        raise _problem(path, where, f"names no source: its name must start with one of {', '.join(sources)}_")
    if ("refused" in entry) == ("staged" in entry):
        raise _problem(path, where, "needs exactly one of refused: <text> or staged: <count>")
    if "refused" in entry:
        if not isinstance(entry["refused"], str) or set(entry) != {"file", "refused"}:
            raise _problem(path, where, "refused: takes a text and nothing else beside it")
        return BadInput(name, source, refused=entry["refused"])
    quarantined, values = entry.get("quarantined", {}), entry.get("values", {})
    counts = [entry["staged"], *(quarantined.values() if isinstance(quarantined, dict) else ())]
    if not isinstance(quarantined, dict) or not all(isinstance(n, int) and n >= 0 for n in counts):
        raise _problem(path, where, "staged and quarantined counts must be whole numbers >= 0")
    if not isinstance(values, dict) or not all(isinstance(v, list) for v in values.values()):
        raise _problem(path, where, "values: maps a column to the list of its staged values")
    columns = entry.get("columns")
    if columns is not None and not (
        isinstance(columns, dict)
        and all(isinstance(n, int) and n >= 0 for n in columns.values())
        and sum(columns.values()) == sum(quarantined.values())
    ):
        raise _problem(path, where, "columns: maps a column (~: none) to counts adding up to quarantined's")
    return BadInput(
        name,
        source,
        staged=entry["staged"],
        quarantined={str(code): n for code, n in quarantined.items()},
        values={str(c): tuple(None if v is None else str(v) for v in vs) for c, vs in values.items()},
        columns=None if columns is None else {None if c is None else str(c): n for c, n in columns.items()},
    )


def load_corpus(folder: Path) -> Corpus:
    """The corpus in ``folder``; a missing or malformed manifest, file or clean day raises a
    one-line ``EtlqError``."""
    path = folder / MANIFEST
    clean = {p.stem: p.read_bytes() for p in sorted((folder / CLEAN).glob("*.csv"))}
    if not path.is_file():
        raise EtlqError(f"{folder}: no {MANIFEST}", "pass the bad-input corpus folder (--bad-inputs DIR)")
    if not clean:
        raise EtlqError(f"{folder}: no clean day ({CLEAN}/<source>.csv)", "add one clean file per source")
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EtlqError(f"{path} cannot be read: {' '.join(str(exc).split())}") from None
    if not isinstance(entries, list) or not entries:
        raise _problem(path, "top level", "must be a list of entries (- file: ...)")
    cases = tuple(_case(path, i, entry, list(clean)) for i, entry in enumerate(entries))
    names = [c.file for c in cases]
    if dupes := sorted({n for n in names if names.count(n) > 1}):
        raise _problem(path, "files", f"listed more than once: {', '.join(dupes)}")
    if absent := [n for n in names if not (folder / n).is_file()]:
        raise _problem(path, "files", f"not in the folder: {', '.join(absent)}")
    return Corpus(folder, cases, clean)


@dataclass(frozen=True)
class Day:
    """Corpus files landed for one run date: ``cases`` by their ``s3://`` URI, and the clean
    file (URI, records) of every source with no case that day."""

    day: dt.date
    cases: Mapping[str, BadInput]
    clean: Mapping[str, tuple[str, int]]

    @property
    def refused(self) -> BadInput | None:
        return next((c for c in self.cases.values() if c.refused is not None), None)


def _records(body: bytes) -> int:
    return max(sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))) - 1, 0)


def land(
    s3: Any, bucket: str, pipeline: Pipeline, corpus: Corpus, cases: Sequence[BadInput], day: dt.date
) -> Day:
    """``cases`` as the files of ``day`` (a refused one must be alone: it stops the run), every
    other source its clean file."""
    if len(cases) > 1 and any(c.refused is not None for c in cases):
        raise ValueError("a refused file stops the run: land it alone")
    landed, clean = {}, {}
    for case in cases:
        key = pipeline.raw_prefix(case.source, day) + case.file
        s3.put_object(Bucket=bucket, Key=key, Body=corpus.body(case))
        landed[f"s3://{bucket}/{key}"] = case
    for source, body in corpus.clean.items():
        if all(c.source != source for c in cases):
            key = pipeline.raw_prefix(source, day) + CLEAN_FILE
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            clean[source] = (f"s3://{bucket}/{key}", _records(body))
    return Day(day, landed, clean)


def staging_tables(contracts: Sequence[Contract], sources: Sequence[str]) -> dict[str, Contract]:
    """The staging contract of every source (``raw: {source: ...}``)."""
    found = {c.raw_source: c for c in contracts if c.raw_source}
    if missing := [s for s in sources if s not in found]:
        raise EtlqError(
            f"the bad-input corpus has source(s) no contract loads: {', '.join(missing)}",
            "declare raw: {source: <name>} in the staging table's contract",
        )
    return {s: found[s] for s in sources}


@dataclass(frozen=True)
class Lineage:
    """The staging columns holding a row's run date, file (s3 URI) and line."""

    run_date: str
    file: str
    line: str

    @classmethod
    def of(cls, pipeline: Pipeline) -> Lineage:
        day, uri, line = FIRST_DAY, "s3://etlq-probe/raw/probe.csv", 987654321
        values = pipeline.lineage(day, uri, line)
        named = [next((k for k, v in values.items() if v == want), None) for want in (day, uri, line)]
        if None in named:
            raise EtlqError(
                f"pipeline {pipeline.name}: its lineage columns {sorted(values)} do not say which holds"
                " the run date, the file and the line",
                "return them from Pipeline.lineage(run_date, source_file, line)",
            )
        return cls(*(str(n) for n in named))


def _staged(
    url: str, tables: Mapping[str, Contract], lineage: Lineage, day: Day
) -> tuple[Counter[str], dict[tuple[str, str], list[str | None]]]:
    """Rows of ``day`` per file, and each case's columns as staged (``::text``, in line order)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            counts: Counter[str] = Counter()
            for contract in tables.values():
                t = table(
                    contract.name, column(lineage.run_date), column(lineage.file), schema=contract.schema
                )
                per_file = select(t.c[lineage.file], func.count()).where(t.c[lineage.run_date] == day.day)
                counts.update({f: int(n) for f, n in conn.execute(per_file.group_by(t.c[lineage.file]))})
            values: dict[tuple[str, str], list[str | None]] = {}
            for uri, case in day.cases.items():
                contract = tables[case.source]
                t = table(
                    contract.name, column(lineage.run_date), column(lineage.file), schema=contract.schema
                )
                of_file = (t.c[lineage.run_date] == day.day) & (t.c[lineage.file] == uri)
                for name in case.values:
                    staged = select(cast(column(name), Text)).select_from(t).where(of_file)
                    values[uri, name] = [v for (v,) in conn.execute(staged.order_by(column(lineage.line)))]
            return counts, values
    finally:
        engine.dispose()


def _shown(values: Sequence[Any]) -> str:
    text = repr(list(values))
    return text if len(text) <= 120 else text[:117] + "..."


def check(
    pipeline: Pipeline,
    url: str,
    day: Day,
    tables: Mapping[str, Contract],
    lineage: Lineage,
    ingest: Callable[[], Any],
) -> list[str]:
    """What differs from the manifest when ``ingest()`` ingests the landed ``day`` into ``url``:
    one line per difference, naming the file. An error the pipeline does not raise on purpose
    propagates (the runner classifies it)."""
    try:
        ingest()
        error = None
    except pipeline.errors as exc:
        error = str(exc)
    counts, values = _staged(url, tables, lineage, day)
    records = pipeline.quarantined_records(url, day.day)
    refused = day.refused
    if refused is not None:
        if error is None:
            return [f"{refused.file}: ingested, expected refused with {refused.refused!r}"]
        if (refused.refused or "") not in error or refused.file not in error or "\n" in error:
            return [f"{refused.file}: refused with {error!r}, expected one line with {refused.refused!r}"]
        if left := sum(counts.values()) + len(records):
            return [f"{refused.file}: refused, but {left} row(s) staged or quarantined on {day.day}"]
        return []
    if error is not None:
        return [f"{len(day.cases)} file(s) on {day.day}: refused: {error}"]
    reasons: dict[str, Counter[str]] = {}
    named: dict[str, Counter[str | None]] = {}
    for record in records:
        reasons.setdefault(str(record["file"]), Counter())[str(record["reason"])] += 1
        named.setdefault(str(record["file"]), Counter())[record.get("column")] += 1
    failures = []
    for uri, case in day.cases.items():
        if counts[uri] != case.staged:
            failures.append(f"{case.file}: staged {counts[uri]}, expected {case.staged}")
        got, wanted = dict(sorted(reasons.get(uri, {}).items())), dict(sorted(case.quarantined.items()))
        if got != wanted:
            failures.append(f"{case.file}: quarantined {got}, expected {wanted}")
        if case.columns is not None and named.get(uri, Counter()) != Counter(case.columns):
            by_column = dict(named.get(uri, {}))
            failures.append(f"{case.file}: quarantined per column {by_column}, expected {dict(case.columns)}")
        for name, expected in case.values.items():
            if values[uri, name] != list(expected):
                shown = f"{_shown(values[uri, name])}, expected {_shown(expected)}"
                failures.append(f"{case.file}: {name} staged as {shown}")
    for source, (uri, n) in day.clean.items():
        if counts[uri] != n or uri in reasons:
            got = dict(reasons.get(uri, {}))
            failures.append(f"clean {source} file: staged {counts[uri]} of {n}, quarantined {got}")
    if stray := sorted({*counts, *reasons} - set(day.cases) - {u for u, _ in day.clean.values()}):
        failures.append(f"{day.day}: rows staged or quarantined from files not landed: {', '.join(stray)}")
    return failures


@dataclass
class BadInputKiller:
    """The corpus through the mutated ingest, until the first difference from the manifest."""

    corpus: Corpus
    tables: Mapping[str, Contract]  # source -> its staging table's contract
    name: str = "bad inputs"
    _landed: dict[str, list[Day]] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def from_folder(cls, folder: Path, contracts: Sequence[Contract]) -> BadInputKiller:
        corpus = load_corpus(folder)
        return cls(corpus, staging_tables(contracts, list(corpus.clean)))

    def sees(self, stage: str) -> bool:
        return stage == "ingest"

    def days(self, lab: Lab, pipeline: Pipeline) -> list[Day]:
        """The corpus landed in ``lab``'s raw bucket (once per bucket): the accepted files on
        ``FIRST_DAY``, each refused file on a day of its own after it."""
        accepted = [c for c in self.corpus.cases if c.refused is None]
        groups = [accepted, *([c] for c in self.corpus.cases if c.refused is not None)]
        dates = [FIRST_DAY + dt.timedelta(days=i) for i in range(len(groups))]
        if clash := sorted(set(dates) & set(lab.run_dates)):
            raise EtlqError(f"the bad-input corpus's run dates include the lab's run date {clash[0]}")
        with self._lock:
            if lab.raw_bucket not in self._landed:
                s3 = aws.client("s3", os.environ.get("AWS_ENDPOINT_URL"))
                self._landed[lab.raw_bucket] = [
                    land(s3, lab.raw_bucket, pipeline, self.corpus, group, day)
                    for group, day in zip(groups, dates, strict=True)
                    if group
                ]
            return self._landed[lab.raw_bucket]

    def run(self, lab: Lab, pipeline: Pipeline, options: Mapping[str, Any]) -> list[str]:
        days, lineage = self.days(lab, pipeline), Lineage.of(pipeline)
        url = lab.fresh(BASE)
        for day in days:
            ingest = partial(pipeline.ingest, url, day.day, raw_bucket=lab.raw_bucket, options=options)
            failures = check(pipeline, url, day, self.tables, lineage, ingest)
            if failures:
                return failures
        return []
