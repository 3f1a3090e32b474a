"""A defect catalog: realistic ETL defects planted through the pipeline interface, and whether the
scenarios catch each one.

``defects.yml`` (beside scenarios.yml) lists defects as text edits of one of the pipeline's
statements (``Pipeline.statements``); a defect runs as ``options={"sql": {statement: edited}}``,
so the pipeline's files are never touched. A defect is caught when one of the oracles it names
(``caught_by``) fails in one of its scenarios; an edit whose text is no longer in the statement
is a stale defect, reported as bad input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from etlq.contracts import Contract
from etlq.errors import EtlqError
from etlq.local import LocalServices
from etlq.pipeline import Pipeline
from etlq.scenarios.loader import Scenario, Settings
from etlq.scenarios.runner import ORACLES, load_expectations, run_scenario

CATALOG_FILE = "defects.yml"


@dataclass(frozen=True)
class Defect:
    id: str
    statement: str
    edits: tuple[tuple[str, str], ...]
    scenarios: tuple[str, ...]
    caught_by: tuple[str, ...]
    multi: bool = False

    def sql(self, statements: Mapping[str, str], where: Path) -> dict[str, str]:
        """The ``sql`` option that plants this defect; ``EtlqError`` when it no longer applies."""
        if self.statement not in statements:
            raise EtlqError(
                f"{where}: {self.id}: the pipeline has no statement {self.statement!r}",
                "name one of Pipeline.statements(), or remove the defect",
            )
        text = statements[self.statement]
        for find, replace in self.edits:
            if find not in text:
                raise EtlqError(
                    f"{where}: {self.id}: {find.splitlines()[0]!r} is not in {self.statement}",
                    "the statement changed: update the edit or remove the defect",
                )
            text = text.replace(find, replace)
        return {self.statement: text}


@dataclass(frozen=True)
class Caught:
    defect: Defect
    failed: Mapping[str, str]  # oracle -> its failure (first lines), over the defect's scenarios

    @property
    def caught(self) -> bool:
        return any(o in self.failed for o in self.defect.caught_by)


def load_catalog(path: Path, scenarios: Sequence[Scenario]) -> list[Defect]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EtlqError(f"{path}: cannot read: {str(exc).splitlines()[0]}", "fix the YAML syntax") from None
    entries = doc.get("defects") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise EtlqError(f"{path}: a catalog is a mapping with a 'defects' list")
    names = {s.name for s in scenarios}
    defects, seen = [], set()
    for number, raw in enumerate(entries, start=1):
        where = f"{path}: defect {number}"
        if not isinstance(raw, dict) or set(raw) - {
            "id",
            "statement",
            "edits",
            "multi",
            "scenarios",
            "caught_by",
        }:
            raise EtlqError(f"{where}: give id, statement, edits, scenarios, caught_by (and multi)")
        edits = raw.get("edits")
        if (
            not isinstance(edits, list)
            or not edits
            or not all(
                isinstance(e, dict) and isinstance(e.get("find"), str) and isinstance(e.get("replace"), str)
                for e in edits
            )
        ):
            raise EtlqError(f"{where}: edits is a list of {{find: TEXT, replace: TEXT}}")
        unknown = [s for s in raw.get("scenarios") or [] if s not in names]
        oracles = [o for o in raw.get("caught_by") or [] if o not in ORACLES]
        if unknown or not raw.get("scenarios"):
            raise EtlqError(
                f"{where}: scenarios: {unknown or 'none'}", f"use some of {', '.join(sorted(names))}"
            )
        if oracles or not raw.get("caught_by"):
            raise EtlqError(f"{where}: caught_by: {oracles or 'none'}", f"use some of {', '.join(ORACLES)}")
        if raw.get("id") in seen:
            raise EtlqError(f"{where}: id {raw.get('id')!r} is used twice")
        seen.add(raw.get("id"))
        defects.append(
            Defect(
                id=str(raw["id"]),
                statement=str(raw["statement"]),
                edits=tuple((e["find"], e["replace"]) for e in edits),
                scenarios=tuple(raw["scenarios"]),
                caught_by=tuple(raw["caught_by"]),
                multi=bool(raw.get("multi", False)),
            )
        )
    return defects


def try_defect(
    defect: Defect,
    catalog: Path,
    scenarios: Sequence[Scenario],
    settings: Settings,
    pipeline: Pipeline,
    contracts: Sequence[Contract],
    services: LocalServices,
    seed: int = 0,
) -> Caught:
    """Run the defect's scenarios with the defect planted; which oracles failed."""
    options: dict[str, Any] = {"sql": defect.sql(pipeline.statements(), catalog)}
    expectations = load_expectations(settings)
    failed: dict[str, str] = {}
    for scenario in (s for s in scenarios if s.name in defect.scenarios):
        run = run_scenario(
            scenario,
            settings,
            pipeline,
            contracts,
            services,
            options=options,
            seed=seed,
            expectations=expectations,
        )
        for oracle in ORACLES:
            verdict = run.verdict(oracle)
            if verdict.outcome == "failed" and oracle not in failed:
                failed[oracle] = "\n".join(verdict.message.splitlines()[:8])
    return Caught(defect, failed)


def table(results: Sequence[Caught]) -> str:
    """The catalog's result, one line per defect."""
    lines = [f"{sum(r.caught for r in results)}/{len(results)} defects caught"]
    for r in results:
        by = ", ".join(o for o in r.defect.caught_by if o in r.failed) or "-"
        also = ", ".join(o for o in r.failed if o not in r.defect.caught_by)
        kind = "multi-delivery" if r.defect.multi else "one delivery"
        state = "caught" if r.caught else "MISSED"
        lines.append(f"  {state:6} {r.defect.id} ({kind}) by {by}" + (f"; also {also}" if also else ""))
    return "\n".join(lines)
