-- Silver: staging partition run_date = %(run_date)s -> cleaned, deduplicated, with history.
-- Run in this order by etl/silver.py inside one transaction. Every write is guarded by
-- IS DISTINCT FROM, so a rerun changes no row and run_id only moves when data changes.
-- Conflicts: a later delivery (run_date) wins over an earlier one, in whatever order they are
-- processed; inside one delivery the last record (source_file, source_line) wins.

-- name: create_changed_orders
CREATE TEMP TABLE changed_orders (order_id bigint NOT NULL) ON COMMIT DROP;

-- name: merge_order_events
WITH batch AS (
    SELECT DISTINCT ON (order_id, event_ts)
           order_id, event_ts, customer_id, upper(btrim(status)) AS status, amount, currency, order_date,
           run_date
    FROM staging.orders
    WHERE run_date = %(run_date)s
    ORDER BY order_id, event_ts, source_file DESC, source_line DESC
), merged AS (
    INSERT INTO silver.order_events AS t
           (order_id, event_ts, customer_id, status, amount, currency, order_date, run_date, run_id)
    SELECT order_id, event_ts, customer_id, status, amount, currency, order_date, run_date, %(run_id)s
    FROM batch
    ON CONFLICT (order_id, event_ts) DO UPDATE
    SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status, amount = EXCLUDED.amount,
        currency = EXCLUDED.currency, order_date = EXCLUDED.order_date, run_date = EXCLUDED.run_date,
        run_id = EXCLUDED.run_id
    WHERE EXCLUDED.run_date >= t.run_date
      AND (t.customer_id, t.status, t.amount, t.currency, t.order_date)
          IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.status, EXCLUDED.amount, EXCLUDED.currency, EXCLUDED.order_date)
    RETURNING order_id
)
INSERT INTO changed_orders SELECT order_id FROM merged;

-- name: upsert_orders
-- Latest event per changed order; event_ts is unique per order (the events' key).
INSERT INTO silver.orders AS t
       (order_id, customer_id, status, amount, currency, order_date, last_event_ts, event_count, run_id)
SELECT DISTINCT ON (e.order_id)
       e.order_id, e.customer_id, e.status, e.amount, e.currency, e.order_date, e.event_ts,
       count(*) OVER (PARTITION BY e.order_id), %(run_id)s
FROM silver.order_events e
WHERE e.order_id IN (SELECT order_id FROM changed_orders)
ORDER BY e.order_id, e.event_ts DESC
ON CONFLICT (order_id) DO UPDATE
SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status, amount = EXCLUDED.amount,
    currency = EXCLUDED.currency, order_date = EXCLUDED.order_date,
    last_event_ts = EXCLUDED.last_event_ts, event_count = EXCLUDED.event_count, run_id = EXCLUDED.run_id
WHERE (t.customer_id, t.status, t.amount, t.currency, t.order_date, t.last_event_ts, t.event_count)
      IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.status, EXCLUDED.amount, EXCLUDED.currency,
                        EXCLUDED.order_date, EXCLUDED.last_event_ts, EXCLUDED.event_count);

-- name: build_customer_versions
-- SCD2 of the customers in this partition, rebuilt from their change points: the existing
-- versions plus the incoming rows (at the same valid_from the later delivery wins, and on a tie
-- the incoming row). A point whose attributes equal the previous point's is no change and is dropped;
-- valid_to is the next remaining point's valid_from. Late-arriving rows land in their place.
CREATE TEMP TABLE customer_versions ON COMMIT DROP AS
WITH incoming AS (
    SELECT DISTINCT ON (customer_id, updated_at)
           customer_id, email, full_name, phone, country, segment, updated_at AS valid_from, run_date,
           1 AS preference
    FROM staging.customers
    WHERE run_date = %(run_date)s
    ORDER BY customer_id, updated_at, source_file DESC, source_line DESC
), points AS (
    SELECT DISTINCT ON (customer_id, valid_from) *
    FROM (
        SELECT * FROM incoming
        UNION ALL
        SELECT c.customer_id, c.email, c.full_name, c.phone, c.country, c.segment, c.valid_from, c.run_date, 2
        FROM silver.customers c
        WHERE c.customer_id IN (SELECT customer_id FROM incoming)
    ) u
    ORDER BY customer_id, valid_from, run_date DESC, preference
), hashed AS (
    SELECT p.*, md5(jsonb_build_array(email, full_name, phone, country, segment)::text) AS attr_hash
    FROM points p
), changes AS (
    SELECT h.*, lag(attr_hash) OVER (PARTITION BY customer_id ORDER BY valid_from) AS previous_hash
    FROM hashed h
)
SELECT customer_id, email, full_name, phone, country, segment, attr_hash, valid_from,
       lead(valid_from) OVER (PARTITION BY customer_id ORDER BY valid_from) AS valid_to, run_date
FROM changes
WHERE previous_hash IS DISTINCT FROM attr_hash;

-- name: delete_superseded_customer_versions
-- Only a corrected rerun can make an existing version redundant.
DELETE FROM silver.customers c
WHERE c.customer_id IN (SELECT customer_id FROM customer_versions)
  AND NOT EXISTS (SELECT 1 FROM customer_versions v
                  WHERE v.customer_id = c.customer_id AND v.valid_from = c.valid_from);

-- name: update_customer_versions
-- Closes the version a newer one supersedes (and applies corrections at the same valid_from).
UPDATE silver.customers c
SET email = v.email, full_name = v.full_name, phone = v.phone, country = v.country, segment = v.segment,
    attr_hash = v.attr_hash, valid_to = v.valid_to, is_current = v.valid_to IS NULL, run_date = v.run_date,
    run_id = %(run_id)s
FROM customer_versions v
WHERE v.customer_id = c.customer_id AND v.valid_from = c.valid_from
  AND (c.attr_hash, c.valid_to) IS DISTINCT FROM (v.attr_hash, v.valid_to);

-- name: insert_customer_versions
INSERT INTO silver.customers
       (customer_id, email, full_name, phone, country, segment, attr_hash, valid_from, valid_to, is_current,
        run_date, run_id)
SELECT v.customer_id, v.email, v.full_name, v.phone, v.country, v.segment, v.attr_hash, v.valid_from,
       v.valid_to, v.valid_to IS NULL, v.run_date, %(run_id)s
FROM customer_versions v
WHERE NOT EXISTS (SELECT 1 FROM silver.customers c
                  WHERE c.customer_id = v.customer_id AND c.valid_from = v.valid_from);

-- name: upsert_fx_rates
INSERT INTO silver.fx_rates AS t (as_of_date, currency, rate_to_usd, run_date, run_id)
SELECT DISTINCT ON (as_of_date, currency) as_of_date, currency, rate_to_usd, run_date, %(run_id)s
FROM staging.fx_rates
WHERE run_date = %(run_date)s
ORDER BY as_of_date, currency, source_file DESC, source_line DESC
ON CONFLICT (as_of_date, currency) DO UPDATE
SET rate_to_usd = EXCLUDED.rate_to_usd, run_date = EXCLUDED.run_date, run_id = EXCLUDED.run_id
WHERE EXCLUDED.run_date >= t.run_date AND t.rate_to_usd IS DISTINCT FROM EXCLUDED.rate_to_usd;

-- name: staged_rows
SELECT (SELECT count(*) FROM staging.orders WHERE run_date = %(run_date)s),
       (SELECT count(*) FROM staging.customers WHERE run_date = %(run_date)s),
       (SELECT count(*) FROM staging.fx_rates WHERE run_date = %(run_date)s);
