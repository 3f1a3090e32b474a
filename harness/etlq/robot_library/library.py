"""The one keyword library class, composed of small mixins (one per area)."""

from __future__ import annotations

from pathlib import Path

from etlq.robot_library.checks import CheckKeywords
from etlq.robot_library.connection import ConnectionKeywords
from etlq.robot_library.drift import DriftKeywords
from etlq.robot_library.etl import EtlKeywords
from etlq.robot_library.reconcile import ReconcileKeywords
from etlq.robot_library.scenarios import ScenarioKeywords
from etlq.robot_library.state import LibraryState


class EtlqLibrary(
    ConnectionKeywords, EtlKeywords, CheckKeywords, ReconcileKeywords, DriftKeywords, ScenarioKeywords
):
    """Keywords over etlq: the warehouse, the ETL, contract checks, reconciliation, drift, scenarios.

    Rules come from the YAML contracts (``contracts=`` at import, default
    ``testdata/contracts``); a check is named by its id, ``<schema>.<table>::<kind>[<column>]``,
    as in ``etlq check`` and the pytest suites.

    = Assertion keywords =

    Every assertion keyword takes its subject, then ``expected`` when it compares a value, and
    ends with ``message=None``: a given ``message`` replaces the default failure text. The
    default texts are stable and tested word for word.

    = Example =

    | *** Settings ***
    | Library    etlq.robot_library.EtlqLibrary    contracts=testdata/contracts
    | Suite Setup    Connect To Warehouse    ${URL}
    |
    | *** Test Cases ***
    | Facts Match Their Contract
    |     Table Should Match Contract    gold.fact_orders
    |     Check Failing Count Should Be    gold.fact_orders::foreign_key[customer_id]    0
    |     Rows Should Reconcile    gold.fact_orders    source=silver.orders
    """

    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"
    ROBOT_LIBRARY_VERSION = "0.1.0"

    def __init__(self, contracts: str = "testdata/contracts", sample_limit: int = 20) -> None:
        """``contracts``: folder of contract YAML files; ``sample_limit``: failing rows logged per check."""
        self._state = LibraryState(Path(contracts), int(sample_limit))
        self.ROBOT_LIBRARY_LISTENER = _CloseAtEnd(self._state)


class _CloseAtEnd:
    """Library listener: when the run ends, close what a suite left open (a local warehouse's
    servers would otherwise keep the process alive)."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, state: LibraryState) -> None:
        self._state = state

    def close(self) -> None:
        self._state.close()
