"""Glue job: staging partition run_date=D -> silver (events merge, latest orders, SCD2 customers, FX).

Arguments: --JOB_NAME --run_date YYYY-MM-DD (--db_secret_id ID | --database_url URL)
"""

import sys

from etl.jobs.entry import main

if __name__ == "__main__":
    sys.exit(main("silver"))
