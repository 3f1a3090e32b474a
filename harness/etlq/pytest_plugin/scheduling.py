"""``--dist loadgroup`` that keeps each table's contract checks on one xdist worker.

The checks of a table share one fused scan per worker, so sending them all to one worker scans
each table once. xdist's own loadgroup reads ``xdist_group`` marks through a node-id suffix that
pytest 9.2 no longer lets it set, so the table is read from the check id in the node id instead:
``...::test_contract[gold.fact_orders::unique[order_id]]`` -> scope ``gold.fact_orders``.
"""

from __future__ import annotations

import re

from xdist.scheduler import LoadGroupScheduling

CHECK_IN_NODEID = re.compile(r"\[(?P<table>[A-Za-z_]\w*\.[A-Za-z_]\w*)::[a-z_]+(\[.*\])?\]$")


class TableGroupScheduling(LoadGroupScheduling):
    def _split_scope(self, nodeid: str) -> str:
        scope = super()._split_scope(nodeid)
        if scope != nodeid:  # an xdist_group suffix that xdist did manage to set
            return scope
        match = CHECK_IN_NODEID.search(nodeid)
        return f"etlq-table:{match.group('table')}" if match else nodeid
