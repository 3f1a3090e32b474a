"""The drift baseline: a schema per case with baseline.sql, and baseline.yml contracts for it."""

from __future__ import annotations

import itertools
from pathlib import Path

import yaml
from sqlalchemy import Engine

from etlq.contracts import Contract, load_contracts

HERE = Path(__file__).parent
_schemas = (f"drift_{n}" for n in itertools.count())


def baseline(engine: Engine, tmp_path: Path) -> tuple[str, list[Contract]]:
    """A fresh schema with the baseline tables, and the contracts that describe it exactly."""
    schema = next(_schemas) + "_" + tmp_path.name[-8:].replace("-", "_")
    with engine.begin() as conn:
        conn.exec_driver_sql((HERE / "baseline.sql").read_text().replace("__S__", schema))
    for doc in (HERE / "baseline.yml").read_text().replace("__S__", schema).split("\n---\n"):
        table = yaml.safe_load(doc)["table"].split(".", 1)[1]
        (tmp_path / schema).mkdir(exist_ok=True)
        (tmp_path / schema / f"{table}.yml").write_text(doc)
    return schema, load_contracts(tmp_path / schema)


def apply(engine: Engine, ddl: str, schema: str) -> None:
    if ddl:
        with engine.begin() as conn:
            conn.exec_driver_sql(ddl.replace("__S__", schema))
