"""Parses the DAG with Airflow itself (run by `tox -e airflow`, which installs Airflow and the
Amazon provider into its own environment; the project's venv does not have them)."""

from __future__ import annotations

from pathlib import Path

from airflow.models.dagbag import DagBag


def test_the_dag_loads_without_import_errors() -> None:
    bag = DagBag(dag_folder=str(Path(__file__).with_name("etlq_glue_gate.py")), include_examples=False)
    assert bag.import_errors == {}
    dag = bag.get_dag("etlq_glue_gate")
    assert dag is not None
    chain = ["ingest", "silver", "gold", "etlq_gate", "promote"]
    assert sorted(dag.task_ids) == sorted(chain)
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    assert {type(dag.get_task(t)).__name__ for t in ("ingest", "silver", "gold")} == {"GlueJobOperator"}
    assert dag.get_task("promote").trigger_rule == "all_success"
