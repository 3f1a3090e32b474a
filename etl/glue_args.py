"""Glue-style job arguments: ``--name value`` pairs, unknown ones ignored.

Inside AWS Glue ``awsglue.utils.getResolvedOptions`` is used; elsewhere a parser with the
same behaviour (Glue adds its own arguments such as ``--scriptLocation`` or
``--job-bookmark-option``, which must not break the job).
"""

from __future__ import annotations

from collections.abc import Sequence

from etl.errors import EtlInputError


def _local_resolved_options(argv: Sequence[str], names: Sequence[str]) -> dict[str, str]:
    wanted = set(names)
    found: dict[str, str] = {}
    args = list(argv[1:])
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("--"):
            continue
        key, sep, value = arg[2:].partition("=")
        if key not in wanted:
            continue
        if not sep:
            if i >= len(args) or args[i].startswith("--"):
                raise EtlInputError(f"job argument --{key} has no value", f"pass --{key} <value>")
            value = args[i]
            i += 1
        found[key] = value
    return found


def resolve_options(
    argv: Sequence[str], required: Sequence[str], optional: Sequence[str] = ()
) -> dict[str, str]:
    """Values of ``required`` (all must be present) and of those ``optional`` ones given."""
    present = [n for n in optional if any(a == f"--{n}" or a.startswith(f"--{n}=") for a in argv)]
    try:
        from awsglue.utils import getResolvedOptions  # type: ignore[import-not-found]
    except ImportError:
        resolved = _local_resolved_options(argv, [*required, *present])
    else:  # pragma: no cover - only inside AWS Glue
        resolved = dict(getResolvedOptions(list(argv), [*required, *present]))
    missing = [n for n in required if n not in resolved]
    if missing:
        flags = " ".join(f"--{n} <value>" for n in missing)
        raise EtlInputError(
            f"missing job argument(s): {', '.join('--' + n for n in missing)}", f"pass {flags}"
        )
    return resolved
