"""What the keyword mixins share: the connection, the contracts, a local warehouse if one was built."""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from etlq.contracts import Contract, load_contracts
from etlq.local import LocalServices
from etlq.scenarios.runner import ScenarioRun
from etlq.warehouse import Warehouse


class KeywordError(RuntimeError):
    """A keyword used wrongly (unknown table or check, no connection): Robot shows just the message."""

    ROBOT_SUPPRESS_NAME = True


def fail(default: str, message: str | None) -> AssertionError:
    """The assertion every keyword raises: ``message`` replaces the default text when given."""
    return AssertionError(message if message else default)


@dataclass
class LibraryState:
    contracts_path: Path
    sample_limit: int = 20
    warehouse: Warehouse | None = None
    services: LocalServices | None = None  # the local servers of Set Up Local Warehouse
    scenario_runs: dict[str, ScenarioRun] = field(default_factory=dict)
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _contracts: dict[str, Contract] | None = None

    @property
    def connected(self) -> Warehouse:
        if self.warehouse is None:
            raise KeywordError(
                "not connected to a warehouse: use Connect To Warehouse or Set Up Local Warehouse first"
            )
        return self.warehouse

    @property
    def engine(self) -> Engine:
        return self.connected.engine

    @property
    def run_date(self) -> dt.date:
        return self.warehouse.run_date if self.warehouse else dt.datetime.now(dt.UTC).date()

    def contracts(self) -> dict[str, Contract]:
        if self._contracts is None:
            self._contracts = {c.table: c for c in load_contracts(self.contracts_path)}
        return self._contracts

    def contract(self, table: str) -> Contract:
        contracts = self.contracts()
        if table not in contracts:
            hint = difflib.get_close_matches(table, contracts, n=1)
            suffix = f"; did you mean {hint[0]}?" if hint else ""
            raise KeywordError(f"no contract for table {table} under {self.contracts_path}{suffix}")
        return contracts[table]

    def close(self) -> None:
        self.stack.close()
        self.stack = contextlib.ExitStack()
        self.warehouse = None
        self.services = None
        self.scenario_runs = {}


def as_date(value: str | dt.date | None, default: dt.date) -> dt.date:
    if value in (None, "", "today"):
        return default
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise KeywordError(f"run date {value!r} is not a date: use YYYY-MM-DD") from None
