"""Airflow DAG: the ETL's Glue jobs, then the etlq gate; promotion runs only when the gate passes.

    ingest -> silver -> gold (GX quality gate + Glue catalog registration) -> etlq_gate -> promote

- The Glue jobs are the ones in ``etl/jobs/`` deployed as Glue jobs named ``etlq-<job>``; they
  read the database credentials from the Secrets Manager secret ``DB_SECRET_ID``.
- ``etlq_gate`` runs every contract check read-only against the warehouse (results to S3, an SNS
  alert on failure, CloudWatch metrics) and the smoke suite. A failed check exits 1, the task
  fails, and ``promote`` (trigger rule ``all_success``) does not run.
- The warehouse URL of a read-only role comes from the Airflow connection ``warehouse_qa``;
  etlq is installed on the workers (``pip install etlq``) with this repository's ``suites/``.

Settings are Airflow Variables (``etlq_raw_bucket``, ...), read when a run starts, not at parse time.
"""

from __future__ import annotations

import datetime as dt

from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

RAW_BUCKET = "{{ var.value.get('etlq_raw_bucket', 'my-raw-bucket') }}"
DB_SECRET_ID = "{{ var.value.get('etlq_db_secret_id', 'warehouse/etl') }}"
SUITES = "{{ var.value.get('etlq_suites', 's3://my-raw-bucket/suites/') }}"  # from `etlq export gx`
QUALITY_BUCKET = "{{ var.value.get('etlq_quality_bucket', 'my-quality-bucket') }}"
ALERT_TOPIC_ARN = "{{ var.value.get('etlq_alert_topic_arn', '') }}"
CHECKOUT = "{{ var.value.get('etlq_checkout', '/opt/etlq') }}"  # contracts/ and suites/ live here

# The gate: every contract check, published whatever the outcome, exit 1 when one failed; then
# the smoke suite (drift, today's runs loaded and gated). Both read-only: a URL means deployed mode.
GATE = (
    "cd " + CHECKOUT + " && "
    "etlq check --contracts testdata/contracts --format json --out reports/check-{{ ds }}.json "
    "--publish --bucket " + QUALITY_BUCKET + " --topic-arn " + ALERT_TOPIC_ARN + " && "
    "pytest suites -m smoke -p no:cacheprovider --etlq-run-date {{ ds }} --etlq-raw-bucket " + RAW_BUCKET
)

with DAG(
    dag_id="etlq_glue_gate",
    description="Glue ETL (ingest, silver, gold) gated by etlq before promotion",
    schedule="@daily",
    start_date=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0},
    tags=["etlq", "glue"],
) as dag:
    common = {"--run_date": "{{ ds }}", "--db_secret_id": DB_SECRET_ID}
    ingest = GlueJobOperator(
        task_id="ingest",
        job_name="etlq-ingest",
        script_args={**common, "--raw_bucket": RAW_BUCKET},
        wait_for_completion=True,
        verbose=True,
    )
    silver = GlueJobOperator(
        task_id="silver", job_name="etlq-silver", script_args=common, wait_for_completion=True, verbose=True
    )
    gold = GlueJobOperator(
        task_id="gold",
        job_name="etlq-gold",
        # the GX hard gate runs inside the job before gold; gold tables are registered in the Glue catalog
        script_args={
            **common,
            "--expectations": SUITES,
            "--raw_bucket": RAW_BUCKET,
            "--glue_database": "etlq",
        },
        wait_for_completion=True,
        verbose=True,
    )
    etlq_gate = BashOperator(
        task_id="etlq_gate",
        bash_command=GATE,
        env={"ETLQ_DATABASE_URL": "{{ conn.warehouse_qa.get_uri() }}"},
        append_env=True,
    )
    promote = EmptyOperator(task_id="promote")  # replace with your promotion step

    ingest >> silver >> gold >> etlq_gate >> promote
