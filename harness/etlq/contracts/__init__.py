"""Data contracts: the one place a rule lives (see docs/contracts.md)."""

from etlq.contracts.graph import contract_files, load_contracts, order_parents_first, parents_of
from etlq.contracts.loader import load_contract, parse_contract
from etlq.contracts.model import (
    SEVERITIES,
    Column,
    Contract,
    ExpressionRule,
    ForeignKey,
    Reconcile,
    Rule,
    Severity,
)
from etlq.contracts.types import normalize_type, parse_duration

__all__ = [
    "SEVERITIES",
    "Column",
    "Contract",
    "ExpressionRule",
    "ForeignKey",
    "Reconcile",
    "Rule",
    "Severity",
    "contract_files",
    "load_contract",
    "load_contracts",
    "normalize_type",
    "order_parents_first",
    "parents_of",
    "parse_contract",
    "parse_duration",
]
