"""The shop world for check-engine tests: the same tables twice, ``good`` (clean) and ``bad``
(clean plus the defects of world/defects.sql), with contracts for both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import Engine, create_engine

from etlq.contracts import Contract, load_contracts
from fixtures.database import query

WORLD = Path(__file__).parent / "world"


def sql_for(name: str, schema: str) -> str:
    return (WORLD / name).read_text().replace("__S__", schema)


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
    query(url, sql_for("world.sql", "good") + sql_for("world.sql", "bad") + sql_for("defects.sql", "bad"))
    query(url, "ANALYZE")
    good = load_contracts(write_contracts(root, "good"))
    return Shop(url, create_engine(url), good, load_contracts(write_contracts(root, "bad")))
