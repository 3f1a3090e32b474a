"""Soda Core v4, datacontract-cli and reladiff as peers: each in a venv of its own, over a pipe.

Their pins conflict with etlq's (psycopg 3, pydantic, sqlglot), so each peer gets a venv under
``.bench/<name>`` that the bench creates on first use (``pip install`` of one pinned
requirement, with a timeout). The peer runs ``bench/peer_worker.py`` in its own interpreter: a
line-oriented loop that verifies the same checks on each ``run`` line and answers with the
seconds it took and the failing count per check id. Importing the peer and writing its contract
happen once, outside the clock, as GX's setup does in the ``checks`` run; the subject and every
peer are then timed in interleaved rounds.

The checks are translated from etlq's own plan (``CheckSpec``), kind by kind, into each peer's
vocabulary; a kind a peer cannot express raises, so the bench never compares different work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import make_url

from etlq.checks.results import CheckSpec

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "peer_worker.py"
INSTALL_TIMEOUT_S = 900
RUN_TIMEOUT_S = 600


@dataclass(frozen=True)
class PeerTool:
    name: str  # the JSON key prefix: soda_s, datacontract_s
    requirement: str
    module: str  # imported to tell an existing venv is usable


SODA = PeerTool("soda", "soda-postgres==4.28.0", "soda_postgres")
DATACONTRACT = PeerTool("datacontract", "datacontract-cli[postgres]==1.2.8", "datacontract")
RELADIFF = PeerTool("reladiff", "reladiff[postgresql]==0.6.0", "reladiff")
TOOLS = (SODA, DATACONTRACT, RELADIFF)


class PeerUnavailable(RuntimeError):
    """The peer's venv could not be built (no network, a failed install)."""


