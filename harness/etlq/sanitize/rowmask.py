"""Masks the rows of one table as they stream from the source's COPY to the output, and hands
each masked row (with what structured masking left unmasked) to the leak scan."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from etlq.errors import EtlqError
from etlq.sanitize import copytext, structured
from etlq.sanitize.catalog import TableInfo
from etlq.sanitize.leakscan import TableScan
from etlq.sanitize.mask import Masker
from etlq.sanitize.pii import STRUCTURED, MaskRule

MaskRow = Callable[[list[bytes]], list[bytes]]
Owners = dict[tuple[str, int | None], dict[str, str]]  # (method, limit) -> masked -> input


def row_masker(
    info: TableInfo, rules: Sequence[MaskRule], masker: Masker, owners: Owners, scan: TableScan
) -> MaskRow:
    """Masks one COPY row. A plainly masked column under a primary key or unique constraint
    masks injectively (``owners`` is shared by all such columns, so they stay joinable);
    json, array and ``scrub`` columns mask value by value (no unique constraint is kept for them)."""
    names = [c.name for c in info.columns]
    unique = set(info.primary_key) | {c for key in info.unique for c in key}
    plan = [
        (
            names.index(r.column),
            r.method,
            length(info.column(r.column).portable_type),
            r.column in unique,
            r.method in STRUCTURED or r.method.endswith("[]"),
        )
        for r in rules
        if r.table == info.ref
    ]
    key_idx = [names.index(k) for k in info.primary_key]

    def mask(fields: list[bytes]) -> list[bytes]:
        entity = "|".join(fields[i].decode() for i in key_idx)
        residual: dict[int, list[str]] = {}
        for i, method, limit, injective, structured_ in plan:
            value = copytext.decode(fields[i])
            if value is None:
                continue
            of = entity if method.removesuffix("[]") in ("date", "json", "json_all") else ""
            if structured_:
                masked, rest = structured.mask_field(masker, method, value, of, limit, names[i])
                if rest:
                    residual[i] = rest
            elif injective:
                try:
                    masked = masker.mask_unique(
                        method, value, of, limit, owners.setdefault((method, limit), {})
                    )
                except EtlqError as exc:
                    raise EtlqError(f"{info.ref}.{names[i]}: {exc.what}", *exc.fixes) from None
            else:
                masked = masker.mask(method, value, of, limit)
            fields[i] = copytext.encode(masked)
        scan.row(fields, residual)
        return fields

    return mask


def length(pg_type: str) -> int | None:
    """``n`` of ``character varying(n)`` / ``character(n)``, also of their arrays."""
    pg_type = pg_type.removesuffix("[]")
    if pg_type.startswith(("character varying(", "character(")):
        return int(pg_type.split("(", 1)[1].rstrip(")"))
    return None
