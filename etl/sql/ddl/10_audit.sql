-- Which version of etl/sql/ddl is applied (sha256 of the files). While it matches, jobs skip
-- the DDL: even CREATE INDEX IF NOT EXISTS takes a table lock that waits for running loads.
CREATE TABLE IF NOT EXISTS audit.ddl_applied (
    checksum   text NOT NULL PRIMARY KEY,
    applied_at timestamp with time zone NOT NULL DEFAULT now()
);

-- One row per job run. A run is inserted as 'running' before its transaction starts; the
-- job's own transaction sets 'succeeded' (so the status commits atomically with the data);
-- a failure is recorded in a separate transaction after the rollback.
CREATE TABLE IF NOT EXISTS audit.job_runs (
    run_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job           text NOT NULL,
    run_date      date NOT NULL,
    status        text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
    rows_in       bigint NOT NULL DEFAULT 0,
    rows_out      bigint NOT NULL DEFAULT 0,
    rows_rejected bigint NOT NULL DEFAULT 0,
    started_at    timestamp with time zone NOT NULL DEFAULT clock_timestamp(),
    finished_at   timestamp with time zone,
    error         text,
    details       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS job_runs_job_run_date_idx ON audit.job_runs (job, run_date);

-- Raw records that failed parsing or typing. A rerun of (run_date, source) replaces its rows.
CREATE TABLE IF NOT EXISTS audit.quarantine (
    run_date       date NOT NULL,
    source         text NOT NULL,
    source_file    text NOT NULL,
    line_no        integer NOT NULL,
    raw_line       text NOT NULL,
    reason_code    text NOT NULL,
    column_name    text,
    reason         text NOT NULL,
    run_id         bigint NOT NULL,
    quarantined_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (source_file, line_no)
);
CREATE INDEX IF NOT EXISTS quarantine_run_date_source_idx ON audit.quarantine (run_date, source);

-- Incremental progress: for job 'gold', source 'silver.<table>' holds the highest silver
-- run_id already applied to gold.
CREATE TABLE IF NOT EXISTS audit.watermarks (
    job        text NOT NULL,
    source     text NOT NULL,
    high_water bigint NOT NULL,
    run_id     bigint NOT NULL,
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (job, source)
);
