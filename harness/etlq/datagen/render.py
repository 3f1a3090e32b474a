"""A block of rows -> the bytes of the file (CSV or JSON lines) or an Arrow table (Parquet),
with the planted defect rows placed among the clean ones.

Clean rows are rendered column-wise in Arrow (quote where needed, join fields, join lines)
and the resulting string buffer *is* the file's bytes: no per-row Python. Only the few
defect rows go through Python.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etlq.contracts.model import Contract
from etlq.datagen.blocks import Context, block_rng, clean_block, template_rows
from etlq.datagen.defects import DEFECTS, Defect, Planted, Site, csv_field
from etlq.datagen.plan import SourcePlan
from etlq.datagen.values import to_text

Format = Literal["csv", "jsonl", "parquet"]
ROW_LEVEL_KINDS = frozenset({"ragged_row"})  # only a delimited text file can hold them


@dataclass
class Rendered:
    rows: int  # physical rows: clean + defect
    data: pa.Buffer | None = None  # csv / jsonl bytes
    table: pa.Table | None = None  # parquet
    planted: list[tuple[int, Planted]] = field(default_factory=list)  # (row position in block, defect)


def applicable(
    plan: SourcePlan, contracts: Sequence[Contract], fmt: Format
) -> list[tuple[Defect, list[str]]]:
    """The kinds this source can carry, each with its candidate columns (catalog order)."""
    found = []
    for defect in DEFECTS:
        if fmt != "csv" and defect.kind in ROW_LEVEL_KINDS:
            continue
        targets = defect.targets(plan, contracts)
        if targets:
            found.append((defect, targets))
    return found


def header(plan: SourcePlan, fmt: Format) -> bytes:
    return (",".join(csv_field(c) for c in plan.columns) + "\n").encode() if fmt == "csv" else b""


def render_block(
    plan: SourcePlan,
    ctx: Context,
    contracts: Sequence[Contract],
    block: int,
    rate: float,
    fmt: Format,
    kinds: list[tuple[Defect, list[str]]],
) -> Rendered:
    typed = clean_block(plan, ctx, block)
    text = {name: to_text(arr, plan.spec(name)) for name, arr in typed.items()}
    n = len(text[plan.columns[0]])
    planted = _plant(plan, ctx, contracts, block, rate, n, typed, text, kinds)
    order = _order(n, [pos for pos, _ in planted])
    if fmt == "parquet":
        cols = {
            c: pa.concat_arrays([text[c], pa.array([p.row[c] for _, p in planted], type=pa.string())]).take(
                order
            )
            for c in plan.columns
        }
        return Rendered(n + len(planted), table=pa.table(cols), planted=_positions(planted))
    clean_lines = _csv_lines(plan, text) if fmt == "csv" else _json_lines(plan, text)
    extra = [(p.raw if p.raw is not None else _defect_line(plan, p.row, fmt)) + "\n" for _, p in planted]
    lines = pa.concat_arrays([clean_lines, pa.array(extra, type=pa.string())]).take(order)
    return Rendered(n + len(planted), data=_bytes(lines), planted=_positions(planted))


def _plant(
    plan: SourcePlan,
    ctx: Context,
    contracts: Sequence[Contract],
    block: int,
    rate: float,
    n: int,
    typed: dict[str, pa.Array],
    text: dict[str, pa.Array],
    kinds: list[tuple[Defect, list[str]]],
) -> list[tuple[int, Planted]]:
    if rate <= 0 or not kinds:
        return []
    rng = block_rng(ctx.seed, plan.name, block, 2)
    count = int(n * rate + rng.random())  # expected n * rate, also for blocks smaller than 1 / rate
    if count == 0:
        return []
    templates = template_rows(plan, ctx, block, count)
    template_text = {name: to_text(arr, plan.spec(name)).to_pylist() for name, arr in templates.items()}
    out: list[tuple[int, Planted]] = []
    memo: dict[str, object] = {}
    for j in range(count):
        # round-robin over the kinds (offset per block) so every kind shows up in small files too
        defect, targets = kinds[(block * 7 + j) % len(kinds)]
        column = targets[int(rng.integers(0, len(targets)))]
        row = {name: template_text[name][j] for name in plan.columns}
        site = Site(plan, ctx, contracts, row, typed, text, rng, block, j, memo)
        result = defect.plant(site, column)
        if result is not None:
            out.append((int(rng.integers(result.after, n + 1)), result))
    return out


def _order(n: int, positions: list[int]) -> pa.Array:
    """Take-indices that put defect k (row n + k of the concatenation) before clean row positions[k]."""
    order = np.arange(n, dtype=np.int64)
    if not positions:
        return pa.array(order)
    by_position = sorted(range(len(positions)), key=lambda k: (positions[k], k))
    pos = np.array([positions[k] for k in by_position], dtype=np.int64)
    merged = np.insert(order, pos, n + np.array(by_position, dtype=np.int64))
    return pa.array(merged)


def _positions(planted: list[tuple[int, Planted]]) -> list[tuple[int, Planted]]:
    """Final row position of each defect in the block, after all insertions."""
    by_position = sorted(range(len(planted)), key=lambda k: (planted[k][0], k))
    return [(planted[k][0] + rank, planted[k][1]) for rank, k in enumerate(by_position)]


def _csv_lines(plan: SourcePlan, text: dict[str, pa.Array]) -> pa.Array:
    fields = []
    for name in plan.columns:
        col = text[name]
        needs = pc.or_(pc.match_substring_regex(col, '[",\r\n]'), pc.equal(col, ""))
        if pc.any(needs).as_py():
            quoted = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
            col = pc.if_else(needs, quoted, col)
        fields.append(col)
    joined = pc.binary_join_element_wise(*fields, ",", null_handling="replace", null_replacement="")
    return pc.binary_join_element_wise(joined, "\n", "")


def _json_lines(plan: SourcePlan, text: dict[str, pa.Array]) -> pa.Array:
    parts = []
    for k, name in enumerate(plan.columns):
        col = pc.replace_substring(pc.replace_substring(text[name], "\\", "\\\\"), '"', '\\"')
        value = pc.fill_null(pc.binary_join_element_wise('"', col, '"', ""), "null")
        parts.append(
            pc.binary_join_element_wise(("{" if k == 0 else ",") + json.dumps(name) + ":", value, "")
        )
    return pc.binary_join_element_wise(*parts, "}\n", "")


def _defect_line(plan: SourcePlan, row: dict[str, str | None], fmt: Format) -> str:
    if fmt == "csv":
        return ",".join(csv_field(row[c]) for c in plan.columns)
    return json.dumps({c: row[c] for c in plan.columns}, ensure_ascii=False, separators=(",", ":"))


def _bytes(lines: pa.Array) -> pa.Buffer:
    """The concatenated UTF-8 of a string array, zero-copy from its data buffer."""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    return lines.buffers()[2][int(offsets[0]) : int(offsets[-1])]
