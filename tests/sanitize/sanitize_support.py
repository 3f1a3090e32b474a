"""Constants and helpers shared by the sanitize tests (imported by name: conftest modules collide)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from etlq.contracts.model import Contract
from etlq.sanitize import SanitizeOptions, SanitizeReport, sanitize
from fixtures.database import query

KEY = "test-mask-key-0123456789"
EMAIL = re.compile(r"^[a-z]+\.[a-z]+\.[0-9a-f]{6}@example\.(com|net|org)$")  # a masked address


def sanitize_argv(source_url: str, root: str, *rest: str) -> tuple[str, ...]:
    """``etlq sanitize --source-url URL --root ROOT <rest>``."""
    return ("sanitize", "--source-url", source_url, "--root", root, *rest)


def plan(source_url: str, root: str, contracts: Sequence[Contract]) -> SanitizeReport:
    """``sanitize --plan`` of every root row, with ``contracts``."""
    return sanitize(
        SanitizeOptions(source_url=source_url, root=root, where="true", contracts=contracts, plan_only=True)
    )


def schemas_in(url: str, *names: str) -> int:
    """How many of the schemas ``names`` the database has (0: a refused or rolled-back run left nothing)."""
    listed = ", ".join(f"'{n}'" for n in names)
    return int(query(url, f"SELECT count(*) FROM pg_namespace WHERE nspname IN ({listed})")[0][0])


SHOP = """
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id bigint PRIMARY KEY, email text UNIQUE, full_name text NOT NULL,
    phone varchar(32), dob date, segment text);
CREATE TABLE shop.orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES shop.customers(id),
    contact_email text, amount numeric(18,2), note text);
CREATE TABLE shop.items (order_id bigint REFERENCES shop.orders(id), line int, sku text,
    PRIMARY KEY (order_id, line));
CREATE TABLE shop.audit_log (customer_id bigint REFERENCES shop.customers(id), message text);
INSERT INTO shop.customers
    SELECT i, 'user' || i || '@mail.test', 'Person Number' || i,
           CASE WHEN i % 10 = 0 THEN NULL ELSE '(555) 01' || lpad(i::text, 2, '0') || '-7' || i % 10 END,
           date '1980-01-01' + i, CASE WHEN i % 2 = 0 THEN 'RETAIL' ELSE 'SMB' END
    FROM generate_series(1, 50) i;
INSERT INTO shop.orders SELECT i, i % 50 + 1, 'User' || (i % 50 + 1) || '@Mail.test', i * 1.5, 'note ' || i
    FROM generate_series(1, 200) i;
INSERT INTO shop.items SELECT o, l, 'SKU-' || l FROM generate_series(1, 200) o, generate_series(1, 2) l;
INSERT INTO shop.audit_log SELECT i % 50 + 1, 'login' FROM generate_series(1, 20) i;

CREATE SCHEMA "Sales Data";
CREATE TABLE "Sales Data"."Customer Accounts" ("Account ID" int PRIMARY KEY, "E-Mail Address" text,
    "Contact Name" text, "Notes" text);
INSERT INTO "Sales Data"."Customer Accounts"
    SELECT i, 'acc' || i || '@corp.test', 'Contact ' || i, 'plain note' FROM generate_series(1, 10) i;
CREATE TABLE "Sales Data"."Order Lines" ("Line ID" int PRIMARY KEY,
    "Account ID" int REFERENCES "Sales Data"."Customer Accounts" ("Account ID"), "Reach At" text);
INSERT INTO "Sales Data"."Order Lines"
    SELECT i, i % 10 + 1, 'acc' || (i % 10 + 1) || '@corp.test' FROM generate_series(1, 30) i;

-- personal data inside structure: a json document, a text array, e-mail addresses in free text
CREATE SCHEMA crm;
CREATE TABLE crm.contacts (id int PRIMARY KEY, customer_id bigint NOT NULL REFERENCES shop.customers(id),
    emails text[], profile jsonb, note text, tags varchar(16)[]);
INSERT INTO crm.contacts
    SELECT i, i,
           ARRAY['user' || i || '@mail.test', 'Alt.Person' || i || '@Other.test', NULL],
           jsonb_build_object(
               'email', 'User' || i || '@mail.test',
               'phone', '+1 (555) 010-' || lpad(i::text, 4, '0'),
               'name', jsonb_build_object('first', 'Quenby' || i, 'last', 'Vexley' || i),
               'contacts', jsonb_build_array(
                   jsonb_build_object('kind', 'work', 'value', 'work' || i || '@corp.test')),
               'prefs', jsonb_build_object('lang', 'en', 'newsletter', i % 2 = 0, 'score', i * 1.5,
                                           'since', '2020-01-' || lpad(i::text, 2, '0'), 'nick', NULL),
               'age', 30 + i),
           'contact me at user' || i || '@mail.test, or call',
           ARRAY['vip', 'tier ' || i % 3]
    FROM generate_series(1, 20) i;
-- free text naming the customer (as in shop.customers.full_name, and as in the json profile):
-- nothing masks it, the leak scan must find the names inside
CREATE TABLE crm.calls (id int PRIMARY KEY, contact_id int NOT NULL REFERENCES crm.contacts(id),
    remark text, follow_up text);
INSERT INTO crm.calls
    SELECT i, i, 'spoke with Person Number' || i || ' today', 'ask (Quenby' || i || ' Vexley' || i || ')'
    FROM generate_series(1, 5) i;
"""
