"""The shop world for check-engine tests: the same tables twice, ``good`` (clean) and ``bad``
(clean plus the defects of world/defects.sql), with contracts for both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import Connection, Engine, create_engine, text

from harness.contracts import Contract, load_contracts

WORLD = Path(__file__).parent / "world"


def sql_for(name: str, schema: str) -> str:
    return (WORLD / name).read_text().replace("__S__", schema)


def run_script(conn: Connection, sql: str) -> None:
    """A multi-statement script through the driver as-is (no parameter markers: % stays %)."""
    with conn.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(sql)


def write_contracts(root: Path, schema: str) -> Path:
    """world/contracts.yml split into ``root/<schema>/<table>.yml`` files."""
    for doc in (WORLD / "contracts.yml").read_text().replace("__S__", schema).split("\n---\n"):
        table = yaml.safe_load(doc)["table"]
        path = root / schema / f"{table.split('.', 1)[1]}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc)
    return root / schema


def expected_defects(schema: str) -> dict[str, int]:
    counts = yaml.safe_load((WORLD / "expected_defects.yml").read_text())
    return {f"{schema}.{check}": n for check, n in counts.items()}


@dataclass(frozen=True)
class Shop:
    url: str
    engine: Engine
    good: list[Contract]
    bad: list[Contract]


def build_shop(url: str, root: Path) -> Shop:
    engine = create_engine(url)
    with engine.begin() as conn:
        run_script(
            conn, sql_for("world.sql", "good") + sql_for("world.sql", "bad") + sql_for("defects.sql", "bad")
        )
        conn.execute(text("ANALYZE"))
    good = load_contracts(write_contracts(root, "good"))
    return Shop(url, engine, good, load_contracts(write_contracts(root, "bad")))
