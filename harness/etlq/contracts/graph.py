"""A set of contracts: found on disk, checked against each other, ordered parents first."""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Sequence
from pathlib import Path

from etlq.contracts.loader import load_contract
from etlq.contracts.model import Contract
from etlq.errors import ContractError, contract_problems


def contract_files(path: Path | str) -> list[Path]:
    """``path`` itself when it is a file, else every ``*.yml``/``*.yaml`` below it."""
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise ContractError(
            f"{root}: no such contract file or directory (in {Path.cwd()})",
            "pass --contracts with the folder of your contract files",
            "draft them from a database with `etlq contract init --schema SCHEMA --out contracts/`",
        )
    return sorted(p for p in root.rglob("*") if p.suffix in {".yml", ".yaml"} and p.is_file())


def load_contracts(path: Path | str) -> list[Contract]:
    """Load every contract under ``path`` (a directory, recursively, or one file).

    References between the loaded contracts are checked (the referenced column must exist);
    references to tables without a contract are left to the database. The result is sorted
    parents first (foreign keys and reconcile sources), then by table name.
    """
    problems: list[ContractError] = []
    contracts = []
    for file in contract_files(path):  # every file's mistakes at once, not the first file's first
        try:
            contracts.append(load_contract(file))
        except ContractError as exc:
            problems.append(exc)
    by_table: dict[str, Contract] = {}
    for contract in contracts:
        if contract.table in by_table:
            first = by_table[contract.table].path
            problems.append(
                ContractError(
                    f"{contract.path}:1: table {contract.table!r} already has a contract in {first}"
                )
            )
        by_table[contract.table] = contract
    for contract in contracts:
        try:
            _check_references(contract, by_table)
        except ContractError as exc:
            problems.append(exc)
    error = contract_problems(problems)
    if error is not None:
        raise error
    return order_parents_first(contracts)


def _check_references(contract: Contract, by_table: dict[str, Contract]) -> None:
    fk_lines = [c.references.line for c in contract.columns if c.references is not None]
    fk_lines += [r.line for r in contract.foreign_keys]
    for fk, line in zip(contract.all_foreign_keys(), fk_lines, strict=True):
        parent = by_table.get(fk.ref_table)
        if parent is None:
            continue
        _columns_exist(contract, parent, fk.ref_columns, line, "references")
    for rec in contract.reconcile:
        source = by_table.get(rec.source)
        if source is not None:
            _columns_exist(contract, source, rec.key + rec.measures, rec.line, f"reconcile {rec.name!r}")


def _columns_exist(contract: Contract, parent: Contract, names: Sequence[str], line: int, what: str) -> None:
    parent_names = [c.name for c in parent.columns]
    for name in names:
        if name not in parent_names:
            hint = difflib.get_close_matches(name, parent_names, n=1)
            suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ContractError(
                f"{contract.path}:{line}: {what} names {parent.table}.{name}, "
                f"but {parent.path} has no column {name!r}{suffix}"
            )


def parents_of(contract: Contract) -> set[str]:
    """Tables this one depends on: foreign-key parents and reconcile sources."""
    parents = {fk.ref_table for fk in contract.all_foreign_keys()}
    parents |= {rec.source for rec in contract.reconcile}
    parents.discard(contract.table)
    return parents


def order_parents_first(contracts: Sequence[Contract]) -> list[Contract]:
    """Topological order (Kahn) with the table name as tie-break; a cycle falls back to name order."""
    by_table = {c.table: c for c in contracts}
    waiting_on = {c.table: parents_of(c) & by_table.keys() for c in contracts}
    children: dict[str, set[str]] = {t: set() for t in by_table}
    for table, parents in waiting_on.items():
        for parent in parents:
            children[parent].add(table)
    ready = [t for t, parents in waiting_on.items() if not parents]
    heapq.heapify(ready)
    ordered: list[str] = []
    while ready:
        table = heapq.heappop(ready)
        ordered.append(table)
        for child in children[table]:
            waiting_on[child].discard(table)
            if not waiting_on[child]:
                heapq.heappush(ready, child)
    ordered += sorted(set(by_table) - set(ordered))  # members of a cycle
    return [by_table[t] for t in ordered]
