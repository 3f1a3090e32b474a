"""Writing the files etlq hands to others (reports, rulesets, suites, snapshots, drafted contracts,
CSV: generated raw files and sanitized extracts quote fields the same way)."""

from __future__ import annotations

from pathlib import Path


def write_atomic(path: Path | str, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path``, creating its directory, through a temporary file renamed
    into place: a reader never sees a half-written file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target


def csv_field(value: str | None) -> str:
    """One CSV field: ``None`` is empty, a value with a comma, quote or line break is quoted."""
    if value is None:
        return ""
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value
