"""Keywords: connecting to a deployed warehouse, or building a local one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text
from sqlalchemy import table as sa_table

from etlq.errors import EtlqError
from etlq.local import loaded_warehouse, local_services
from etlq.pipeline import find_pipeline
from etlq.robot_library.state import KeywordError, LibraryState, as_date
from etlq.warehouse import deployed_warehouse


class ConnectionKeywords:
    _state: LibraryState

    def connect_to_warehouse(
        self,
        url: str | None = None,
        run_date: str | None = None,
        raw_bucket: str | None = None,
        aws_endpoint: str | None = None,
    ) -> None:
        """Connects, read-only, to the warehouse at ``url``.

        Without ``url``: ``ETLQ_DATABASE_URL``, else the database ``etlq env up`` started.
        ``run_date`` (YYYY-MM-DD, default today) is the date the other keywords check.
        ``raw_bucket`` (default ``ETLQ_RAW_BUCKET``, else ``etlq env up``'s) and ``aws_endpoint``
        (default ``ETLQ_AWS_ENDPOINT_URL``, else ``etlq env up``'s, else AWS) locate the run's
        raw files for `Raw Records Should Reconcile`.
        Every transaction is READ ONLY: a suite cannot change a deployed warehouse.

        | Connect To Warehouse | postgresql://qa@rds.example.com/etlq |
        | Connect To Warehouse | run_date=2024-03-01 | raw_bucket=my-landing-bucket |
        """
        self._state.close()
        day = as_date(run_date, dt.datetime.now(dt.UTC).date())
        try:
            warehouse = deployed_warehouse(url, day, aws_endpoint or None, raw_bucket or None)
            self._state.warehouse = self._state.stack.enter_context(warehouse)
        except EtlqError as exc:
            raise KeywordError(str(exc)) from None

    def set_up_local_warehouse(self, run_date: str | None = None, rows: int = 300, seed: int = 7) -> None:
        """Starts a PostgreSQL and a moto server, generates ``rows`` clean rows per source for
        ``run_date`` and loads them through the pipeline under test (etl/: ingest, silver, GX
        gate, gold); ``ETLQ_PIPELINE`` or the ``etlq.pipelines`` entry point names it.

        The local stand-in for a deployment; `Disconnect From Warehouse` removes it.

        | Set Up Local Warehouse | |
        | Set Up Local Warehouse | run_date=2024-03-01 | rows=1000 | seed=3 |
        """
        self._state.close()
        day = as_date(run_date, dt.datetime.now(dt.UTC).date())
        contracts = list(self._state.contracts().values())
        try:
            services = self._state.stack.enter_context(local_services())
            self._state.services = services
            found = find_pipeline()
            warehouse = loaded_warehouse(services, contracts, day, found, rows=int(rows), seed=int(seed))
            self._state.warehouse = self._state.stack.enter_context(warehouse)
        except EtlqError as exc:
            self._state.close()
            raise KeywordError(str(exc)) from None

    def warehouse_is_open(self) -> bool:
        """``True`` when a warehouse is connected; for ``IF`` in a suite setup.

        | ${open}= | Warehouse Is Open |
        """
        return self._state.warehouse is not None

    def disconnect_from_warehouse(self) -> None:
        """Closes the connection; a local warehouse and its servers are removed.

        | Disconnect From Warehouse |
        """
        self._state.close()

    def get_row_count(self, table: str, where: str | None = None) -> int:
        """Rows in ``table`` (a contract's ``schema.table``), optionally only those matching the
        SQL predicate ``where``.

        | ${n}= | Get Row Count | gold.fact_orders |
        | ${n}= | Get Row Count | staging.orders | run_date = '2024-03-01' |
        """
        contract = self._state.contract(table)
        query = select(func.count()).select_from(sa_table(contract.name, schema=contract.schema))
        if where:
            query = query.where(text(f"({where})"))  # a predicate the suite's author wrote, as in contracts
        with self._state.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def get_contract_tables(self, pattern: str = "*", having: str | None = None) -> list[str]:
        """The ``schema.table`` of every contract matching the glob ``pattern``, parents first;
        ``having=raw`` keeps those loaded from a raw source, ``having=reconcile`` those with
        reconcile entries.

        | @{tables}= | Get Contract Tables | gold.* |
        | @{tables}= | Get Contract Tables | having=reconcile |
        """
        from fnmatch import fnmatchcase

        wanted = {
            None: lambda c: True,
            "raw": lambda c: c.raw_source is not None,
            "reconcile": lambda c: bool(c.reconcile),
        }
        if having not in wanted:
            raise KeywordError(f"having={having!r} is not one of raw, reconcile")
        return [
            t for t, c in self._state.contracts().items() if fnmatchcase(t, pattern) and wanted[having](c)
        ]
