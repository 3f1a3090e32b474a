"""What gold holds after a scenario's deliveries, computed from the delivered records alone.

This is the QE side of the contract between the raw files and gold, written from docs/etl.md
("Transform rules"), never from etl/sql: a later delivery (run_date) wins over an earlier one
for the same event, customer instant or rate, the last record inside one delivery wins; an
order's state is its latest event; a customer's current version starts where its attributes
last changed; USD is 1; amount_usd is amount * rate rounded to cents; revenue counts orders that
are not cancelled. etlq's scenario runner calls ``expected`` after every delivery.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


def _text(value: str) -> str | None:
    value = value.strip()
    return value or None


def _instant(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _winners(deliveries: Any, source: str, key: Any) -> dict[Any, dict[str, str]]:
    """Per key, the record of the latest delivery (run date), the last one inside it."""
    won: dict[Any, tuple[tuple[dt.date, int], dict[str, str]]] = {}
    for delivery in deliveries:
        for line, row in enumerate(delivery.sources[source].rows):
            rank = (delivery.run_date, line)
            k = key(row)
            if k not in won or rank > won[k][0]:
                won[k] = (rank, row)
    return {k: row for k, (_, row) in won.items()}


def expected(deliveries: Any) -> dict[str, list[dict[str, Any]]]:
    events = _winners(deliveries, "orders", lambda r: (int(r["order_id"]), _instant(r["event_ts"])))
    rates = _winners(
        deliveries,
        "fx_rates",
        lambda r: (dt.date.fromisoformat(r["as_of_date"].strip()), r["currency"].strip().upper()),
    )
    points = _winners(deliveries, "customers", lambda r: (int(r["customer_id"]), _instant(r["updated_at"])))

    fx = {k: Decimal(r["rate_to_usd"].strip()) for k, r in rates.items() if k[1] != "USD"}
    fx.update({(day, "USD"): Decimal(1) for day, _ in rates})

    by_order: dict[int, list[tuple[dt.datetime, dict[str, str]]]] = defaultdict(list)
    for (order_id, ts), row in events.items():
        by_order[order_id].append((ts, row))
    facts, orders = [], []
    for order_id, history in by_order.items():
        ts, row = max(history, key=lambda item: item[0])
        day, currency = dt.date.fromisoformat(row["order_date"].strip()), row["currency"].strip().upper()
        amount = Decimal(row["amount"].strip())
        rate = fx.get((day, currency))
        facts.append(
            {
                "order_id": order_id,
                "customer_id": int(row["customer_id"]),
                "status": row["status"].strip().upper(),
                "order_date": day,
                "currency": currency,
                "amount": amount,
                "fx_rate": rate,
                "amount_usd": None if rate is None else (amount * rate).quantize(CENT, ROUND_HALF_UP),
                "last_event_ts": ts,
            }
        )
        orders.append({"order_id": order_id, "last_event_ts": ts, "event_count": len(history)})

    revenue: dict[dt.date, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for fact in facts:
        day_total = revenue[fact["order_date"]]
        if fact["status"] != "CANCELLED":
            day_total[0] += 1
            day_total[1] += fact["amount_usd"] or 0
    daily = [{"order_date": d, "orders": int(n), "revenue_usd": total} for d, (n, total) in revenue.items()]

    by_customer: dict[int, list[tuple[dt.datetime, dict[str, str]]]] = defaultdict(list)
    for (customer_id, at), row in points.items():
        by_customer[customer_id].append((at, row))
    dims, versions = [], []
    for customer_id, history in by_customer.items():
        history.sort(key=lambda item: item[0])
        # SCD2: a point opens a version when its attributes differ from the point before it
        opened = [
            (at, _attributes(row))
            for i, (at, row) in enumerate(history)
            if i == 0 or _attributes(row) != _attributes(history[i - 1][1])
        ]
        for i, (at, attrs) in enumerate(opened):
            valid_to = opened[i + 1][0] if i + 1 < len(opened) else None
            versions.append(
                {
                    "customer_id": customer_id,
                    **attrs,
                    "valid_from": at,
                    "valid_to": valid_to,
                    "is_current": valid_to is None,
                }
            )
        at, attrs = opened[-1]
        dims.append({"customer_id": customer_id, **attrs, "valid_from": at})

    return {
        "silver.orders": orders,
        "silver.customers": versions,
        "gold.fact_orders": facts,
        "gold.daily_revenue": daily,
        "gold.dim_fx": [{"as_of_date": d, "currency": c, "rate_to_usd": r} for (d, c), r in fx.items()],
        "gold.dim_customers": dims,
    }


def _attributes(row: dict[str, str]) -> dict[str, Any]:
    return {
        "email": row["email"].strip(),
        "full_name": row["full_name"].strip(),
        "phone": _text(row["phone"]),
        "country": row["country"].strip().upper(),
        "segment": _text(row["segment"]),
    }
