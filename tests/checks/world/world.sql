-- The shop world: __S__ is replaced by the schema name. Good data only; defects.sql plants
-- the defects whose exact counts tests/checks assert.
CREATE SCHEMA __S__;
CREATE TABLE __S__.customers (customer_id integer PRIMARY KEY, segment text);
CREATE TABLE __S__.fx (as_of_date date, currency char(3), rate numeric(12,6), PRIMARY KEY (as_of_date, currency));
CREATE TABLE __S__.orders (
    order_id bigint, customer_id integer, status text, amount numeric(12,2), amount_usd numeric(12,2),
    currency char(3), order_date date, loaded_at timestamptz, note text
);
CREATE TABLE __S__.src_orders (order_id bigint, amount numeric(12,2), is_current boolean, note text);
CREATE TABLE __S__.events (id integer, ts timestamptz);

INSERT INTO __S__.customers SELECT g, (ARRAY['retail', 'b2b'])[1 + g % 2] FROM generate_series(1, 50) g;
INSERT INTO __S__.fx SELECT d::date, c, 1.0
    FROM generate_series(DATE '2024-01-01', DATE '2024-01-31', interval '1 day') d, unnest(ARRAY['USD', 'EUR', 'GBP']) c;
INSERT INTO __S__.orders
    SELECT g, 1 + g % 50, (ARRAY['PLACED', 'PAID', 'SHIPPED', 'CANCELLED'])[1 + g % 4], g % 500 + 0.5, g % 500 + 0.5,
           (ARRAY['USD', 'EUR', 'GBP'])[1 + g % 3], DATE '2024-01-01' + g % 31, now() - (g % 100) * interval '1 minute',
           'order ' || g
    FROM generate_series(1, 1000) g;
INSERT INTO __S__.src_orders SELECT order_id, amount, true, note FROM __S__.orders;
INSERT INTO __S__.src_orders VALUES (900001, 5.00, false);  -- not current: the source_filter drops it
INSERT INTO __S__.events SELECT g, now() - g * interval '1 hour' FROM generate_series(1, 5) g;
