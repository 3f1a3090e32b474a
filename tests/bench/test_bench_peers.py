"""The peers' contracts say what etlq's checks say: one peer check per etlq check, the failing
condition of an expression negated as etlq negates it, and every datacontract-cli key mapped
back to its etlq id. (That the peers then count the same rows is checked by every bench run:
``details.counts_agree``.)"""

from __future__ import annotations

import pytest

from bench import peers
from bench.workspace import contracts
from etlq.checks.plan import plan_contract
from etlq.checks.sql_build import ROW_KINDS

TABLE = "staging.orders"


def _row_specs():
    [contract] = [c for c in contracts() if c.table == TABLE]
    types = {column.name: column.type for column in contract.columns}
    return [spec for spec in plan_contract(contract) if spec.kind in ROW_KINDS], types


def test_soda_contract_has_one_named_check_per_etlq_check() -> None:
    specs, _ = _row_specs()
    contract = peers.soda_contract("bench/db/staging/orders", specs)

    named = [
        (kind, body)
        for column in contract["columns"]
        for check in column["checks"]
        for kind, body in check.items()
    ] + [(kind, body) for check in contract["checks"] for kind, body in check.items()]
    assert sorted(body["name"] for _, body in named) == sorted(spec.id for spec in specs)
    by_id = {body["name"]: (kind, body) for kind, body in named}
    assert by_id["staging.orders::range[amount]"] == (
        "invalid",
        {"name": "staging.orders::range[amount]", "valid_min": 0},
    )
    assert by_id["staging.orders::pattern[currency]"][1]["valid_format"]["regex"] == "^[A-Z]{3}$"
    assert by_id["staging.orders::expression[event_ts_not_in_future]"] == (
        "failed_rows",
        {
            "name": "staging.orders::expression[event_ts_not_in_future]",
            "expression": "(event_ts <= now()) IS NOT TRUE",
        },
    )


def test_odcs_contract_maps_every_key_back_to_an_etlq_check() -> None:
    specs, types = _row_specs()
    contract, keys = peers.odcs_contract({"host": "h", "port": 1, "database": "d"}, TABLE, specs, types)

    assert set(keys.values()) == {spec.id for spec in specs}
    [schema] = contract["schema"]
    assert (schema["name"], contract["servers"][0]["schema"]) == ("orders", "staging")
    amount = next(p for p in schema["properties"] if p["name"] == "amount")
    assert amount == {
        "name": "amount",
        "logicalType": "number",
        "required": True,
        "logicalTypeOptions": {"minimum": 0},
    }
    assert keys["orders__amount__field_minimum"] == "staging.orders::range[amount]"
    [rule] = schema["quality"]
    assert rule["query"] == "SELECT count(*) FROM {object} WHERE (event_ts <= now()) IS NOT TRUE"
    assert keys["orders__quality_sql_0"] == "staging.orders::expression[event_ts_not_in_future]"


def test_a_kind_without_a_peer_form_refuses_rather_than_dropping_the_check() -> None:
    [contract] = [c for c in contracts() if c.table == "silver.orders"]
    foreign_keys = [spec for spec in plan_contract(contract) if spec.kind == "foreign_key"]
    assert foreign_keys, "silver.orders declares a foreign key"
    with pytest.raises(ValueError, match=r"no Soda Core form"):
        peers.soda_contract("bench/db/silver/orders", foreign_keys)
    with pytest.raises(ValueError, match=r"no datacontract-cli form"):
        peers.odcs_contract({}, "silver.orders", foreign_keys, {})
