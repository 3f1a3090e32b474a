"""Contract checks as pytest items: one parametrized item per ``CheckSpec``, id = the check id.

A table's checks share one fused scan: the first item of a table runs ``run_table`` for every
selected check of that table and caches the results for the session (per xdist worker; with
``--dist loadgroup`` all items of a table land on the same worker).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine

from etlq.checks.plan import plan_checks
from etlq.checks.results import CheckResult, CheckSpec
from etlq.checks.sql_engine import run_table
from etlq.contracts import Contract, load_contracts
from etlq.pytest_plugin.allure_labels import attach_result, label_check
from etlq.pytest_plugin.config import CONFIG_KEY, EtlqConfig
from etlq.pytest_plugin.outcome import record_warn
from etlq.verdicts.text import failure_text, headline
from etlq.warehouse import read_only

CHECK_FIXTURE = "etlq_check"
PLAN_KEY = pytest.StashKey["Plan"]()
# completeness: is everything there; quality: is what is there right.


@dataclass(frozen=True)
class Plan:
    contracts: dict[str, Contract]  # by schema.table
    specs: tuple[CheckSpec, ...]


def load_plan(config: EtlqConfig) -> Plan:
    """Contracts under ``config.contracts`` and every check they declare (``EtlqError`` if malformed)."""
    contracts = load_contracts(config.contracts)
    return Plan({c.table: c for c in contracts}, tuple(plan_checks(contracts)))


def session_plan(config: pytest.Config) -> Plan:
    """The session's plan, loaded once (at collection when a suite asks for ``etlq_check``)."""
    if PLAN_KEY not in config.stash:
        config.stash[PLAN_KEY] = load_plan(config.stash[CONFIG_KEY])
    return config.stash[PLAN_KEY]


def selected_specs(items: Iterable[pytest.Item]) -> dict[str, list[CheckSpec]]:
    """The checks this session runs, per table, in collection order (after -k/-m deselection)."""
    by_table: dict[str, list[CheckSpec]] = {}
    for item in items:
        callspec = getattr(item, "callspec", None)
        spec = callspec.params.get(CHECK_FIXTURE) if callspec is not None else None
        if isinstance(spec, CheckSpec) and spec not in by_table.setdefault(spec.table, []):
            by_table[spec.table].append(spec)
    return by_table


@dataclass
class TableResults:
    """Session cache: each table's selected checks run in one ``run_table`` call, on first use."""

    engine: Engine
    plan: Plan
    selected: dict[str, list[CheckSpec]]
    sample_limit: int = 20
    _done: dict[str, dict[str, CheckResult]] = field(default_factory=dict)

    def result(self, spec: CheckSpec) -> CheckResult:
        if spec.table not in self._done:
            self._done[spec.table] = {r.id: r for r in self._run(self.selected.get(spec.table) or [spec])}
        if spec.id not in self._done[spec.table]:  # not among the selected items (called directly)
            self._done[spec.table][spec.id] = self._run([spec])[0]
        return self._done[spec.table][spec.id]

    def _run(self, specs: list[CheckSpec]) -> list[CheckResult]:
        with read_only(self.engine) as conn:  # a contract expression must not write
            return run_table(conn, self.plan.contracts[specs[0].table], specs, sample_limit=self.sample_limit)


@dataclass(frozen=True)
class CheckUnderTest:
    """What a contract-check test receives: the spec, its result, and ``verify()``."""

    spec: CheckSpec
    result: CheckResult
    contract_path: Path | None
    warn_policy: str
    node: pytest.Item

    def verify(self) -> None:
        """Pass, WARN (warn severity, policy ``report``), skip (not evaluated) or fail with the rows."""
        __tracebackhide__ = True
        result = self.result
        label_check(result.id, result.table, result.kind, result.severity, self.contract_path)
        attach_result(result)  # the SQL always (what did this check run?), failing rows when any
        if result.outcome == "passed":
            return
        if result.outcome == "not_evaluated":
            pytest.skip(headline(result))
        if result.severity == "warn" and self.warn_policy != "fail":
            if self.warn_policy == "report":
                record_warn(self.node, failure_text(result))
            return
        pytest.fail(failure_text(result), pytrace=False)
