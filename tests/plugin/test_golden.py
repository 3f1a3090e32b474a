"""Golden cases: the folder format and the row-level diff (the cases themselves run in suites/)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from etlq.errors import EtlqError
from etlq.golden.cases import diff_rows, load_case, load_cases, render_diff

CASES = Path(__file__).resolve().parents[2] / "testdata" / "cases"


def test_every_case_folder_is_a_case() -> None:
    assert [case.id for case in load_cases(CASES)] == [
        "gold/daily_revenue",
        "gold/first_run_rates_only",
        "gold/incremental_since_watermark",
        "gold/missing_fx_rate",
        "gold/usd_normalization",
        "silver/dedupe_latest_event_wins",
        "silver/later_delivery_and_corrections",
        "silver/one_partition_per_run",
        "silver/scd2_change_opens_version",
        "silver/scd2_corrected_rerun",
        "silver/scd2_no_change_keeps_version",
        "silver/status_normalization",
    ]


def test_case_reads_its_keys() -> None:
    case = load_case(CASES / "gold" / "usd_normalization")
    assert (case.transform, str(case.run_date), case.tolerance) == ("gold", "2024-03-01", Decimal(0))
    assert case.key_of("gold.fact_orders", ["order_id", "amount"]) == ("order_id",)
    assert [p.name for p in case.inputs] == [
        "silver.customers.csv",
        "silver.fx_rates.csv",
        "silver.order_events.csv",
        "silver.orders.csv",
    ]


def _case(tmp_path: Path, spec: str) -> Path:
    folder = tmp_path / "gold" / "c1"
    (folder / "expected").mkdir(parents=True)
    (folder / "expected" / "gold.x.csv").write_text("a\n1\n")
    (folder / "case.yml").write_text(spec)
    return folder


def test_unknown_key_says_which_and_what_is_allowed(tmp_path: Path) -> None:
    folder = _case(tmp_path, "transform: gold\nrun_date: 2024-01-01\ntolerence: 0.01\n")
    with pytest.raises(EtlqError) as exc:
        load_case(folder)
    assert str(exc.value) == (
        f"{folder / 'case.yml'}: unknown key(s) tolerence; allowed: description, order_key, run_date, "
        "tolerance, transform (fix: see case.yml in an existing case under testdata/cases)"
    )


def test_transform_must_match_the_folder(tmp_path: Path) -> None:
    folder = _case(tmp_path, "transform: silver\nrun_date: 2024-01-01\n")
    with pytest.raises(EtlqError, match="transform 'silver' must equal the folder 'gold'"):
        load_case(folder)


def test_diff_finds_missing_extra_and_changed_rows() -> None:
    expected: list[dict[str, Any]] = [
        {"id": 1, "usd": Decimal("1.00")},
        {"id": 2, "usd": Decimal("2.00")},
        {"id": 3, "usd": None},
    ]
    actual = [
        {"id": 1, "usd": Decimal("1.004")},
        {"id": 3, "usd": Decimal("0")},
        {"id": 4, "usd": Decimal("4")},
    ]
    diff = diff_rows("gold.t", ["id"], expected, actual, Decimal("0.005"))
    assert (diff.missing, diff.extra, diff.changed) == (
        ({"id": 2, "usd": Decimal("2.00")},),
        ({"id": 4, "usd": Decimal("4")},),
        (((3,), "usd", None, Decimal("0")),),
    )
    assert render_diff(diff) == (
        "gold.t (key id): 1 missing, 1 extra, 1 changed cell(s)\n"
        "  missing  id=2, usd=2.00\n"
        "  extra    id=4, usd=4\n"
        "  changed  id=3 usd: expected NULL, got 0"
    )


def test_tolerance_zero_is_exact_and_booleans_are_not_numbers() -> None:
    assert not diff_rows(
        "t", ["id"], [{"id": 1, "v": Decimal("1.00")}], [{"id": 1, "v": Decimal("1.01")}]
    ).equal
    assert diff_rows("t", ["id"], [{"id": 1, "v": Decimal("1.0")}], [{"id": 1, "v": Decimal("1.00")}]).equal
    assert not diff_rows("t", ["id"], [{"id": 1, "v": True}], [{"id": 1, "v": 1}]).equal
