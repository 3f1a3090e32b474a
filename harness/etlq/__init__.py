"""etlq: a quality harness for AWS Glue -> RDS PostgreSQL ETL."""

__version__ = "0.1.0"
