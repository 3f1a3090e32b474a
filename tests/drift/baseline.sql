-- The baseline every drift case starts from; __S__ is the case's own schema.
CREATE SCHEMA __S__;
CREATE TABLE __S__.parent (id integer PRIMARY KEY, code varchar(10));
CREATE TABLE __S__.t (
    id integer PRIMARY KEY,
    parent_id integer REFERENCES __S__.parent (id),
    name varchar(50) NOT NULL,
    amount numeric(10,2),
    qty integer,
    ratio real,
    note text
);
