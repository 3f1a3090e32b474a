"""Synthetic raw source files derived from the contracts, with a manifest of planted defects.

See docs/testdata.md. ``generate(contracts, GenerateOptions(...))`` is the whole API; the
CLI is ``etlq generate``.
"""

from etlq.datagen.defects import DEFECT_KINDS, DEFECTS
from etlq.datagen.run import MANIFEST, GenerateOptions, GenerateResult, TableStats, generate

__all__ = [
    "DEFECTS",
    "DEFECT_KINDS",
    "MANIFEST",
    "GenerateOptions",
    "GenerateResult",
    "TableStats",
    "generate",
]
