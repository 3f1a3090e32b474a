"""Checks: what a check is (``plan``, ``results``) and the engines that run them
(``sql_engine``: fused SQL on PostgreSQL; ``gx``: Great Expectations). Rendering lives in
``render``. GX is imported only by ``etlq.checks.gx``: it is slow to import.
"""

from etlq.checks.plan import check_id, plan_checks, plan_contract
from etlq.checks.results import KINDS, OUTCOMES, CheckResult, CheckSpec, RunResult
from etlq.checks.sql_engine import run_checks, run_table

__all__ = [
    "KINDS",
    "OUTCOMES",
    "CheckResult",
    "CheckSpec",
    "RunResult",
    "check_id",
    "plan_checks",
    "plan_contract",
    "run_checks",
    "run_table",
]
