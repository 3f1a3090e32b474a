"""AWS Glue (Python shell) job scripts: ``python -m etl.jobs.<job> --JOB_NAME x --run_date D ...``."""
