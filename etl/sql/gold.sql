-- Gold: silver rows changed since the watermark -> dimensions, facts, daily revenue.
-- %(wm_orders)s, %(wm_customers)s and %(wm_fx)s are the highest silver run_id already applied
-- (audit.watermarks, job 'gold'). Every write is guarded by IS DISTINCT FROM and gold holds no
-- load timestamps, so a rerun leaves every gold row as it was.

-- name: read_watermarks
SELECT s.source, coalesce(w.high_water, 0)
FROM (VALUES ('silver.orders'), ('silver.customers'), ('silver.fx_rates')) AS s (source)
LEFT JOIN audit.watermarks w ON w.job = 'gold' AND w.source = s.source;

-- name: high_waters
SELECT 'silver.orders', coalesce(max(run_id), 0) FROM silver.orders
UNION ALL SELECT 'silver.customers', coalesce(max(run_id), 0) FROM silver.customers
UNION ALL SELECT 'silver.fx_rates', coalesce(max(run_id), 0) FROM silver.fx_rates;

-- name: rows_since_watermark
SELECT (SELECT count(*) FROM silver.orders WHERE run_id > %(wm_orders)s)
     + (SELECT count(*) FROM silver.customers WHERE run_id > %(wm_customers)s)
     + (SELECT count(*) FROM silver.fx_rates WHERE run_id > %(wm_fx)s);

-- name: upsert_dim_customers
INSERT INTO gold.dim_customers AS t (customer_id, email, full_name, phone, country, segment, valid_from)
SELECT customer_id, email, full_name, phone, country, segment, valid_from
FROM silver.customers
WHERE is_current
  AND customer_id IN (SELECT customer_id FROM silver.customers WHERE run_id > %(wm_customers)s)
ON CONFLICT (customer_id) DO UPDATE
SET email = EXCLUDED.email, full_name = EXCLUDED.full_name, phone = EXCLUDED.phone,
    country = EXCLUDED.country, segment = EXCLUDED.segment, valid_from = EXCLUDED.valid_from
WHERE (t.email, t.full_name, t.phone, t.country, t.segment, t.valid_from)
      IS DISTINCT FROM (EXCLUDED.email, EXCLUDED.full_name, EXCLUDED.phone, EXCLUDED.country,
                        EXCLUDED.segment, EXCLUDED.valid_from);

-- name: create_changed_fx
CREATE TEMP TABLE changed_fx (as_of_date date NOT NULL, currency character(3) NOT NULL) ON COMMIT DROP;

-- name: upsert_dim_fx
-- USD is the base: rate 1 on every date that has rates (ingest rejects any other USD rate).
WITH changed AS (
    SELECT as_of_date, currency, rate_to_usd FROM silver.fx_rates WHERE run_id > %(wm_fx)s
), fx AS (
    SELECT as_of_date, currency, rate_to_usd FROM changed WHERE currency <> 'USD'
    UNION ALL
    SELECT DISTINCT as_of_date, 'USD'::character(3), 1::numeric(18,8) FROM changed
), merged AS (
    INSERT INTO gold.dim_fx AS t (as_of_date, currency, rate_to_usd)
    SELECT as_of_date, currency, rate_to_usd FROM fx
    ON CONFLICT (as_of_date, currency) DO UPDATE SET rate_to_usd = EXCLUDED.rate_to_usd
    WHERE t.rate_to_usd IS DISTINCT FROM EXCLUDED.rate_to_usd
    RETURNING as_of_date, currency
)
INSERT INTO changed_fx SELECT as_of_date, currency FROM merged;

-- name: stage_fact_candidates
-- Changed orders, plus orders whose rate changed or arrived. A missing rate gives NULL
-- fx_rate and amount_usd; the row is loaded anyway so the contract checks report it.
CREATE TEMP TABLE fact_candidates ON COMMIT DROP AS
WITH keys AS (
    SELECT order_id FROM silver.orders WHERE run_id > %(wm_orders)s
    UNION
    SELECT o.order_id FROM silver.orders o
    JOIN changed_fx c ON c.as_of_date = o.order_date AND c.currency = o.currency
)
SELECT o.order_id, o.customer_id, o.status, o.order_date, o.currency, o.amount,
       fx.rate_to_usd AS fx_rate, round(o.amount * fx.rate_to_usd, 2) AS amount_usd, o.last_event_ts
FROM keys k
JOIN silver.orders o USING (order_id)
LEFT JOIN gold.dim_fx fx ON fx.as_of_date = o.order_date AND fx.currency = o.currency;

-- name: collect_affected_dates
-- Days whose revenue may change: the candidates' dates and, for orders that moved, their old date.
CREATE TEMP TABLE affected_dates ON COMMIT DROP AS
SELECT order_date FROM fact_candidates
UNION
SELECT f.order_date FROM gold.fact_orders f JOIN fact_candidates c USING (order_id);

-- name: upsert_fact_orders
INSERT INTO gold.fact_orders AS t
       (order_id, customer_id, status, order_date, currency, amount, fx_rate, amount_usd, last_event_ts)
SELECT order_id, customer_id, status, order_date, currency, amount, fx_rate, amount_usd, last_event_ts
FROM fact_candidates
ON CONFLICT (order_id) DO UPDATE
SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status, order_date = EXCLUDED.order_date,
    currency = EXCLUDED.currency, amount = EXCLUDED.amount, fx_rate = EXCLUDED.fx_rate,
    amount_usd = EXCLUDED.amount_usd, last_event_ts = EXCLUDED.last_event_ts
WHERE (t.customer_id, t.status, t.order_date, t.currency, t.amount, t.fx_rate, t.amount_usd, t.last_event_ts)
      IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.status, EXCLUDED.order_date, EXCLUDED.currency,
                        EXCLUDED.amount, EXCLUDED.fx_rate, EXCLUDED.amount_usd, EXCLUDED.last_event_ts);

-- name: delete_empty_days
DELETE FROM gold.daily_revenue r
WHERE r.order_date IN (SELECT order_date FROM affected_dates)
  AND NOT EXISTS (SELECT 1 FROM gold.fact_orders f WHERE f.order_date = r.order_date);

-- name: upsert_daily_revenue
INSERT INTO gold.daily_revenue AS t (order_date, orders, revenue_usd)
SELECT f.order_date,
       count(*) FILTER (WHERE f.status <> 'CANCELLED'),
       coalesce(sum(f.amount_usd) FILTER (WHERE f.status <> 'CANCELLED'), 0)
FROM gold.fact_orders f
WHERE f.order_date IN (SELECT order_date FROM affected_dates)
GROUP BY f.order_date
ON CONFLICT (order_date) DO UPDATE SET orders = EXCLUDED.orders, revenue_usd = EXCLUDED.revenue_usd
WHERE (t.orders, t.revenue_usd) IS DISTINCT FROM (EXCLUDED.orders, EXCLUDED.revenue_usd);

-- name: save_watermark
INSERT INTO audit.watermarks AS w (job, source, high_water, run_id)
VALUES ('gold', %(source)s, %(high_water)s, %(run_id)s)
ON CONFLICT (job, source) DO UPDATE
SET high_water = EXCLUDED.high_water, run_id = EXCLUDED.run_id, updated_at = now()
WHERE w.high_water IS DISTINCT FROM EXCLUDED.high_water;