def peer_python(tool: PeerTool, home: Path = ROOT / ".bench") -> Path:
    """The interpreter of the peer's own venv, created and installed on first use."""
    python = home / tool.name / "bin" / "python"
    probe = [str(python), "-c", f"import {tool.module}"]
    if python.exists() and subprocess.run(probe, capture_output=True, timeout=120).returncode == 0:
        return python
    print(f"bench: installing {tool.requirement} into {home / tool.name} (once) ...", flush=True)
    venv.create(home / tool.name, with_pip=True, clear=True)
    install = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        tool.requirement,
    ]
    try:
        done = subprocess.run(install, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise PeerUnavailable(f"{tool.requirement}: pip install took over {INSTALL_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise PeerUnavailable(f"{tool.requirement}: pip install failed: {last}")
    return python


def _refuse_others(specs: Iterable[CheckSpec], kinds: frozenset[str], peer: str) -> None:
    for spec in specs:
        if spec.kind not in kinds:
            raise ValueError(f"{spec.id}: no {peer} form in this bench")


SODA_KINDS = frozenset({"not_null", "range", "pattern", "accepted_values", "expression"})
ODCS_KINDS = frozenset({"not_null", "range", "pattern", "expression"})


def _soda_column_checks(spec: CheckSpec) -> dict[str, Any]:
    name = {"name": spec.id}
    if spec.kind == "not_null":
        return {"missing": name}
    if spec.kind == "range":
        bounds = {
            f"valid_{side}": spec.params[side] for side in ("min", "max") if spec.params[side] is not None
        }
        return {"invalid": {**name, **bounds}}
    if spec.kind == "pattern":
        return {"invalid": {**name, "valid_format": {"regex": spec.params["pattern"], "name": spec.id}}}
    if spec.kind == "accepted_values":
        return {"invalid": {**name, "valid_values": list(spec.params["values"])}}
    raise ValueError(f"{spec.id}: no Soda Core form in this bench")


def soda_contract(dataset: str, specs: Sequence[CheckSpec]) -> dict[str, Any]:
    """A Soda Core v4 contract (as a dict) with one check per spec, each named by its etlq id."""
    _refuse_others(specs, SODA_KINDS, "Soda Core")
    columns: dict[str, list[dict[str, Any]]] = {}
    checks: list[dict[str, Any]] = []
    for spec in specs:
        if spec.kind == "expression":
            failing = f"({spec.params['expression']}) IS NOT TRUE"
            checks.append({"failed_rows": {"name": spec.id, "expression": failing}})
        else:
            assert spec.column is not None, spec.id
            columns.setdefault(spec.column, []).append(_soda_column_checks(spec))
    return {
        "dataset": dataset,
        "columns": [{"name": column, "checks": found} for column, found in columns.items()],
        "checks": checks,
    }


def odcs_logical_type(sql_type: str) -> str:
    """The ODCS logical type of a PostgreSQL type (ODCS allows bounds on numbers only)."""
    base = sql_type.split("(")[0].strip()
    if base in {"smallint", "integer", "bigint"}:
        return "integer"
    if base in {"numeric", "real", "double precision"}:
        return "number"
    if base == "date":
        return "date"
    if base.startswith("timestamp"):
        return "timestamp"
    if base == "boolean":
        return "boolean"
    return "string"


def _odcs_property(
    model: str, column: str, sql_type: str, specs: Iterable[CheckSpec], keys: dict[str, str]
) -> dict[str, Any]:
    """The ODCS property of one column; ``keys`` learns datacontract-cli's check key per etlq id."""
    prop: dict[str, Any] = {"name": column, "logicalType": odcs_logical_type(sql_type)}
    options: dict[str, Any] = {}
    for spec in specs:
        if spec.kind == "not_null":
            prop["required"] = True
            keys[f"{model}__{column}__field_required"] = spec.id
        elif spec.kind == "range":
            for key, side in (("minimum", "min"), ("maximum", "max")):
                if spec.params[side] is not None:
                    options[key] = spec.params[side]
                    keys[f"{model}__{column}__field_{key}"] = spec.id  # a row fails one bound at most
        elif spec.kind == "pattern":
            options["pattern"] = spec.params["pattern"]
            keys[f"{model}__{column}__field_regex"] = spec.id
        else:
            raise ValueError(f"{spec.id}: no datacontract-cli form in this bench")
    if options:
        prop["logicalTypeOptions"] = options
    return prop


def odcs_contract(
    server: dict[str, Any], table: str, specs: Sequence[CheckSpec], types: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """An ODCS v3 contract for datacontract-cli with the same checks as properties and SQL rules,
    and the key datacontract-cli reports each check under, mapped to the etlq check id."""
    _refuse_others(specs, ODCS_KINDS, "datacontract-cli")
    schema, name = table.split(".", 1)
    by_column: dict[str, list[CheckSpec]] = {}
    quality: list[dict[str, Any]] = []
    keys: dict[str, str] = {}
    for spec in specs:
        if spec.kind == "expression":
            query = f"SELECT count(*) FROM {{object}} WHERE ({spec.params['expression']}) IS NOT TRUE"
            keys[f"{name}__quality_sql_{len(quality)}"] = spec.id
            quality.append({"type": "sql", "name": spec.id, "query": query, "mustBe": 0})
        else:
            assert spec.column is not None, spec.id
            by_column.setdefault(spec.column, []).append(spec)
    properties = [
        _odcs_property(name, column, types[column], found, keys) for column, found in by_column.items()
    ]
    contract = {
        "apiVersion": "v3.0.2",
        "kind": "DataContract",
        "id": f"etlq-bench-{name}",
        "name": name,
        "version": "1.0.0",
        "status": "active",
        "servers": [{"server": "bench", "type": "postgres", "schema": schema, **server}],
        "schema": [
            {
                "name": name,
                "physicalName": name,
                "physicalType": "table",
                "properties": properties,
                "quality": quality,
            }
        ],
    }
    return contract, keys


def _connection(url: str) -> dict[str, Any]:
    parsed = make_url(url)
    return {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "database": parsed.database,
        "user": parsed.username or "postgres",
        # trust auth on the embedded server ignores it; Soda's config model requires one
        "password": parsed.password or "unused",
    }


class Peer:
    """A running peer worker: ``run()`` verifies once and returns the seconds the peer timed and
    its counts under the bench's names (``keys`` maps the peer's own names to the bench's)."""

    def __init__(self, tool: PeerTool, setup: dict[str, Any], keys: Mapping[str, str]) -> None:
        self.name = tool.name
        self._keys = dict(keys)
        env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
        self._proc = subprocess.Popen(
            [str(peer_python(tool)), str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self._ask({"tool": tool.name, **setup})  # imports the peer and writes its files, outside every clock

    def _ask(self, message: dict[str, Any]) -> dict[str, Any]:
        stdin: IO[str] | None = self._proc.stdin
        stdout: IO[str] | None = self._proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(message) + "\n")
        stdin.flush()
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"bench peer {self.name} exited (code {self._proc.wait(RUN_TIMEOUT_S)})")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"bench peer {self.name}: {answer['error']}")
        return answer

    def run(self) -> tuple[float, dict[str, int | None]]:
        """Seconds of one verification as the peer timed it (no process start, no import), and
        the count per bench name (None where the peer reported none; counts sharing a name add)."""
        answer = self._ask({"run": True})
        counts: dict[str, int | None] = dict.fromkeys(self._keys.values())
        for key, count in answer["failing"].items():
            name = self._keys.get(key)
            if name is not None and count is not None:
                counts[name] = (counts[name] or 0) + count
        return float(answer["seconds"]), counts

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()


def check_peer(
    tool: PeerTool, url: str, table: str, specs: Sequence[CheckSpec], types: Mapping[str, str]
) -> Peer:
    """Soda Core or datacontract-cli verifying ``specs`` on ``table``; counts by etlq check id.
    ``types`` maps each column to its PostgreSQL type, as the etlq contract declares it."""
    conn = _connection(url)
    if tool is SODA:
        dataset = f"bench/{conn['database']}/{table.replace('.', '/')}"
        setup = {
            "data_source": {"type": "postgres", "name": "bench", "connection": conn},
            "contract": soda_contract(dataset, specs),
        }
        return Peer(tool, setup, {spec.id: spec.id for spec in specs})
    server = {key: conn[key] for key in ("host", "port", "database")}
    contract, keys = odcs_contract(server, table, specs, types)
    env = {"DATACONTRACT_POSTGRES_USERNAME": conn["user"], "DATACONTRACT_POSTGRES_PASSWORD": conn["password"]}
    return Peer(tool, {"env": env, "contract": contract}, keys)


def diff_peer(url: str, source: str, target: str, key: str, columns: Sequence[str]) -> Peer:
    """reladiff's in-database join diff of two tables; counts ``missing``, ``extra``, ``changed``."""
    plain = make_url(url).set(drivername="postgresql")
    setup = {
        "uri": plain.render_as_string(hide_password=False),
        "source": source,
        "target": target,
        "key": key,
        "columns": list(columns),
    }
    return Peer(RELADIFF, setup, {name: name for name in ("missing", "extra", "changed")})


def available(tools: Sequence[PeerTool] = TOOLS) -> tuple[list[PeerTool], list[str]]:
    """The peers whose venv exists or could be built, and one warning per peer that could not."""
    usable, warnings = [], []
    for tool in tools:
        try:
            peer_python(tool)
        except (PeerUnavailable, OSError, subprocess.SubprocessError) as exc:
            warnings.append(f"{tool.name} not measured: {exc}")
        else:
            usable.append(tool)
    return usable, warnings


if __name__ == "__main__":  # `python -m bench.peers`: build the peer venvs ahead of a run
    _, problems = available()
    print("\n".join(problems) or "peer venvs ready under .bench/")
    sys.exit(1 if problems else 0)
