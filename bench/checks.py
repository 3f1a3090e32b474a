"""Check engine vs Great Expectations, Soda Core v4, datacontract-cli and a hand-written fused
query, on staging.orders; one ``count(*)`` scan is the physical floor.

The data: generated orders loaded by the ETL's ingest job. Ingest quarantines anything it
cannot type, so staging is clean; ``PLANT_SQL`` then breaks a few rows, so some checks fail
and the engines' extra work for failed checks (samples of failing rows) is part of the time.

The checks: every row-level check (not null, range, pattern, expression) the staging.orders
contract declares. All three contenders count failing rows of exactly those checks; the
counts must agree, or the ratios would compare different work.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from bench import peers
from bench.results import Run
from bench.timing import median, timed
from bench.workspace import Workspace, contracts, ingest_orders, land_raw, server_version, workspace
from etlq.checks import run_checks
from etlq.checks.plan import plan_contract
from etlq.checks.results import RunResult
from etlq.checks.sql_build import ROW_KINDS
from etlq.local import LocalServices

TABLE = "staging.orders"
MAX_SQL_OVER_FUSED = 1.3  # the engine's cost over the query an engineer would write by hand
MIN_GX_OVER_SQL = 5.0
MIN_PEER_OVER_SQL = 2.0  # Soda Core v4 and datacontract-cli
GOAL = (
    f"sql engine takes <= {MAX_SQL_OVER_FUSED}x the hand-written fused query's time,"
    f" is >= {MIN_GX_OVER_SQL:g}x faster than GX and >= {MIN_PEER_OVER_SQL:g}x faster than"
    " Soda Core v4 and datacontract-cli"
)

# About one row in 30 gets one defect; mod(), not %, as the statement runs without parameters.
PLANT_SQL = """
UPDATE staging.orders SET
    amount   = CASE WHEN mod(source_line, 97) = 0 THEN -amount - 1 ELSE amount END,
    currency = CASE WHEN mod(source_line, 89) = 0 THEN lower(currency) ELSE currency END,
    event_ts = CASE WHEN mod(source_line, 83) = 0 THEN now() + interval '1 day' ELSE event_ts END
WHERE mod(source_line, 97) = 0 OR mod(source_line, 89) = 0 OR mod(source_line, 83) = 0
"""

# What an engineer would write by hand for the same checks: one scan, one count per check.
# Its column names are the check ids, so its counts compare with the engines' one to one.
FUSED_SQL = """
SELECT
    count(*) AS total,
    count(*) FILTER (WHERE order_id IS NULL)    AS "staging.orders::not_null[order_id]",
    count(*) FILTER (WHERE customer_id IS NULL) AS "staging.orders::not_null[customer_id]",
    count(*) FILTER (WHERE status IS NULL)      AS "staging.orders::not_null[status]",
    count(*) FILTER (WHERE amount IS NULL)      AS "staging.orders::not_null[amount]",
    count(*) FILTER (WHERE amount < 0)          AS "staging.orders::range[amount]",
    count(*) FILTER (WHERE currency IS NULL)    AS "staging.orders::not_null[currency]",
    count(*) FILTER (WHERE currency !~ '^[A-Z]{3}$') AS "staging.orders::pattern[currency]",
    count(*) FILTER (WHERE order_date IS NULL)  AS "staging.orders::not_null[order_date]",
    count(*) FILTER (WHERE event_ts IS NULL)    AS "staging.orders::not_null[event_ts]",
    count(*) FILTER (WHERE run_date IS NULL)    AS "staging.orders::not_null[run_date]",
    count(*) FILTER (WHERE source_file IS NULL) AS "staging.orders::not_null[source_file]",
    count(*) FILTER (WHERE source_line IS NULL) AS "staging.orders::not_null[source_line]",
    count(*) FILTER (WHERE source_line < 2)     AS "staging.orders::range[source_line]",
    count(*) FILTER (WHERE loaded_at IS NULL)   AS "staging.orders::not_null[loaded_at]",
    count(*) FILTER (WHERE (event_ts <= now()) IS NOT TRUE)
                                                AS "staging.orders::expression[event_ts_not_in_future]"
