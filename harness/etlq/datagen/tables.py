"""What ``--tables`` plans need beyond the raw sources: tables drafted from any database.

- ``x-datagen`` (written by ``etlq contract init``): per column, what the database enforces by
  itself and so is no check: ``generated: true`` (a stored generated column: left out of the
  file, PostgreSQL computes it and refuses a value), an enum's ``labels``, a domain's ``base_type`` and regex
  ``pattern``, a range partition key's ``min``/``max``.
- Keys: every primary key, unique key and referenced key must hold in the generated rows. A
  key with a column that is unique by construction (the table's key column, a ``unique``
  column, a uuid) holds; otherwise one of its columns that is not a foreign key becomes a
  *discriminator*, a pure function of the row index (``1 + index``), so that a compound
  key (``book_id, copy_no``) is unique however its foreign-key part was drawn.
- Self-references (``mentor_id -> author_id``) point to an earlier row, or are NULL.
- A foreign key to a table that is not generated is NULL when its columns are nullable, and an
  error otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from etlq.contracts.model import Column, Contract
from etlq.datagen.values import Ungeneratable, ValueSpec, spec_for
from etlq.errors import EtlqError

if TYPE_CHECKING:
    from etlq.datagen.plan import Relation, SourcePlan

HINT_KEYS = ("generated", "labels", "base_type", "pattern", "min", "max")
# kinds a discriminator can take: 1 + index (int), "1", "2" ... (text), a uuid of the index
_DISCRIMINATING = ("int", "text", "uuid")


def hints(contract: Contract) -> dict[str, dict[str, Any]]:
    """The contract's ``x-datagen`` section, column -> hints; malformed ones are an exit-2 error."""
    section = contract.extra.get("x-datagen")
    if section is None:
        return {}
    where = f"{contract.path}: x-datagen"
    if not isinstance(section, dict):
        raise EtlqError(f"{where} must be a mapping of column -> hints", "fix or remove it")
    for column, hint in section.items():
        if column not in {c.name for c in contract.columns}:
            raise EtlqError(f"{where} names column {column!r}, which is not in 'columns'", "fix or remove it")
        if not isinstance(hint, dict) or not set(hint) <= set(HINT_KEYS):
            raise EtlqError(
                f"{where}.{column} must be a mapping of {', '.join(HINT_KEYS)}", "fix or remove it"
            )
    return {str(k): dict(v) for k, v in section.items()}


def cannot_generate(contract: Contract, column: Column, pg_type: str) -> EtlqError:
    quoted = f"{contract.table}.{column.name}"
    if column.type.endswith("]"):
        fix = f"say what one element is: `x-datagen: {{{column.name}: {{labels: [...]}}}}` in its contract"
    else:
        fix = f"add `accepted:` values to column {column.name!r} in its contract"
    return EtlqError(
        f"{quoted}: etlq generate cannot make values of type {pg_type}",
        fix,
        f"leave {contract.table} out of --tables",
    )


def finite_child(rel: Relation, contracts: Sequence[Contract]) -> bool:
    """Whether every column of a compound foreign key draws from a finite set (dates, codes)."""
    child = next((c for c in contracts if c.table == rel.child), None)
    if child is None:
        return True  # a raw source: the coverage shape, as before
    found = hints(child)
    for name in rel.child_columns:
        col = child.column(name)
        try:
            spec = spec_for(col, 0.0, found.get(name))
        except Ungeneratable:
            return False
        if not (spec.accepted or spec.kind == "date" or spec.semantic in {"currency", "country_code"}):
            return False
    return True


def finish(
    plan: SourcePlan, relations: list[Relation], plans: dict[str, SourcePlan], contracts: Sequence[Contract]
) -> SourcePlan:
    """Self-references, foreign keys to tables not generated, and discriminators of a table plan."""
    if "." not in plan.name:
        return plan
    generated = {p.contract.table for p in plans.values()}
    specs = {s.name: s for s in plan.specs}
    for fk in plan.contract.all_foreign_keys():
        if fk.ref_table in generated or not set(fk.columns) <= set(specs):
            continue
        if all(plan.contract.column(c).nullable for c in fk.columns):
            for c in fk.columns:
                specs[c] = replace(specs[c], null_share=1.0, unique=False)
            continue
        raise EtlqError(
            f"{plan.name}.{','.join(fk.columns)} references {fk.ref_table}, which is not generated",
            f"add {fk.ref_table} to --tables (globs separated by commas, e.g. --tables '{fk.ref_table},"
            f"{plan.name}')",
        )
    self_refs = tuple(r for r in relations if r.child == plan.name and r.parent == plan.name)
    for rel in self_refs:
        for c in rel.child_columns:
            specs[c] = replace(specs[c], null_share=0.0, unique=False)
    fk_cols = {c for r in plan.parents + self_refs for c in r.child_columns}
    for name in _discriminators(plan, relations, specs, fk_cols):
        specs[name] = replace(specs[name], unique=True, null_share=0.0, accepted=())
    return replace(plan, specs=tuple(specs[s.name] for s in plan.specs), self_refs=self_refs)


def _discriminators(
    plan: SourcePlan, relations: list[Relation], specs: dict[str, ValueSpec], fk_cols: set[str]
) -> list[str]:
    contract = plan.contract
    keys: list[tuple[str, ...]] = [tuple(contract.primary_key)] + [tuple(u.value) for u in contract.unique]
    keys += [r.parent_columns for r in relations if r.parent == plan.name]
    keys += [plan.key]
    unique = {
        name
        for name, s in specs.items()
        if name not in fk_cols
        and (s.unique or s.semantic == "sequence" or (s.kind == "uuid" and not s.accepted))
    }
    if plan.key and plan.key[0] not in fk_cols and plan.shape != "coverage":
        unique.add(plan.key[0])
    chosen: list[str] = []
    for key in keys:
        if not key or plan.shape == "coverage" or not set(key) <= set(specs) or set(key) & unique:
            continue
        pick = next((c for c in key if c not in fk_cols and specs[c].kind in _DISCRIMINATING), None)
        if pick is None:
            raise EtlqError(
                f"{plan.name}: cannot make the key ({', '.join(key)}) unique: every column of it is a"
                " foreign key or of a type datagen cannot number",
                f"leave {plan.name} out of --tables",
            )
        unique.add(pick)
        chosen.append(pick)
    return chosen
