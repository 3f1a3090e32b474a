"""ETL test data and helpers: a canonical day of raw data that tests copy and change (moto's
builder style), SQL reads and gold checksums. Fixtures are in conftest.py."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fixtures.database import query  # noqa: F401  (re-exported for the tests here)

D1 = "2026-11-20"
D2 = "2026-11-21"
HEADERS = {
    "orders": "order_id,customer_id,status,amount,currency,order_date,event_ts",
    "customers": "customer_id,email,full_name,phone,country,segment,updated_at",
    "fx_rates": "as_of_date,currency,rate_to_usd",
}
# The canonical good day: order 1 has two events, 2 is in USD, 3 in GBP on an older day.
DAY: dict[str, tuple[str, ...]] = {
    "orders": (
        "1,10,PLACED,10.00,EUR,2026-11-19,2026-11-19T09:00:00Z",
        "1,10,PAID,10.00,EUR,2026-11-19,2026-11-19T10:00:00Z",
        "2,11,PAID,20.50,USD,2026-11-19,2026-11-19T11:00:00Z",
        "3,11,SHIPPED,7.25,GBP,2026-11-18,2026-11-18T12:00:00Z",
    ),
    "customers": (
        "10,ann@example.com,Ann Archer,+49 30 1234,DE,SMB,2026-11-01T00:00:00Z",
        "11,bob@example.com,Bob Brown,,US,CONSUMER,2026-11-02T00:00:00Z",
    ),
    "fx_rates": (
        "2026-11-19,EUR,1.08",
        "2026-11-18,GBP,1.27",
        "2026-11-19,GBP,1.26",
    ),
}
# A new order of customer 10, delivered on D2.
NEW_ORDER = "6,10,PLACED,1.00,USD,2026-11-19,2026-11-20T09:00:00Z"
WATERMARKS = "SELECT * FROM audit.watermarks ORDER BY 1, 2"
GOLD_KEYS = {
    "gold.dim_customers": "customer_id",
    "gold.dim_fx": "as_of_date, currency",
    "gold.fact_orders": "order_id",
    "gold.daily_revenue": "order_date",
}


def csv_text(source: str, rows: Sequence[str]) -> str:
    return "\n".join([HEADERS[source], *rows]) + "\n"


def execute(url: str, sql: str) -> None:
    query(url, sql)


def checksums(url: str) -> dict[str, str | None]:
    """md5 of every gold table's rows in key order: equal checksums = no row changed."""
    return {
        table: query(url, f"SELECT md5(string_agg(t::text, '|' ORDER BY {key})) FROM {table} t")[0][0]
        for table, key in GOLD_KEYS.items()
    }


class FakeS3:
    """Just enough of boto3's S3 client for ``etl.aws.iter_chunks``: the object in ``chunk``-byte pieces."""

    def __init__(self, data: bytes, chunk: int = 1 << 20) -> None:
        self.data, self.chunk = data, chunk

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803 (boto3's names)
        data, chunk = self.data, self.chunk

        class Body:
            def iter_chunks(self, _size: int) -> Iterator[bytes]:
                yield from (data[i : i + chunk] for i in range(0, len(data), chunk))

        return {"Body": Body()}
