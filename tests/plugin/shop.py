"""The one canonical test world of the plugin and Robot self-tests: ``shop.orders`` and its contract.

Rows are built to fail known checks: a status outside the accepted list (error severity) and
a negative amount (warn severity).
"""

from __future__ import annotations

from pathlib import Path

from fixtures.database import query

CONTRACT = """\
table: shop.orders
primary_key: [order_id]
columns:
  order_id: {type: bigint, nullable: false}
  status: {type: text, accepted: [PAID, SHIPPED]}
  amount:
    type: numeric(10,2)
    min: {value: 0, severity: warn}
checks:
  row_count: {min: 1}
"""

# A staging table loaded from the raw source ``orders`` (raw files reconciliation).
RAW_CONTRACT = """\
table: staging.orders
raw: {source: orders}
columns:
  order_id: {type: bigint}
  run_date: {type: date}
"""

ROWS = [  # order_id, status, amount
    (1, "PAID", "10.00"),
    (2, "SHIPPED", "20.00"),
    (3, "paid", "30.00"),
    (4, "LOST", "40.00"),
    (5, "PAID", "-5.00"),
]

CHECK_IDS = [
    "shop.orders::row_count",
    "shop.orders::unique[order_id]",
    "shop.orders::not_null[order_id]",
    "shop.orders::accepted_values[status]",
    "shop.orders::range[amount]",
]


def create_shop(url: str) -> None:
    """``shop.orders`` with ``ROWS`` in the (empty) database at ``url``."""
    query(
        url,
        "CREATE SCHEMA shop;"
        " CREATE TABLE shop.orders (order_id bigint PRIMARY KEY, status text, amount numeric(10,2));"
        " INSERT INTO shop.orders VALUES " + ", ".join(["(%s, %s, CAST(%s AS numeric))"] * len(ROWS)),
        [value for row in ROWS for value in row],
    )


def write_contract(folder: Path) -> Path:
    """``<folder>/shop/orders.yml``; returns ``folder``."""
    (folder / "shop").mkdir(parents=True)
    (folder / "shop" / "orders.yml").write_text(CONTRACT)
    return folder
