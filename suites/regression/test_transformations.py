"""Golden transformation cases: each ``testdata/cases/<transform>/<case>/`` folder runs the ETL's
real job (``transform`` in case.yml: silver, gold) on its input CSVs in a fresh database and
must produce its expected CSVs, row for row. Adding a case = adding a folder.
"""

from __future__ import annotations

import allure
import pytest

from etlq.golden.cases import GoldenCase, render_diff
from etlq.golden.run import run_case

pytestmark = [pytest.mark.regression, pytest.mark.transformation, allure.epic("transformations")]


def test_golden_case(etlq_golden_case: GoldenCase, etlq_scratch_database_url: str) -> None:
    diffs = run_case(etlq_scratch_database_url, etlq_golden_case)
    different = [d for d in diffs if not d.equal]
    if different:
        case = etlq_golden_case
        pytest.fail(
            f"{case.id}: {case.description}\n" + "\n".join(map(render_diff, different)), pytrace=False
        )
