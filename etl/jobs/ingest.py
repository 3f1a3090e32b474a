"""Glue job: raw CSV in s3://<raw_bucket>/raw/<source>/run_date=D/ -> staging + quarantine.

Arguments: --JOB_NAME --run_date YYYY-MM-DD --raw_bucket B (--db_secret_id ID | --database_url URL)
"""

import sys

from etl.jobs.entry import main

if __name__ == "__main__":
    sys.exit(main("ingest"))
