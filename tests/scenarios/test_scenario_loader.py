"""The scenario loader: shipped scenarios load; each kind of bad file is one exit-2 line naming
the file and the step."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from etlq.errors import EtlqError
from etlq.scenarios import load_scenario, load_scenarios

SHIPPED = Path(__file__).resolve().parents[2] / "testdata" / "scenarios"


def test_shipped_scenarios_load() -> None:
    scenarios = {s.name: s for s in load_scenarios(SHIPPED)}
    late = scenarios["late_and_rerun"]
    assert [s.run_date for s in late.steps[:3]] == [
        dt.date(2024, 3, 1),
        dt.date(2024, 3, 2),
        dt.date(2024, 3, 3),
    ]
    assert dict(late.steps[1].changes)["late_events"] == {"count": 3, "for": dt.date(2024, 3, 1)}
    assert dict(late.steps[0].changes) == {"new_orders": {"count": 40}}
    assert late.steps[2].empty and not late.steps[2].changes
    assert [(s.operation, s.target) for s in late.steps[3:]] == [
        ("rerun", 1),
        ("rerun", 2),
        ("redeliver", 2),
    ]
    assert late.promises == {"idempotent", "incremental_equals_rebuild"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("steps: [", "cannot read scenario"),
        ("description: x\n", "non-empty 'steps' list"),
        ("steps: [{deliver: 2024-01-01}]\nowner: me\n", "unknown key 'owner'"),
        ("promises: [fast]\nsteps: [{deliver: 2024-01-01}]\n", "unknown promise 'fast'"),
        ("steps: [{deliver: 2024-01-01}, {deliver: soon}]\n", "step 2: deliver: 'soon' is not a date"),
        ("steps: [{deliver: 2024-01-01}, {rerun: 3}]\n", "step 2: rerun: 3 is not an earlier delivery step"),
        ("steps: [{deliver: 2024-01-01, rerun: 1}]\n", "step 1: give exactly one of"),
        ("steps: [{deliver: 2024-01-01, changes: [{teleport: 1}]}]\n", "step 1: unknown change 'teleport'"),
        ("steps: [{deliver: 2024-01-01, changes: [{new_orders: 0}]}]\n", "count must be a positive"),
        (
            "steps: [{deliver: 2024-01-01, changes: [{late_events: {for: 2024-01-01, days: 2}}]}]\n",
            "late_events: unknown argument 'days'",
        ),
        ("steps: [{deliver: 2024-01-01, empty: true, changes: [new_orders]}]\n", "empty delivery"),
    ],
)
def test_bad_scenario_is_one_line_naming_file_and_step(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad" / "scenario.yml"
    path.parent.mkdir()
    path.write_text(body, encoding="utf-8")
    with pytest.raises(EtlqError) as caught:
        load_scenario(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: "), text
    assert message in text, text
    assert "\n" not in text and caught.value.exit_code == 2
