"""The check plan: stable ids exactly as docs/contracts.md lists them, and --select globs."""

from __future__ import annotations

from pathlib import Path

import pytest

from etlq.checks.plan import plan_checks, split_globs
from etlq.contracts import load_contract

DOCS_IDS = [
    "gold.fact_orders::row_count",
    "gold.fact_orders::unique[order_id]",
    "gold.fact_orders::not_null[order_id]",
    "gold.fact_orders::not_null[customer_id]",
    "gold.fact_orders::foreign_key[customer_id]",
    "gold.fact_orders::accepted_values[status]",
    "gold.fact_orders::range[amount]",
    "gold.fact_orders::pattern[currency]",
    "gold.fact_orders::not_null[amount_usd]",
    "gold.fact_orders::range[amount_usd]",
    "gold.fact_orders::unique[order_date,currency,order_id]",
    "gold.fact_orders::foreign_key[order_date,currency]",
    "gold.fact_orders::expression[usd_is_rate_times_amount]",
    "gold.fact_orders::freshness[loaded_at]",
    "gold.fact_orders::reconcile[from_silver.count]",
    "gold.fact_orders::reconcile[from_silver.sum(amount)]",
    "gold.fact_orders::reconcile[from_silver.missing_keys]",
    "gold.fact_orders::reconcile[from_silver.extra_keys]",
    "gold.fact_orders::reconcile[from_silver.changed]",
]


@pytest.fixture
def fact_orders(tmp_path: Path):
    text = (Path(__file__).parents[2] / "docs" / "contracts.md").read_text()
    text = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "gold" / "fact_orders.yml"
    path.parent.mkdir()
    path.write_text(text)
    return load_contract(path)


def test_ids_follow_the_documented_scheme(fact_orders) -> None:
    assert [s.id for s in plan_checks([fact_orders])] == DOCS_IDS


def test_specs_carry_what_the_engines_need(fact_orders) -> None:
    specs = {s.id: s for s in plan_checks([fact_orders])}
    fk = specs["gold.fact_orders::foreign_key[order_date,currency]"]
    assert (fk.kind, fk.column, fk.severity, dict(fk.params)) == (
        "foreign_key",
        "order_date,currency",
        "error",
        {
            "columns": ("order_date", "currency"),
            "ref_table": "gold.dim_fx",
            "ref_columns": ("as_of_date", "currency"),
        },
    )
    assert specs["gold.fact_orders::range[amount_usd]"].severity == "warn"
    assert dict(specs["gold.fact_orders::range[amount]"].params) == {"min": 0, "max": None}
    assert specs["gold.fact_orders::reconcile[from_silver.sum(amount)]"].params["aspect"] == "sum"
    assert specs["gold.fact_orders::row_count"].column is None


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        ("*::not_null[*]", [DOCS_IDS[2], DOCS_IDS[3], DOCS_IDS[8]]),
        ("gold.fact_orders::unique[order_date,currency,order_id]", [DOCS_IDS[10]]),
        ("*::row_count,*freshness*", [DOCS_IDS[0], DOCS_IDS[13]]),
        ("*[from_silver.*]", DOCS_IDS[14:]),
        ("silver.*", []),
    ],
)
def test_select_globs(fact_orders, select: str, expected: list[str]) -> None:
    assert [s.id for s in plan_checks([fact_orders], select)] == expected


def test_commas_inside_brackets_belong_to_the_id() -> None:
    assert split_globs("a::unique[x,y], b*") == ["a::unique[x,y]", "b*"]


def test_primary_key_and_column_unique_give_one_check(tmp_path: Path) -> None:
    path = tmp_path / "s" / "t.yml"
    path.parent.mkdir()
    path.write_text(
        "table: s.t\nprimary_key: [id]\ncolumns:\n  id: {type: int, unique: true, nullable: false}\n"
    )
    assert [s.id for s in plan_checks([load_contract(path)])] == ["s.t::unique[id]", "s.t::not_null[id]"]
