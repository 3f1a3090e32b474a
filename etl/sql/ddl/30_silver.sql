-- Cleaned, deduplicated, with history. run_date is the raw delivery the row's values come
-- from: when two deliveries disagree the later run date wins, whatever order they are
-- processed in. run_id is the audit.job_runs run that last CHANGED the row (unchanged rows
-- keep theirs), which is what gold's watermark reads.
CREATE TABLE IF NOT EXISTS silver.order_events (
    order_id    bigint NOT NULL,
    event_ts    timestamp with time zone NOT NULL,
    customer_id bigint NOT NULL,
    status      text NOT NULL CHECK (status IN ('PLACED', 'PAID', 'SHIPPED', 'CANCELLED')),
    amount      numeric(18,2) NOT NULL CHECK (amount >= 0),
    currency    character(3) NOT NULL,
    order_date  date NOT NULL,
    run_date    date NOT NULL,
    run_id      bigint NOT NULL,
    PRIMARY KEY (order_id, event_ts)
);

-- Latest event per order (event_ts is part of the events' key, so "latest" is unique).
CREATE TABLE IF NOT EXISTS silver.orders (
    order_id      bigint NOT NULL PRIMARY KEY,
    customer_id   bigint NOT NULL,
    status        text NOT NULL CHECK (status IN ('PLACED', 'PAID', 'SHIPPED', 'CANCELLED')),
    amount        numeric(18,2) NOT NULL CHECK (amount >= 0),
    currency      character(3) NOT NULL,
    order_date    date NOT NULL,
    last_event_ts timestamp with time zone NOT NULL,
    event_count   integer NOT NULL CHECK (event_count > 0),
    run_id        bigint NOT NULL,
    FOREIGN KEY (order_id, last_event_ts) REFERENCES silver.order_events (order_id, event_ts)
);
CREATE INDEX IF NOT EXISTS orders_run_id_idx ON silver.orders (run_id);
CREATE INDEX IF NOT EXISTS orders_order_date_currency_idx ON silver.orders (order_date, currency);

-- SCD2: one row per version; valid_to is the next version's valid_from (exclusive).
CREATE TABLE IF NOT EXISTS silver.customers (
    customer_id bigint NOT NULL,
    email       character varying(254) NOT NULL,
    full_name   character varying(200) NOT NULL,
    phone       character varying(32),
    country     character(2) NOT NULL,
    segment     character varying(32),
    attr_hash   text NOT NULL,
    valid_from  timestamp with time zone NOT NULL,
    valid_to    timestamp with time zone,
    is_current  boolean NOT NULL,
    run_date    date NOT NULL,
    run_id      bigint NOT NULL,
    PRIMARY KEY (customer_id, valid_from),
    CHECK (is_current = (valid_to IS NULL)),
    CHECK (valid_to > valid_from)
);
CREATE UNIQUE INDEX IF NOT EXISTS customers_one_current_idx ON silver.customers (customer_id) WHERE is_current;
CREATE INDEX IF NOT EXISTS customers_run_id_idx ON silver.customers (run_id);

CREATE TABLE IF NOT EXISTS silver.fx_rates (
    as_of_date  date NOT NULL,
    currency    character(3) NOT NULL,
    rate_to_usd numeric(18,8) NOT NULL CHECK (rate_to_usd > 0),
    run_date    date NOT NULL,
    run_id      bigint NOT NULL,
    PRIMARY KEY (as_of_date, currency)
);
CREATE INDEX IF NOT EXISTS fx_rates_run_id_idx ON silver.fx_rates (run_id);
