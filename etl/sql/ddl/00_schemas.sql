-- Schemas of the ETL. Every file in this folder is idempotent and applied in name order
-- before each job (etl.db.ensure_schema), under an advisory lock so parallel jobs do not race.
CREATE SCHEMA IF NOT EXISTS audit;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS silver;
CREATE SCHEMA IF NOT EXISTS gold;
