"""Contract checks as pytest items: ids, selection, failure text, WARN, Allure, xdist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugin.shop import CHECK_IDS
from tests.plugin.support import deployed_args, outcomes

pytest_plugins = ["pytester"]


def test_one_item_per_check_with_the_check_id(
    pytester: pytest.Pytester, shop_contracts: Path, check_module: Path
) -> None:
    result = pytester.runpytest(
        "--co", "-q", *deployed_args("postgresql://unused@127.0.0.1:1/x", shop_contracts)
    )
    items = [line for line in result.outlines if "::test_contract[" in line]
    assert items == [f"test_contracts.py::test_contract[{check}]" for check in CHECK_IDS]


def test_k_selects_by_check_id(pytester: pytest.Pytester, shop_contracts: Path, check_module: Path) -> None:
    args = deployed_args("postgresql://unused@127.0.0.1:1/x", shop_contracts)
    result = pytester.runpytest("--co", "-q", "-k", "unique or accepted_values", *args)
    assert [line for line in result.outlines if "::test_contract[" in line] == [
        "test_contracts.py::test_contract[shop.orders::unique[order_id]]",
        "test_contracts.py::test_contract[shop.orders::accepted_values[status]]",
    ]


def test_etlq_select_marker_narrows_items(pytester: pytest.Pytester, shop_contracts: Path) -> None:
    pytester.makepyfile(
        test_some="""
        import pytest

        @pytest.mark.etlq_select("*::not_null[*],*::row_count", exclude="*::row_count")
        def test_contract(etlq_check):
            etlq_check.verify()
        """
    )
    result = pytester.runpytest(
        "--co", "-q", *deployed_args("postgresql://unused@127.0.0.1:1/x", shop_contracts)
    )
    assert [line for line in result.outlines if "::test_contract[" in line] == [
        "test_some.py::test_contract[shop.orders::not_null[order_id]]"
    ]


def test_bad_contract_is_a_one_line_collection_error(pytester: pytest.Pytester, check_module: Path) -> None:
    folder = pytester.path / "bad" / "shop"
    folder.mkdir(parents=True)
    (folder / "orders.yml").write_text("table: shop.orders\ncolumns:\n  id: {type: bigint, nulable: false}\n")
    result = pytester.runpytest(*deployed_args("postgresql://unused@127.0.0.1:1/x", pytester.path / "bad"))
    assert result.ret == pytest.ExitCode.INTERRUPTED
    errors = [line for line in result.outlines if "orders.yml:3" in line]
    assert errors and "nulable" in errors[0] and "Traceback" not in result.stdout.str()


def test_failure_shows_count_sample_rows_and_sql(
    pytester: pytest.Pytester, shop_url: str, shop_contracts: Path, check_module: Path
) -> None:
    result = pytester.runpytest("-k", "accepted_values", *deployed_args(shop_url, shop_contracts))
    result.assert_outcomes(failed=1, deselected=4)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "shop.orders::accepted_values[status] failed: 2 of 5 rows failing (error)",
            "sample (2 rows):",
            "  order_id | status | amount",
            "  ---------+--------+-------",
            "  3        | paid   | 30.00",
            "  4        | LOST   | 40.00",
            "SQL:",
            "  SELECT*",
        ]
    )
    assert "Traceback" not in out and "def test_contract" not in out


def test_warn_severity_is_reported_but_never_fails(
    pytester: pytest.Pytester, shop_url: str, shop_contracts: Path, check_module: Path
) -> None:
    result = pytester.runpytest("-k", "range or row_count", *deployed_args(shop_url, shop_contracts))
    assert result.ret == pytest.ExitCode.OK
    assert outcomes(result) == {"passed": 1, "warned": 1, "deselected": 3}
    result.stdout.fnmatch_lines(
        [
            "test_contracts.py .W*",
            "*= etlq: 1 warn-severity finding(s), run not failed =*",
            "WARN test_contracts.py::test_contract[shop.orders::range[amount]]",
            "    shop.orders::range[amount] failed: 1 of 5 rows failing (warn)",
        ]
    )


@pytest.mark.parametrize(("policy", "expected"), [("fail", {"failed": 1}), ("ignore", {"passed": 1})])
def test_warn_policy(
    pytester: pytest.Pytester,
    shop_url: str,
    shop_contracts: Path,
    check_module: Path,
    policy: str,
    expected: dict,
) -> None:
    result = pytester.runpytest(
        "-k", "range", f"--etlq-warn={policy}", *deployed_args(shop_url, shop_contracts)
    )
    assert outcomes(result) == {**expected, "deselected": 4}
    assert "WARN test_contracts.py" not in result.stdout.str()


def test_deployed_mode_cannot_write(pytester: pytest.Pytester, shop_url: str, shop_contracts: Path) -> None:
    pytester.makepyfile(
        test_write="""
        import pytest
        from sqlalchemy import text
        from etlq.connect import ReadOnlyViolation

        @pytest.mark.parametrize("sql", [
            "DELETE FROM shop.orders",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
            "COMMIT",
        ])
        def test_write(etlq_engine, sql):
            with pytest.raises(ReadOnlyViolation):
                with etlq_engine.begin() as conn:
                    conn.execute(text(sql))
        """
    )
    pytester.runpytest(*deployed_args(shop_url, shop_contracts)).assert_outcomes(passed=3)


def test_unreachable_database_is_one_line_setup_error(
    pytester: pytest.Pytester, shop_contracts: Path, check_module: Path
) -> None:
    result = pytester.runpytest(
        "-k", "row_count", *deployed_args("postgresql://u@127.0.0.1:1/x", shop_contracts)
    )
    result.assert_outcomes(errors=1, deselected=4)
    result.stdout.fnmatch_lines(
        [
            "cannot open the deployed warehouse: cannot connect to the database at "
            "postgresql+psycopg2://u@127.0.0.1:1/x: *"
            "(fix: start it with `etlq env up`; or pass --etlq-url or set ETLQ_DATABASE_URL)"
        ]
    )


def test_allure_result_per_check(
    pytester: pytest.Pytester, shop_url: str, shop_contracts: Path, check_module: Path
) -> None:
    results = pytester.path / "allure"
    pytester.runpytest_subprocess(  # allure-python's hook registry is per process
        "-k", "accepted_values", f"--alluredir={results}", *deployed_args(shop_url, shop_contracts)
    )
    [path] = results.glob("*-result.json")
    result = json.loads(path.read_text())
    labels = {(label["name"], label["value"]) for label in result["labels"]}
    assert result["name"] == "shop.orders::accepted_values[status]"
    assert result["status"] == "failed"
    assert {
        ("epic", "shop"), ("feature", "shop.orders"), ("story", "accepted_values"), ("severity", "critical"),
        ("parentSuite", "shop"), ("suite", "shop.orders"), ("subSuite", "accepted_values"),
    } <= labels  # fmt: skip
    assert [a["name"] for a in result["attachments"]] == ["sample rows", "SQL"]
    csv_text = (results / result["attachments"][0]["source"]).read_text()
    assert csv_text == "order_id,status,amount\n3,paid,30.00\n4,LOST,40.00\n"
    assert result["links"] == [
        {
            "type": "link",
            "url": (shop_contracts / "shop" / "orders.yml").as_uri(),
            "name": "contract orders.yml",
        }
    ]


def test_xdist_keeps_a_tables_checks_on_one_worker(
    pytester: pytest.Pytester, shop_url: str, shop_contracts: Path, check_module: Path
) -> None:
    result = pytester.runpytest_subprocess(
        "-n", "2", "--dist=loadgroup", "-v", *deployed_args(shop_url, shop_contracts)
    )
    workers = {
        line.split("]", 1)[0]
        for line in result.outlines
        if "::test_contract[" in line and line.startswith("[gw")
    }
    assert len(workers) == 1, result.outlines
    assert outcomes(result) == {"passed": 3, "failed": 1, "warned": 1}


def test_xdist_workers_get_their_own_servers_and_databases(pytester: pytest.Pytester) -> None:
    log = pytester.path / "workers.log"
    pytester.makepyfile(
        test_iso=f"""
        import os
        import sqlalchemy as sa

        def test_isolated(etlq_scratch_database_url):
            engine = sa.create_engine(etlq_scratch_database_url)
            with engine.begin() as conn:
                conn.execute(sa.text("CREATE TABLE mine (worker text)"))  # would clash if shared
                worker = os.environ["PYTEST_XDIST_WORKER"]
                conn.execute(sa.text("INSERT INTO mine VALUES (:w)"), {{"w": worker}})
                rows = conn.execute(sa.text("SELECT worker FROM mine")).scalars().all()
            engine.dispose()
            url = sa.engine.make_url(etlq_scratch_database_url)
            with open({str(log)!r}, "a") as f:
                f.write(f"{{os.environ['PYTEST_XDIST_WORKER']}} {{url.port}} {{url.database}} {{rows}}\\n")
        """
    )
    result = pytester.runpytest_subprocess(
        "-n", "2", "--dist=each", "-p", "no:cacheprovider", "--etlq-mode=local"
    )
    assert outcomes(result) == {"passed": 2}
    lines = sorted(log.read_text().split("\n")[:-1])
    workers = [line.split(" ") for line in lines]
    assert [w[0] for w in workers] == ["gw0", "gw1"]
    assert workers[0][1] != workers[1][1], "both workers used the same PostgreSQL server"
    assert [w[3] for w in workers] == ["['gw0']", "['gw1']"]


def test_allure_result_of_a_passed_check_carries_its_sql(
    pytester: pytest.Pytester, shop_url: str, shop_contracts: Path, check_module: Path
) -> None:
    results = pytester.path / "allure"
    pytester.runpytest_subprocess(
        "-k", "row_count", f"--alluredir={results}", *deployed_args(shop_url, shop_contracts)
    )
    [path] = results.glob("*-result.json")
    result = json.loads(path.read_text())
    assert (result["name"], result["status"]) == ("shop.orders::row_count", "passed")
    assert [a["name"] for a in result["attachments"]] == ["SQL"]
    sql = (results / result["attachments"][0]["source"]).read_text()
    assert sql.startswith("SELECT") and '"shop"."orders"' in sql


def test_allure_result_of_a_per_contract_item(pytester: pytest.Pytester, shop_contracts: Path) -> None:
    pytester.makepyfile(
        test_shapes="""
        import allure, pytest

        pytestmark = allure.epic("schema drift")

        def test_shape(etlq_contract):
            assert etlq_contract.table == "shop.orders"
        """
    )
    results = pytester.path / "allure"
    pytester.runpytest_subprocess(
        f"--alluredir={results}", *deployed_args("postgresql://unused@127.0.0.1:1/x", shop_contracts)
    )
    [path] = results.glob("*-result.json")
    result = json.loads(path.read_text())
    labels = {(label["name"], label["value"]) for label in result["labels"]}
    assert result["status"] == "passed"
    assert {("epic", "schema drift"), ("feature", "shop.orders")} <= labels
    assert result["parameters"] == [{"name": "etlq_contract", "value": "'shop.orders'"}]
    assert [link["name"] for link in result["links"]] == ["contract orders.yml"]
