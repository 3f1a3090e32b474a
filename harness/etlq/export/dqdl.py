"""Contracts -> AWS Glue Data Quality rulesets (DQDL), one ``<schema>.<table>.dqdl`` per table.

Rule forms follow the DQDL reference (docs.aws.amazon.com/glue/latest/dg/dqdl.html):
``IsComplete "c"``, ``IsUnique "a" "b"``, ``ColumnValues "c" in [...]``, ``ColumnValues "c" >= 0``
(DQDL's ``between`` is exclusive, so inclusive bounds use ``>=``/``<=``), ``ColumnValues "c"
matches "re"``, ``RowCount >= n``, ``ReferentialIntegrity "c" "alias.{c}" = 1.0`` and
``CustomSql "select count(*) from primary where ..." = 0``.

Referenced tables are DQDL reference datasets; their alias is ``<schema>_<table>`` (DQDL
splits ``alias.{cols}`` on the first dot, so the alias itself cannot hold one). A Glue job
passes them as ``additional_data_sources={"gold_dim_customers": frame, ...}``.
Checks DQDL cannot state (reconcile with filters, missing keys, keys whose column names hold
``,``, ``{`` or ``}``) are returned as skipped. Column names that are not plain identifiers are
back-quoted inside Spark SQL (``CustomSql``, ``AggregateMatch``). Each kind writes its own rule
(``dqdl`` in etlq.contracts.kinds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from etlq.checks.plan import plan_contract
from etlq.contracts.kinds import BY_NAME
from etlq.contracts.kinds.forms import alias
from etlq.contracts.model import Contract
from etlq.export.files import write_atomic


@dataclass(frozen=True)
class Ruleset:
    table: str
    rules: tuple[str, ...]
    skipped: tuple[str, ...]  # check ids DQDL cannot express
    references: dict[str, str]  # alias -> schema.table

    def text(self) -> str:
        return "Rules = [\n" + ",\n".join(f"    {rule}" for rule in self.rules) + "\n]\n"


def ruleset(contract: Contract) -> Ruleset:
    rules, skipped, refs = [], [], {}
    for spec in plan_contract(contract):
        rule = BY_NAME[spec.kind].dqdl(spec, contract)
        if rule is None:
            skipped.append(spec.id)
            continue
        rules.append(rule)
        for table in (spec.params.get("ref_table"), spec.params.get("source")):
            if table and alias(table) in rule:
                refs[alias(table)] = table
    return Ruleset(contract.table, tuple(rules), tuple(skipped), refs)


def write_dqdl(contracts: Iterable[Contract], out_dir: Path | str) -> list[tuple[Path, Ruleset]]:
    """Write one ``<schema>.<table>.dqdl`` per contract that has rules; return what was written."""
    written = []
    for contract in contracts:
        rs = ruleset(contract)
        if rs.rules:
            written.append((write_atomic(Path(out_dir) / f"{contract.table}.dqdl", rs.text()), rs))
    return written
