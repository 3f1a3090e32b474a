"""Synthetic raw source files derived from the contracts, with a manifest of planted defects.

See docs/testdata.md. ``generate(contracts, GenerateOptions(...))`` is the whole API; the
CLI is ``etlq generate``. Needs the ``datagen`` extra (numpy, pyarrow, Faker): importing any
``etlq.datagen`` module without it is one ``MissingExtra`` line.
"""

from etlq.extras import require_extra

for _module in ("numpy", "pyarrow", "faker"):
    require_extra(_module, "datagen", "test data generation")

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
