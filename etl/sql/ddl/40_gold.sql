-- Dimensions and facts for analytics. Only keys and NOT NULLs are enforced: the business
-- rules (orphan customers, missing FX rates, ranges) are owned by the contracts' checks, and
-- a fact whose customer or rate has not arrived yet is still loaded so the checks can see it.
-- No column changes on a rerun (no load timestamps), so a rerun leaves gold byte-identical.
CREATE TABLE IF NOT EXISTS gold.dim_customers (
    customer_id bigint NOT NULL PRIMARY KEY,
    email       character varying(254) NOT NULL,
    full_name   character varying(200) NOT NULL,
    phone       character varying(32),
    country     character(2) NOT NULL,
    segment     character varying(32),
    valid_from  timestamp with time zone NOT NULL
);

CREATE TABLE IF NOT EXISTS gold.dim_fx (
    as_of_date  date NOT NULL,
    currency    character(3) NOT NULL,
    rate_to_usd numeric(18,8) NOT NULL,
    PRIMARY KEY (as_of_date, currency)
);

CREATE TABLE IF NOT EXISTS gold.fact_orders (
    order_id      bigint NOT NULL PRIMARY KEY,
    customer_id   bigint NOT NULL,
    status        text NOT NULL,
    order_date    date NOT NULL,
    currency      character(3) NOT NULL,
    amount        numeric(18,2) NOT NULL,
    fx_rate       numeric(18,8),
    amount_usd    numeric(18,2),
    last_event_ts timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS fact_orders_order_date_idx ON gold.fact_orders (order_date);

-- Non-cancelled orders per order date; revenue sums the orders that have a USD amount.
CREATE TABLE IF NOT EXISTS gold.daily_revenue (
    order_date  date NOT NULL PRIMARY KEY,
    orders      bigint NOT NULL,
    revenue_usd numeric(18,2) NOT NULL
);

-- The fact's foreign keys are declared NOT ENFORCED (PostgreSQL 18+): catalogs, BI tools and
-- schema-drift checks see the relationships, yet an orphan still loads and the contract's
-- foreign_key checks report it. Older servers get no declaration at all.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 180000 THEN
        IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'gold.fact_orders'::regclass
                       AND conname = 'fact_orders_customer_id_fkey') THEN
            ALTER TABLE gold.fact_orders ADD CONSTRAINT fact_orders_customer_id_fkey
                FOREIGN KEY (customer_id) REFERENCES gold.dim_customers (customer_id) NOT ENFORCED;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'gold.fact_orders'::regclass
                       AND conname = 'fact_orders_order_date_currency_fkey') THEN
            ALTER TABLE gold.fact_orders ADD CONSTRAINT fact_orders_order_date_currency_fkey
                FOREIGN KEY (order_date, currency) REFERENCES gold.dim_fx (as_of_date, currency) NOT ENFORCED;
        END IF;
    END IF;
END
$$;
