"""The raw sources: their CSV columns, how each value is typed, and the staging table they load.

Columns here are in the staging table's order; a raw file's header may list them in any order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from etl import parsing
from etl.errors import EtlInputError
from etl.parsing import FieldError

ORDER_STATUSES = ("PLACED", "PAID", "SHIPPED", "CANCELLED")
LINEAGE_COLUMNS = ("run_date", "source_file", "source_line", "loaded_at")


@dataclass(frozen=True)
class Field:
    name: str
    parse: parsing.Parser
    required: bool = True


@dataclass(frozen=True)
class Source:
    name: str  # the raw landing source: s3://<bucket>/raw/<name>/run_date=D/*.csv
    fields: tuple[Field, ...]

    @property
    def table(self) -> str:
        return f"staging.{self.name}"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def header_index(self, header: Sequence[str], file_uri: str) -> list[int]:
        """Position of each of our columns in the file's header; the header must name exactly them."""
        names = [h.strip().lower() for h in header]
        expected = ",".join(self.columns)
        problems = []
        if missing := [c for c in self.columns if c not in names]:
            problems.append(f"lacks {', '.join(missing)}")
        if extra := [n for n in names if n not in self.columns]:
            problems.append(f"has unexpected {', '.join(repr(n) for n in extra)}")
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"repeats {', '.join(dupes)}")
        if problems:
            raise EtlInputError(
                f"{file_uri}:1: header {'; '.join(problems)} (expected {expected})",
                f"fix the {self.name} extract so its header is {expected}",
            )
        return [names.index(c) for c in self.columns]

    def type_record(self, index: Sequence[int], fields: Sequence[str]) -> list[str | None]:
        """Typed values in column order, or ``FieldError`` naming the first thing wrong."""
        if len(fields) != len(self.fields):
            what = "blank line" if not fields else f"{len(fields)} fields"
            raise FieldError("ragged_row", f"ragged row: {what}, expected {len(self.fields)}")
        values: list[str | None] = []
        for i, field in enumerate(self.fields):
            raw = fields[index[i]].strip()
            if not raw:
                if field.required:
                    raise FieldError("missing_value", "required value is empty", field.name)
                values.append(None)
                continue
            try:
                values.append(field.parse(raw))
            except FieldError as exc:
                exc.column = field.name
                raise
        return values


ORDERS = Source(
    "orders",
    (
        Field("order_id", parsing.bigint),
        Field("customer_id", parsing.bigint),
        Field("status", parsing.one_of(ORDER_STATUSES, "unknown_status", "status")),
        Field("amount", parsing.decimal(18, 2, ">=0", "negative_amount")),
        Field("currency", parsing.code(3, "bad_currency", "currency")),
        Field("order_date", parsing.iso_date),
        Field("event_ts", parsing.timestamp_tz),
    ),
)

CUSTOMERS = Source(
    "customers",
    (
        Field("customer_id", parsing.bigint),
        Field("email", parsing.text(254)),
        Field("full_name", parsing.text(200)),
        Field("phone", parsing.text(32), required=False),
        Field("country", parsing.code(2, "bad_country", "country")),
        Field("segment", parsing.text(32), required=False),
        Field("updated_at", parsing.timestamp_tz),
    ),
)

FX_RATES = Source(
    "fx_rates",
    (
        Field("as_of_date", parsing.iso_date),
        Field("currency", parsing.code(3, "bad_currency", "currency")),
        Field("rate_to_usd", parsing.decimal(18, 8, ">0", "nonpositive_rate")),
    ),
)

SOURCES: tuple[Source, ...] = (ORDERS, CUSTOMERS, FX_RATES)
SOURCES_BY_NAME = {s.name: s for s in SOURCES}
