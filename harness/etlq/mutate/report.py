"""The mutation score: outcomes counted, equivalent mutants set apart, JSON and a readable summary.

score = (killed + timed_out) / (mutants - invalid - equivalent). An invalid mutant (its SQL does
not run) tests nothing; an equivalent one (marked by a maintainer, with a reason, in
``testdata/mutate/equivalent.yml``) cannot be told apart from the original by any suite.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from etlq.errors import EtlqError
from etlq.mutate.generate import Mutant
from etlq.mutate.runner import Outcome

EQUIVALENT_FILE = "testdata/mutate/equivalent.yml"


def load_equivalent(path: Path) -> dict[str, str]:
    """Mutant id -> reason, from ``equivalent: [{id, reason}]``; a missing file marks none."""
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise EtlqError(f"{path}: not YAML: {str(exc).splitlines()[0]}", "fix the file") from None
    entries = data.get("equivalent") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise EtlqError(f"{path}: expected a mapping with a list 'equivalent:'", "see README 'etlq mutate'")
    marks: dict[str, str] = {}
    for i, entry in enumerate(entries, 1):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("id"), str)
            and str(entry.get("reason") or "").strip()
        ):
            raise EtlqError(
                f"{path}: equivalent entry {i} needs an 'id' and a non-empty 'reason'",
                "say why no suite could tell this mutant from the original",
            )
        marks[entry["id"]] = str(entry["reason"]).strip()
    return marks


@dataclass
class Score:
    results: list[tuple[Mutant, Outcome]] = field(default_factory=list)
    equivalent: dict[str, str] = field(default_factory=dict)  # id -> reason, among the mutants
    stale: list[str] = field(default_factory=list)  # marks no longer generated
    generated: int = 0  # before sampling
    run_seconds: float = 0.0  # the mutants' runs (wall clock), setup excluded
    seconds: float = 0.0  # everything
    workers: int = 1

    def counts(self) -> Counter[str]:
        return Counter(outcome.status for _, outcome in self.results)

    @property
    def mutants(self) -> int:
        return len(self.results) + len(self.equivalent)

    @property
    def score(self) -> float | None:
        counts = self.counts()
        judged = self.mutants - counts["invalid"] - len(self.equivalent)
        return None if judged == 0 else (counts["killed"] + counts["timed_out"]) / judged

    def survivors(self) -> list[tuple[Mutant, Outcome]]:
        return [(m, o) for m, o in self.results if o.status == "survived"]

    def to_json(self, columns: Mapping[str, Sequence[tuple[str, str]]]) -> dict[str, Any]:
        counts = self.counts()
        run = len(self.results)
        score = self.score
        by_killer = Counter(o.by for _, o in self.results if o.status in ("killed", "timed_out"))
        return {
            "mutants": self.mutants,
            "killed": counts["killed"],
            "survived": [
                {
                    "id": m.id,
                    "statement": m.statement,
                    "operator": m.operator,
                    "what": m.what,
                    "diff": m.diff(columns),
                }
                for m, _ in self.survivors()
            ],
            "timed_out": counts["timed_out"],
            "invalid": counts["invalid"],
            "equivalent": len(self.equivalent),
            "score": None if score is None else round(score, 4),
            "seconds_per_mutant": round(self.run_seconds / run, 2) if run else None,
            "seconds": round(self.seconds, 1),
            "workers": self.workers,
            "generated": self.generated,
            "killed_by": dict(sorted(by_killer.items())),
            "invalid_mutants": [
                {"id": m.id, "error": o.detail} for m, o in self.results if o.status == "invalid"
            ],
            "equivalent_mutants": [{"id": i, "reason": r} for i, r in sorted(self.equivalent.items())],
            "stale_equivalent": self.stale,
        }

    def summary(self) -> str:
        counts = self.counts()
        score = self.score
        run = len(self.results)
        lines = [
            f"etlq mutate: {self.mutants} mutants ({self.generated} generated): {counts['killed']} killed, "
            f"{counts['timed_out']} timed out, {counts['survived']} survived, {counts['invalid']} invalid, "
            f"{len(self.equivalent)} equivalent",
            f"score {'n/a' if score is None else f'{score:.3f}'}"
            " = (killed + timed out) / (mutants - invalid - equivalent)",
            f"{self.run_seconds / run if run else 0:.2f} s per mutant on {self.workers} worker(s),"
            f" {self.seconds:.0f} s in all",
        ]
        for mutant, _ in self.survivors():
            lines.append(f"  survived {mutant.id}: {mutant.what}")
        for mark in self.stale:
            lines.append(f"  stale equivalent mark (no such mutant any more): {mark}")
        return "\n".join(lines) + "\n"


def stale_marks(
    marks: Iterable[str],
    generated: set[str] | frozenset[str],
    statements: Iterable[str],
    operators: Iterable[str],
) -> list[str]:
    """Marks of a selected statement and operator whose mutant is no longer generated."""
    chosen, ops = set(statements), set(operators)

    def selected(mark: str) -> bool:
        parts = mark.split(":")
        return len(parts) > 1 and parts[0] in chosen and parts[1] in ops

    return sorted(m for m in marks if selected(m) and m not in generated)
