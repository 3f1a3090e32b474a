"""Contracts exported for other engines: AWS Glue Data Quality (DQDL) and GX suites (JSON)."""
