-- Planted defects, one kind per block; the comment says which check counts them and how many.
-- Every planted row is otherwise valid (amount_usd = amount, known customer, fx row exists).
INSERT INTO __S__.orders (order_id, customer_id, status, amount, amount_usd, currency, order_date, loaded_at) VALUES
    -- not_null[order_id] 3 (unique checks ignore NULL keys; reconcile extra_keys counts NULL once)
    (NULL, 1, 'PAID', 1, 1, 'USD', '2024-01-01', now()), (NULL, 1, 'PAID', 1, 1, 'USD', '2024-01-01', now()),
    (NULL, 1, 'PAID', 1, 1, 'USD', '2024-01-01', now()),
    -- accepted_values[status] 5; NULL status is not a failure
    (2001, 1, 'LOST', 1, 1, 'USD', '2024-01-01', now()), (2002, 1, 'LOST', 1, 1, 'USD', '2024-01-01', now()),
    (2003, 1, 'LOST', 1, 1, 'USD', '2024-01-01', now()), (2004, 1, 'LOST', 1, 1, 'USD', '2024-01-01', now()),
    (2005, 1, 'lost', 1, 1, 'USD', '2024-01-01', now()),
    (2006, 1, NULL, 1, 1, 'USD', '2024-01-01', now()), (2007, 1, NULL, 1, 1, 'USD', '2024-01-01', now()),
    -- range[amount] 5: four below min 0, one above max 1000
    (2010, 1, 'PAID', -1, -1, 'USD', '2024-01-01', now()), (2011, 1, 'PAID', -0.01, -0.01, 'USD', '2024-01-01', now()),
    (2012, 1, 'PAID', -5, -5, 'USD', '2024-01-01', now()), (2013, 1, 'PAID', -9, -9, 'USD', '2024-01-01', now()),
    (2014, 1, 'PAID', 1000.01, 1000.01, 'USD', '2024-01-01', now()),
    -- pattern[currency] 2 (also orphans of foreign_key[order_date,currency])
    (2020, 1, 'PAID', 1, 1, 'eu', '2024-01-01', now()), (2021, 1, 'PAID', 1, 1, 'U$D', '2024-01-01', now()),
    -- foreign_key[customer_id] 7; NULL customer_id is not an orphan
    (2030, 999, 'PAID', 1, 1, 'USD', '2024-01-01', now()), (2031, 999, 'PAID', 1, 1, 'USD', '2024-01-01', now()),
    (2032, 999, 'PAID', 1, 1, 'USD', '2024-01-01', now()), (2033, 999, 'PAID', 1, 1, 'USD', '2024-01-01', now()),
    (2034, 998, 'PAID', 1, 1, 'USD', '2024-01-01', now()), (2035, 998, 'PAID', 1, 1, 'USD', '2024-01-01', now()),
    (2036, 0, 'PAID', 1, 1, 'USD', '2024-01-01', now()),
    (2037, NULL, 'PAID', 1, 1, 'USD', '2024-01-01', now()), (2038, NULL, 'PAID', 1, 1, 'USD', '2024-01-01', now()),
    -- expression[usd_at_least_amount] 8: six false, two NULL (not TRUE fails)
    (2040, 1, 'PAID', 2, 1, 'USD', '2024-01-01', now()), (2041, 1, 'PAID', 2, 1, 'USD', '2024-01-01', now()),
    (2042, 1, 'PAID', 2, 1, 'USD', '2024-01-01', now()), (2043, 1, 'PAID', 2, 1, 'USD', '2024-01-01', now()),
    (2044, 1, 'PAID', 2, 1, 'USD', '2024-01-01', now()), (2045, 1, 'PAID', 2, 1.99, 'USD', '2024-01-01', now()),
    (2046, 1, 'PAID', 2, NULL, 'USD', '2024-01-01', now()), (2047, 1, 'PAID', 2, NULL, 'USD', '2024-01-01', now()),
    -- range[order_date] 1 (and a third orphan of foreign_key[order_date,currency]: no fx that day)
    (2050, 1, 'PAID', 1, 1, 'USD', '2023-12-31', now()),
    -- reconcile extra_keys: in the target only (with the NULL key: 3)
    (2060, 1, 'PAID', 1, 1, 'USD', '2024-01-01', now()), (2061, 1, 'PAID', 1, 1, 'USD', '2024-01-01', now());
-- unique[order_id] 4 and unique[order_date,order_id] 4: two keys, each twice
INSERT INTO __S__.orders SELECT * FROM __S__.orders WHERE order_id IN (10, 20);
-- the planted rows reach the source too, so reconcile sees only its own defects ...
INSERT INTO __S__.src_orders SELECT order_id, amount, true FROM __S__.orders WHERE order_id BETWEEN 2001 AND 2059;
-- ... reconcile missing_keys 3
INSERT INTO __S__.src_orders VALUES (3001, 1, true), (3002, 1, true), (3003, 1, true);
-- max_length[note] 2 (and 12 characters exactly is no failure; NULL notes of the rows above neither)
UPDATE __S__.orders SET note = 'a note far too long' WHERE order_id IN (100, 101);
UPDATE __S__.orders SET note = 'twelve chars' WHERE order_id = 102;
-- reconcile changed 6: the three notes just changed in the target, two changed in the source and
-- one NULL in the source only (NULL-safe comparison: a NULL on one side is a change)
UPDATE __S__.src_orders SET note = 'order forty' WHERE order_id IN (40, 41);
UPDATE __S__.src_orders SET note = NULL WHERE order_id = 42;
-- events: row_count above max 5 and freshness stale
UPDATE __S__.events SET ts = ts - interval '3 days';
INSERT INTO __S__.events VALUES (6, now() - interval '4 days');
