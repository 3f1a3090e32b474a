"""The scenario loader: shipped scenarios load; each kind of bad file is one exit-2 line naming
the file and the step."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from etlq.errors import EtlqError
from etlq.scenarios import load_scenario, load_scenarios
from etlq.scenarios.loader import load_settings

SHIPPED = Path(__file__).resolve().parents[2] / "testdata" / "scenarios"


def test_shipped_scenarios_load() -> None:
    scenarios = {s.name: s for s in load_scenarios(SHIPPED)}
    assert {"orders_across_days", "customer_history", "fx_corrections"} <= set(scenarios)
    orders = scenarios["orders_across_days"]
    assert [s.run_date for s in orders.steps[:3]] == [
        dt.date(2024, 3, 1),
        dt.date(2024, 3, 2),
        dt.date(2024, 3, 3),
    ]
    assert dict(orders.steps[1].changes)["late"] == {
        "source": "orders",
        "count": 3,
        "for": dt.date(2024, 3, 1),
    }
    assert orders.steps[0].changes == ()
    assert orders.steps[2].empty and not orders.steps[2].changes
    assert [(s.operation, s.target) for s in orders.steps[3:]] == [
        ("rerun", 1),
        ("redeliver", 2),
        ("redeliver", 1),
    ]
    assert dict(orders.steps[5].changes)["correct"] == {"source": "orders", "count": 2}
    assert orders.promises == {"idempotent", "incremental_equals_rebuild", "order_independent"}
    assert [s.number for s in orders.deliveries] == [1, 2, 3]


def test_settings_name_each_sources_roles() -> None:
    settings = load_settings(SHIPPED)
    assert settings.sources["orders"].key == ("order_id",)
    assert settings.sources["orders"].time == "event_ts"
    assert settings.sources["fx_rates"].vary == ("rate_to_usd",)
    assert settings.expectations == SHIPPED / "expected.py"


@pytest.mark.parametrize(
    ("settings", "step", "message"),
    [
        ("sources: {orders: {key: [order_id]}}\n", "{update: {source: orders}}", "declares no time"),
        ("sources: {orders: {key: [order_id]}}\n", "{update: {source: cars}}", "source 'cars' is not in"),
        ("sources: {orders: {key: [order_id], when: x}}\n", "{withhold: orders}", "unknown role 'when'"),
        ("sources: {orders: {time: t}}\n", "{withhold: orders}", "give key"),
        ("sources: {}\n", "{withhold: orders}", "non-empty 'sources'"),
    ],
)
def test_bad_settings_are_one_line(tmp_path: Path, settings: str, step: str, message: str) -> None:
    (tmp_path / "scenarios.yml").write_text(settings, encoding="utf-8")
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "scenario.yml").write_text(f"steps: [{{deliver: 2024-01-01, changes: [{step}]}}]\n")
    with pytest.raises(EtlqError) as caught:
        load_scenarios(tmp_path)
    assert message in str(caught.value) and "\n" not in str(caught.value), caught.value


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
        (
            "steps: [{deliver: 2024-01-01, changes: [{update: {source: o, count: 0}}]}]\n",
            "count must be a positive",
        ),
        (
            "steps: [{deliver: 2024-01-01, changes: [{late: {source: o, for: 2024-01-01, days: 2}}]}]\n",
            "late: unknown argument 'days'",
        ),
        ("steps: [{deliver: 2024-01-01, changes: [{late: {source: o}}]}]\n", "late: give for"),
        ("steps: [{deliver: 2024-01-01, changes: [{update: {count: 2}}]}]\n", "name the raw source"),
        ("steps: [{deliver: 2024-01-01}, {deliver: 2024-01-01}]\n", "was delivered at step 1"),
        ("steps: [{deliver: 2024-01-01, rows: 0}]\n", "rows must be a positive"),
        ("steps: [{deliver: 2024-01-01, changes: [{correct: {source: o}}]}]\n", "correct: give for"),
        (
            "steps: [{deliver: 2024-01-01}, {redeliver: 1, changes: [{update: {source: o}}]}]\n",
            "step 2: a redelivery corrects its own rows",
        ),
        (
            "steps: [{deliver: 2024-01-01},\n"
            "  {redeliver: 1, changes: [{correct: {source: o, for: 2024-01-01}}]}]\n",
            "step 2: a redelivery corrects its own rows",
        ),
        (
            "steps: [{deliver: 2024-01-01}, {rerun: 1, changes: []}]\n",
            "rerun takes no rows or empty or changes",
        ),
        ("steps: [{deliver: 2024-01-01, empty: true, changes: [{withhold: o}]}]\n", "empty delivery"),
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