FROM staging.orders
"""


def _load(space: Workspace, rows: int) -> None:
    land_raw(space, rows, defects=0.0)
    ingest_orders(space)
    with space.engine.begin() as conn:
        conn.exec_driver_sql(PLANT_SQL)
    with space.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM ANALYZE {TABLE}")  # as after any bulk change


def fused_sql(space: Workspace) -> dict[str, int]:
    """The hand-written query's counts by check id, plus ``total``."""
    with space.engine.connect() as conn:
        return dict(conn.exec_driver_sql(FUSED_SQL).one()._mapping)


def count_star(space: Workspace) -> int:
    """The physical floor: one scan of the table, nothing evaluated."""
    with space.engine.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {TABLE}").scalar_one())


def _failing(run: RunResult) -> dict[str, int | None]:
    return {result.id: result.failing for result in run.results}


def measure(services: LocalServices, rows: int, repeat: int, with_peers: bool = True) -> Run:
    """Median seconds of each contender over ``repeat`` interleaved rounds, after one warm-up."""
    from etlq.checks.gx import run_gx  # GX is slow to import; only this measurement needs it

    [contract] = [c for c in contracts() if c.table == TABLE]
    specs = [spec for spec in plan_contract(contract) if spec.kind in ROW_KINDS]
    select = ",".join(spec.id for spec in specs)
    tools, unavailable = (
        peers.available((peers.SODA, peers.DATACONTRACT))
        if with_peers
        else ([], ["Soda Core and datacontract-cli skipped (--no-peers)"])
    )
    with workspace(services, "checks") as space, contextlib.ExitStack() as stack:
        _load(space, rows)
        contenders: dict[str, Callable[[], tuple[float, Any]]] = {
            "sql": lambda: timed(lambda: run_checks(space.engine, [contract], select=select)),
            "gx": lambda: timed(lambda: run_gx(space.engine, [contract], select=select)),
            "fused_sql": lambda: timed(lambda: fused_sql(space)),
            "count_star": lambda: timed(lambda: count_star(space)),
        }
        for tool in tools:  # each peer times itself: its process start and imports are not the subject
            peer = peers.check_peer(tool, space.url, TABLE, specs, {c.name: c.type for c in contract.columns})
            stack.callback(peer.close)
            contenders[tool.name] = peer.run
        # one untimed round: connection pools, caches and GX's first-use setup are not the subject
        last = {key: call()[1] for key, call in contenders.items()}
        seconds: dict[str, list[float]] = {key: [] for key in contenders}
        for _ in range(repeat):
            # interleaved, so a burst of load on the shared machine hits every contender alike
            for key, call in contenders.items():
                elapsed, last[key] = call()
                seconds[key].append(elapsed)
        postgres = server_version(space)
    fused = dict(last["fused_sql"])
    total = fused.pop("total")
    failing = {"sql_engine": _failing(last["sql"]), "gx": _failing(last["gx"]), "fused_sql": fused}
    failing |= {tool.name: last[tool.name] for tool in tools}
    agree = all(counts == failing["fused_sql"] for counts in failing.values())
    median_s = {key: median(values) for key, values in seconds.items()}
    sql = median_s["sql"]
    ratios = {
        "sql_over_fused_sql": sql / median_s["fused_sql"],
        "sql_over_count_star": sql / median_s["count_star"],
        "gx_over_sql": median_s["gx"] / sql,
        **{f"{tool.name}_over_sql": median_s[tool.name] / sql for tool in tools},
    }
    peers_met = all(ratios[f"{tool.name}_over_sql"] >= MIN_PEER_OVER_SQL for tool in tools)
    return Run(
        name="checks",
        rows=total,
        subject="etlq.checks.run_checks (sql engine), row-level checks of staging.orders",
        subject_s=tuple(seconds["sql"]),
        peers={f"{key}_s": tuple(values) for key, values in seconds.items() if key != "sql"},
        ratios=ratios,
        goal=GOAL,
        # counts that disagree make the ratios meaningless: then the goal is not met either
        met=agree
        and not unavailable
        and peers_met
        and ratios["sql_over_fused_sql"] <= MAX_SQL_OVER_FUSED
        and ratios["gx_over_sql"] >= MIN_GX_OVER_SQL,
        agree=agree,
        details={"checks": len(fused), "counts_agree": agree, "failing": failing, "postgres": postgres},
        warnings=tuple(unavailable)
        + (() if agree else ("failing counts differ between contenders (see details.failing)",)),
    )
