-- Typed rows of the raw files plus lineage. No business CHECKs here: the parser is the
-- guard, and staging must be able to hold whatever the contracts' checks are meant to find.
-- Each run_date is replaced as a whole by a rerun of ingest.
CREATE TABLE IF NOT EXISTS staging.orders (
    order_id    bigint NOT NULL,
    customer_id bigint NOT NULL,
    status      text NOT NULL,
    amount      numeric(18,2) NOT NULL,
    currency    character(3) NOT NULL,
    order_date  date NOT NULL,
    event_ts    timestamp with time zone NOT NULL,
    run_date    date NOT NULL,
    source_file text NOT NULL,
    source_line integer NOT NULL,
    loaded_at   timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (run_date, source_file, source_line)
);

CREATE TABLE IF NOT EXISTS staging.customers (
    customer_id bigint NOT NULL,
    email       character varying(254) NOT NULL,
    full_name   character varying(200) NOT NULL,
    phone       character varying(32),
    country     character(2) NOT NULL,
    segment     character varying(32),
    updated_at  timestamp with time zone NOT NULL,
    run_date    date NOT NULL,
    source_file text NOT NULL,
    source_line integer NOT NULL,
    loaded_at   timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (run_date, source_file, source_line)
);

CREATE TABLE IF NOT EXISTS staging.fx_rates (
    as_of_date  date NOT NULL,
    currency    character(3) NOT NULL,
    rate_to_usd numeric(18,8) NOT NULL,
    run_date    date NOT NULL,
    source_file text NOT NULL,
    source_line integer NOT NULL,
    loaded_at   timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (run_date, source_file, source_line)
);
