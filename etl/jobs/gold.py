"""Glue job: the quality gate (when --expectations is given), then silver -> gold and the Glue catalog.

Arguments: --JOB_NAME --run_date YYYY-MM-DD (--db_secret_id ID | --database_url URL)
[--expectations s3://B/suites/ --raw_bucket B] [--glue_database etlq]
"""

import sys

from etl.jobs.entry import main

if __name__ == "__main__":
    sys.exit(main("gold"))
