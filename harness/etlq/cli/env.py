"""``etlq env up | down | status``: the local environment (embedded PostgreSQL + moto server).

``up`` starts what is missing and provisions the raw bucket, the ``etlq/db`` secret and the
``etlq-alerts`` topic; running it again prints the same URLs. ``down`` stops what ``up``
started. ``status`` exits 0 when everything runs, 1 when a part is down or nothing is up.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from etlq.env import state as env_state


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("env", help="start, stop or inspect the local environment", description=__doc__)
    actions = parser.add_subparsers(dest="env_action", required=True)
    for action, help_text in (
        ("up", "start PostgreSQL and the moto server, provision the AWS side"),
        ("down", "stop what `etlq env up` started"),
        ("status", "report what runs where"),
    ):
        child = actions.add_parser(action, help=help_text, description=help_text)
        child.add_argument("--format", choices=("text", "json"), default="text")
        child.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    project = env_state.project_dir()
    if args.env_action == "up":
        _, already_up = env_state.up(project)
        report = {**env_state.status(project), "already_up": already_up}
    elif args.env_action == "down":
        stopped = env_state.down(project)
        report = {"down": stopped is not None, "was": stopped}
    else:
        report = env_state.status(project)
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        print(_text(args.env_action, report))
    if args.env_action == "status":
        up = report["up"] and report["postgres"]["running"] and report["aws"]["running"]
        return 0 if up else 1
    return 0


def _line(name: str, running: bool, where: str, detail: str) -> str:
    return f"{name:<9} {'running' if running else 'DOWN':<8} {where}" + (f"  ({detail})" if detail else "")


def _text(action: str, report: dict[str, Any]) -> str:
    if action == "down":
        return "environment stopped" if report["down"] else "environment was not up (nothing to stop)"
    if not report["up"]:
        return "environment is not up (run `etlq env up`)"
    pg, aws = report["postgres"], report["aws"]
    pg_detail = f"data {pg['data_dir']}" if pg["started_by_up"] else "ETLQ_DATABASE_URL, not started by etlq"
    aws_detail = f"bucket {aws['raw_bucket']}, secret {aws['db_secret_id']}, topic {aws['alerts_topic_arn']}"
    if not aws["started_by_up"]:
        aws_detail += "; ETLQ_AWS_ENDPOINT_URL, not started by etlq"
    lines = [
        _line("postgres", pg["running"], env_state.safe_url(pg["url"]), pg_detail),
        _line("aws", aws["running"], aws["endpoint"], aws_detail),
    ]
    if action == "up":
        lines.insert(0, "environment already up" if report["already_up"] else "environment up")
    return "\n".join(lines)
