"""A scenario's deliveries: datagen's rows for each run date plus the step's declared changes.

Each delivery is the raw files of one run date, built from the contracts by datagen (seeded
by scenario and step, so the same scenario gives the same bytes) and then changed as the step
declares (``etlq.scenarios.loader.CHANGES``), using the sources' roles from scenarios.yml. What
each change did (its keys and columns) goes into the delivery's manifest, so oracles and
expectations can be computed from the deliveries alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import tempfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from etlq.contracts import Contract
from etlq.errors import EtlqError
from etlq.pipeline import Pipeline
from etlq.scenarios.loader import Roles, Scenario, Settings, Step

Row = dict[str, str]


@dataclass
class Source:
    """One raw file of a delivery: its header and its records, values as written."""

    header: list[str]
    rows: list[Row]

    def render(self) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, self.header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue().encode("utf-8")


@dataclass
class Delivery:
    step: int
    run_date: dt.date
    sources: dict[str, Source]
    changes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)

    def manifest(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "run_date": self.run_date.isoformat(),
            "records": {name: len(s.rows) for name, s in self.sources.items()},
            "changes": self.changes,
            "edges": self.edges,
        }


def _seed(scenario: str, step: int, base: int) -> int:
    return zlib.crc32(f"{scenario}:{step}:{base}".encode()) & 0x7FFFFFFF


def generated(
    contracts: Sequence[Contract], pipeline: Pipeline, run_date: dt.date, rows: int, seed: int
) -> dict[str, Source]:
    """datagen's clean files for ``run_date``, read back as records."""
    from etlq.datagen.run import GenerateOptions, generate, pipeline_options

    with tempfile.TemporaryDirectory(prefix="etlq-scenario-") as out:
        options = GenerateOptions(
            out=out, rows=rows, seed=seed, run_date=run_date, **pipeline_options(pipeline)
        )
        result = generate(contracts, options)
        sources = {}
        for table in result.tables:
            with open(table.file, encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                sources[table.source] = Source(list(reader.fieldnames or ()), list(reader))
        return sources


class Builder:
    """Builds a scenario's deliveries in step order; remembers what was delivered."""

    def __init__(
        self,
        scenario: Scenario,
        settings: Settings,
        contracts: Sequence[Contract],
        pipeline: Pipeline,
        seed: int = 0,
    ) -> None:
        self.scenario, self.settings, self.pipeline, self.seed = scenario, settings, pipeline, seed
        self.contracts = list(contracts)
        self.staging = {c.raw_source: c for c in self.contracts if c.raw_source}
        self.delivered: list[Delivery] = []
        self._held: dict[str, list[Row]] = {}

    def build(self, step: Step) -> Delivery:
        assert step.run_date is not None
        rng = random.Random(_seed(self.scenario.name, step.number, self.seed))
        rows = step.rows or self.settings.rows
        sources = generated(
            self.contracts,
            self.pipeline,
            step.run_date,
            rows,
            _seed(self.scenario.name, step.number, self.seed),
        )
        if step.empty:
            sources = {name: Source(s.header, []) for name, s in sources.items()}
        delivery = Delivery(step.number, step.run_date, sources)
        for name, held in self._held.items():  # what the previous delivery held back arrives now
            source = delivery.sources[name]
            keys = {self._key(name, r) for r in held}
            source.rows = [r for r in source.rows if self._key(name, r) not in keys] + held
            delivery.changes.append(_entry("arrives", name, [self._key(name, r) for r in held], []))
        self._held = {}
        for kind, args in step.changes:
            getattr(self, f"_{kind}")(delivery, rng, args)
        for name, roles in sorted(self.settings.sources.items()):  # every delivery carries edge rows
            if roles.edges and name in delivery.sources and delivery.sources[name].rows:
                self._edges(delivery, rng, {"source": name, "count": roles.edges, "where": roles.edge_where})
        self.delivered.append(delivery)
        return delivery

    def redeliver(self, step: Step, earlier: Delivery) -> Delivery:
        """``earlier``'s run date delivered again, its own rows corrected as ``step`` declares; it
        replaces ``earlier`` (a rerun of a run date replaces that run date's staging)."""
        rng = random.Random(_seed(self.scenario.name, step.number, self.seed))
        sources = {n: Source(list(s.header), [dict(r) for r in s.rows]) for n, s in earlier.sources.items()}
        delivery = Delivery(step.number, earlier.run_date, sources)
        self.delivered = [d for d in self.delivered if d is not earlier]
        for kind, args in step.changes:
            getattr(self, f"_{kind}")(delivery, rng, args)
        self.delivered.append(delivery)
        return delivery

    # --- lookups over what was delivered ---------------------------------------------------

    def _roles(self, source: str) -> Roles:
        return self.settings.sources[source]

    def _key(self, source: str, row: Row) -> str:
        return "|".join(row[c] for c in self._roles(source).key)

    def _rows(self, source: str, delivery: Delivery, *, earlier_only: bool = False) -> list[Row]:
        done = [d for d in self.delivered if source in d.sources]
        rows = [r for d in done for r in d.sources[source].rows]
        return rows if earlier_only else rows + delivery.sources[source].rows

    def _entities(self, source: str, rows: list[Row], count: int, rng: random.Random, what: str) -> list[str]:
        keys = sorted({self._key(source, r) for r in rows})
        if len(keys) < count:
            raise EtlqError(
                f"{self.scenario.path}: {what}: asks for {count} {source} entities, {len(keys)} delivered",
                "lower count, or deliver more rows (rows:) first",
            )
        return rng.sample(keys, count)

    def _history(self, source: str, rows: list[Row], key: str) -> list[Row]:
        time = self._roles(source).time
        mine = [r for r in rows if self._key(source, r) == key]
        return sorted(mine, key=lambda r: _instant(r[time])) if time else mine

    def _other(self, source: str, column: str, current: str, rng: random.Random, delivery: Delivery) -> str:
        values = sorted({r[column] for r in self._rows(source, delivery)} - {current, ""})
        if not values:
            raise EtlqError(
                f"{self.scenario.path}: {source}.{column} has one value in the deliveries: none to change to",
                "deliver more rows (rows:)",
            )
        return rng.choice(values)

    # --- the changes --------------------------------------------------------------------------

    def _update(
        self, delivery: Delivery, rng: random.Random, args: Mapping[str, Any], revert: bool = False
    ) -> None:
        source, roles = args["source"], self._roles(args["source"])
        assert roles.time is not None
        columns = list(roles.vary if revert else args.get("columns") or roles.vary)
        earlier = self._rows(source, delivery, earlier_only=True)
        keys = self._entities(source, earlier, args["count"], rng, "update")
        for key in keys:
            history = self._history(source, self._rows(source, delivery), key)
            row = dict(history[-1])
            row[roles.time] = _later(row[roles.time], rng)
            if revert and len({tuple(r[c] for c in roles.vary) for r in history}) > 1:
                before = next(r for r in reversed(history) if any(r[c] != row[c] for c in roles.vary))
                row.update({c: before[c] for c in roles.vary})
            else:
                row.update({c: self._other(source, c, row[c], rng, delivery) for c in columns})
            delivery.sources[source].rows.append(row)
        delivery.changes.append(
            _entry("revert" if revert else "update", source, keys, [roles.time, *columns])
        )

    def _revert(self, delivery: Delivery, rng: random.Random, args: Mapping[str, Any]) -> None:
        self._update(delivery, rng, args, revert=True)

    def _late(self, delivery: Delivery, rng: random.Random, args: Mapping[str, Any]) -> None:
        source, roles = args["source"], self._roles(args["source"])
        assert roles.time is not None
        rows = self._delivered_on(args["for"], source)
        keys = self._entities(source, rows, args["count"], rng, "late")
        for key in keys:
            first = dict(self._history(source, self._rows(source, delivery), key)[0])
            first[roles.time] = _shift(first[roles.time], dt.timedelta(minutes=-rng.randint(1, 600)))
            first.update({c: self._other(source, c, first[c], rng, delivery) for c in roles.vary})
            delivery.sources[source].rows.append(first)
        delivery.changes.append(_entry("late", source, keys, [roles.time, *roles.vary]))

    def _move(self, delivery: Delivery, rng: random.Random, args: Mapping[str, Any]) -> None:
        source, roles = args["source"], self._roles(args["source"])
        assert roles.time is not None and roles.day is not None
        keys = self._entities(
            source, self._rows(source, delivery, earlier_only=True), args["count"], rng, "move"
        )
        for key in keys:
            row = dict(self._history(source, self._rows(source, delivery), key)[-1])
            row[roles.time] = _later(row[roles.time], rng)
            row[roles.day] = args["to"].isoformat()
            delivery.sources[source].rows.append(row)
        delivery.changes.append(_entry("move", source, keys, [roles.time, roles.day]))

    def _correct(self, delivery: Delivery, rng: random.Random, args: Mapping[str, Any]) -> None:
        source, roles = args["source"], self._roles(args["source"])
        rows = self._delivered_on(args["for"], source) if "for" in args else delivery.sources[source].rows
        keys = set(self._entities(source, rows, args["count"], rng, "correct"))
        kept = [r for r in delivery.sources[source].rows if self._key(source, r) not in keys]
        fixed = [dict(r) for r in rows if self._key(source, r) in keys]
        for row in fixed:
            row.update({c: self._other(source, c, row[c], rng, delivery) for c in roles.vary})
        delivery.sources[source].rows = kept + fixed
        delivery.changes.append(_entry("correct", source, sorted(keys), list(roles.vary)))

    def _duplicate(self, delivery: Delivery, rng: random.Random, args: Mapping[str, Any]) -> None:
        source, roles = args["source"], self._roles(args["source"])
        rows = delivery.sources[source].rows
        keys = self._entities(source, rows, args["count"], rng, "duplicate")
        for key in keys:
            row = dict(next(r for r in rows if self._key(source, r) == key))
            row.update({c: self._other(source, c, row[c], rng, delivery) for c in roles.vary})
            rows.append(row)  # a later line of the same delivery: it wins
        delivery.changes.append(_entry("duplicate", source, keys, list(roles.vary)))

    def _withhold(self, delivery: Delivery, rng: random.Random, args: Mapping[str, Any]) -> None:
        source = args["source"]
        rows = delivery.sources[source].rows
        keys = set(self._entities(source, rows, args["count"], rng, "withhold"))
        self._held[source] = [r for r in rows if self._key(source, r) in keys]
        delivery.sources[source].rows = [r for r in rows if self._key(source, r) not in keys]
        delivery.changes.append(_entry("withhold", source, sorted(keys), []))

    def _edges(self, delivery: Delivery, rng: random.Random, args: Mapping[str, Any]) -> None:
        source = args["source"]
        contract = self.staging.get(source)
        if contract is None:
            raise EtlqError(f"{self.scenario.path}: edges: no staging contract reads raw source {source!r}")
        roles = self._roles(source)
        rows = delivery.sources[source].rows
        where = {str(k): str(v) for k, v in (args.get("where") or {}).items()}
        chosen = [r for r in rows if all(r.get(k) == v for k, v in where.items())]
        keys = self._entities(source, chosen, args["count"], rng, "edges")
        # the boundary values the contract allows, one per column that has one
        values = {col.name: v for col in contract.columns if (v := edge_value(col)) is not None}
        values = {
            k: v for k, v in values.items() if k in delivery.sources[source].header and k not in roles.key
        }
        for key in keys:
            latest = self._history(source, self._rows(source, delivery), key)[-1]
            for row in (r for r in rows if self._key(source, r) == key):
                row.update(values)
                if roles.time:  # the edge row is the entity's latest: nothing supersedes it; and its
                    # time is written with an offset other than UTC (the same instant)
                    row[roles.time] = (
                        _instant(_later(latest[roles.time], rng)).astimezone(_OFFSET).isoformat()
                    )
            delivery.edges.append(
                {"source": source, "key": key, "key_columns": list(roles.key), "values": values}
            )
        delivery.changes.append(_entry("edges", source, keys, sorted(values)))

    def _delivered_on(self, day: dt.date, source: str) -> list[Row]:
        for d in self.delivered:
            if d.run_date == day:
                return d.sources[source].rows
        raise EtlqError(f"{self.scenario.path}: nothing was delivered on {day} before this step")


# A text that stresses a column: CSV quoting (quote, comma, newline), multibyte characters, and
# exactly the declared length; PostgreSQL counts characters, not bytes.
_EDGE_TEXT = 'Ærø "Ønë", O\'Brien 漢字\nÅ ß'


_OFFSET = dt.timezone(dt.timedelta(hours=-3, minutes=-30))


def edge_value(column: Any) -> str | None:
    """The boundary value of a staging column, as a raw file would carry it; None when the column
    has none etlq can derive safely (accepted values or a pattern restrict it, or it is optional)."""
    if column.origin == "etl" or column.accepted or column.pattern:
        return None
    size = column.max_length
    if size and str(column.type).startswith("character varying"):
        text = (_EDGE_TEXT * (size // len(_EDGE_TEXT) + 1))[:size]
        return text if text[-1].strip() else text[:-1] + "x"  # ingest trims the ends
    if str(column.type).startswith("numeric") and column.min is not None:
        return format(Decimal(str(column.min.value)), "f")
    return None


def _entry(kind: str, source: str, keys: list[str], columns: list[str]) -> dict[str, Any]:
    return {"kind": kind, "source": source, "keys": sorted(keys), "columns": columns}


def _instant(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _shift(value: str, by: dt.timedelta) -> str:
    return (_instant(value) + by).isoformat()


def _later(value: str, rng: random.Random) -> str:
    return _shift(value, dt.timedelta(minutes=rng.randint(1, 2880)))


def write_delivery(s3: Any, bucket: str, pipeline: Pipeline, delivery: Delivery) -> list[str]:
    """The delivery's files under the pipeline's landing prefixes (replacing what was there for
    that run date) plus its manifest; the keys written."""
    import json

    written = []
    for name, source in sorted(delivery.sources.items()):
        prefix = pipeline.raw_prefix(name, delivery.run_date)
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        for obj in listed:
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
        key = f"{prefix}{name}.csv"
        s3.put_object(Bucket=bucket, Key=key, Body=source.render())
        written.append(key)
    manifest = json.dumps(delivery.manifest(), indent=1, ensure_ascii=False).encode()
    s3.put_object(Bucket=bucket, Key=f"scenario/step={delivery.step}/manifest.json", Body=manifest)
    return written
