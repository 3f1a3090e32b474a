-- Helpers of the ingest job's set-based typing (etl/ingest.py, etl/sources.py). Functions are
-- replaced, never altered in place, so this file stays idempotent.

-- Would value::type_name succeed? One SQL code path for every server: PostgreSQL 16+ wraps
-- pg_input_is_valid (inlined by the planner, no error raised or caught); older servers cast in
-- a plpgsql exception block: slower, and a subtransaction, so not in parallel workers (ingest's
-- checks then run in one process). type_name comes from code, never from data.
CREATE OR REPLACE FUNCTION audit.input_is_valid_by_cast(value text, type_name text) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL UNSAFE AS $f$
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT %L::%s', value, type_name);
    RETURN true;
EXCEPTION WHEN data_exception THEN  -- SQLSTATE class 22: bad syntax, out of range, bad date
    RETURN false;
END
$f$;

DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 160000 THEN
        CREATE OR REPLACE FUNCTION audit.input_is_valid(value text, type_name text) RETURNS boolean
        LANGUAGE sql STABLE PARALLEL SAFE AS $f$ SELECT pg_input_is_valid(value, type_name) $f$;
    ELSE
        CREATE OR REPLACE FUNCTION audit.input_is_valid(value text, type_name text) RETURNS boolean
        LANGUAGE sql STABLE PARALLEL UNSAFE AS $f$ SELECT audit.input_is_valid_by_cast(value, type_name) $f$;
    END IF;
END
$$;

-- A raw value as trimmed before typing: the blanks Python's str.strip() removes (Unicode White_Space
-- plus the ASCII separators \x1c-\x1f), not only spaces as btrim(value) would.
CREATE OR REPLACE FUNCTION audit.strip_blanks(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
SELECT btrim(value, E' \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000')
$f$;

-- Neither the first nor the last character of value is one of those blanks (false for ''): the
-- cheap test that lets ingest skip strip_blanks for almost every value.
CREATE OR REPLACE FUNCTION audit.is_stripped(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
SELECT ascii(value) > 32 AND ascii(right(value, 1)) > 32
       AND ascii(value) NOT IN (133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)
       AND ascii(right(value, 1)) NOT IN (133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)
$f$;

-- A value quoted for a quarantine reason the way Python's repr() shows a string: at most 40
-- characters (then '...'), single quotes unless it holds only the other kind, backslash, tab,
-- newline and carriage return escaped.
CREATE OR REPLACE FUNCTION audit.shown(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
SELECT CASE WHEN strpos(v, '''') > 0 AND strpos(v, '"') = 0 THEN '"' || e || '"'
            ELSE '''' || replace(e, '''', '\''') || '''' END
FROM (SELECT v, replace(replace(replace(replace(v, '\', '\\'), E'\t', '\t'), E'\n', '\n'), E'\r', '\r') AS e
      FROM (SELECT CASE WHEN length(value) > 40 THEN left(value, 40) || '...' ELSE value END AS v) AS cut) AS escaped
$f$;
