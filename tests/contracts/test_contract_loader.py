"""Contract files: what loads, what it loads as, and the exact message for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from etlq.contracts import load_contract, load_contracts, normalize_type, parse_duration
from etlq.contracts.model import ForeignKey, Rule
from etlq.errors import ContractError

CASES = Path(__file__).parent / "cases"
ERROR_CASES = yaml.safe_load((CASES / "errors.yml").read_text())
TYPE_CASES = yaml.safe_load((CASES / "types.yml").read_text())
DOCS_EXAMPLE = Path(__file__).parents[2] / "docs" / "contracts.md"


def write(root: Path, table: str, text: str) -> Path:
    schema, name = table.split(".", 1)
    path = root / schema / f"{name}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def docs_example() -> str:
    """The example contract of docs/contracts.md, as printed: the documented format must load."""
    return DOCS_EXAMPLE.read_text().split("```yaml\n", 1)[1].split("```", 1)[0]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c["name"] for c in ERROR_CASES])
def test_contract_mistake_gives_file_line_message(tmp_path: Path, case: dict) -> None:
    path = write(tmp_path, "gold.t", case["contract"])
    with pytest.raises(ContractError) as caught:
        load_contract(path)
    assert str(caught.value) == case["error"].format(path=path)


@pytest.mark.parametrize(("spelled", "normalized"), TYPE_CASES.items())
def test_type_alias_normalized(spelled: str, normalized: str) -> None:
    assert normalize_type(spelled) == normalized


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("36h", 129600), ("7d", 604800), ("45s", 45)])
def test_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_docs_example_loads_with_every_field(tmp_path: Path) -> None:
    contract = load_contract(write(tmp_path, "gold.fact_orders", docs_example()))
    assert contract.table == "gold.fact_orders"
    assert contract.primary_key == ("order_id",)
    assert [c.name for c in contract.columns][:3] == ["order_id", "customer_id", "status"]
    order_id = contract.column("order_id")
    assert (order_id.type, order_id.nullable, order_id.not_null, order_id.unique) == (
        "bigint",
        False,
        Rule(True, "error", 9),
        Rule(True, "error", 10),
    )
    assert contract.column("customer_id").references == Rule(
        ForeignKey(("customer_id",), "gold.dim_customers", ("customer_id",)), "error", 15
    )
    assert contract.column("status").accepted.value == ("PLACED", "PAID", "SHIPPED", "CANCELLED")
    assert contract.column("amount_usd").min == Rule(0, "warn", 31)
    assert contract.column("currency").type == "character(3)"
    assert contract.row_count.value == {"min": 1, "max": None}
    assert contract.freshness.value == {"column": "loaded_at", "max_age_seconds": 36 * 3600}
    assert contract.unique[0].value == ("order_date", "currency", "order_id")
    assert contract.foreign_keys[0].value == ForeignKey(
        ("order_date", "currency"), "gold.dim_fx", ("as_of_date", "currency")
    )
    assert contract.rules[0].severity == "warn"
    rec = contract.reconcile[0]
    assert (rec.source, rec.key, rec.measures, rec.source_filter, rec.target_filter) == (
        "silver.orders",
        ("order_id",),
        ("amount",),
        "is_current",
        None,
    )


def test_yaml_booleans_stay_text_in_a_text_column(tmp_path: Path) -> None:
    # YAML 1.1 reads NO (Norway) and yes as booleans; the author of a text column meant text
    text = "table: gold.t\ncolumns:\n  country: {type: text, accepted: [NO, SE, yes, 1.0]}\n"
    contract = load_contract(write(tmp_path, "gold.t", text))
    assert contract.column("country").accepted.value == ("NO", "SE", "yes", "1.0")


def test_constraint_mapping_carries_its_severity(tmp_path: Path) -> None:
    text = (
        "table: gold.t\nseverity: warn\ncolumns:\n"
        "  a: {type: int, nullable: {value: false, severity: error}, max: 5}\n"
    )
    column = load_contract(write(tmp_path, "gold.t", text)).column("a")
    assert (column.not_null, column.max) == (Rule(True, "error", 4), Rule(5, "warn", 4))


def test_extension_keys_are_kept_not_rejected(tmp_path: Path) -> None:
    text = "table: gold.t\nx-owner: finance\ncolumns:\n  a: {type: int}\n"
    assert load_contract(write(tmp_path, "gold.t", text)).extra == {"x-owner": "finance"}


def test_directory_is_sorted_parents_first_then_by_name(tmp_path: Path) -> None:
    write(tmp_path, "gold.fact", "table: gold.fact\ncolumns:\n  c: {type: int, references: gold.dim.c}\n")
    write(tmp_path, "gold.dim", "table: gold.dim\ncolumns:\n  c: {type: int, references: silver.src.c}\n")
    write(tmp_path, "silver.src", "table: silver.src\ncolumns:\n  c: {type: int}\n")
    write(tmp_path, "audit.log", "table: audit.log\ncolumns:\n  c: {type: int}\n")
    assert [c.table for c in load_contracts(tmp_path)] == ["audit.log", "silver.src", "gold.dim", "gold.fact"]


def test_single_file_loads_alone(tmp_path: Path) -> None:
    path = write(
        tmp_path, "gold.fact", "table: gold.fact\ncolumns:\n  c: {type: int, references: gold.dim.c}\n"
    )
    assert [c.table for c in load_contracts(path)] == ["gold.fact"]


def test_reference_to_missing_column_of_a_contracted_table(tmp_path: Path) -> None:
    fact = write(
        tmp_path,
        "gold.fact",
        "table: gold.fact\ncolumns:\n  c:\n    type: int\n    references: gold.dim.cc\n",
    )
    dim = write(tmp_path, "gold.dim", "table: gold.dim\ncolumns:\n  c: {type: int}\n")
    with pytest.raises(ContractError) as caught:
        load_contracts(tmp_path)
    assert (
        str(caught.value)
        == f"{fact}:5: references names gold.dim.cc, but {dim} has no column 'cc' (did you mean 'c'?)"
    )


def test_missing_path_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(ContractError) as caught:
        load_contracts(tmp_path / "nope")
    assert str(caught.value) == (
        f"{tmp_path / 'nope'}: no such contract file or directory (in {Path.cwd()}) (fix: pass --contracts "
        "with the folder of your contract files; or draft them from a database with "
        "`etlq contract init --schema SCHEMA --out contracts/`)"
    )
