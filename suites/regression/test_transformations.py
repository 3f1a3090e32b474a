"""Golden transformation cases: each ``testdata/cases/<transform>/<case>/`` folder runs a real job
of the pipeline under test (``transform`` in case.yml: one of its ``transforms``; etl/: silver,
gold) on its input CSVs in a fresh database and must produce its expected CSVs, row for row.
Adding a case = adding a folder. With no pipeline registered, the cases skip and say why.
"""

from __future__ import annotations

import allure
import pytest

from etlq.golden.cases import GoldenCase, render_diff
from etlq.golden.run import run_case
from etlq.pipeline import Pipeline

pytestmark = [pytest.mark.regression, pytest.mark.transformation, allure.epic("transformations")]


def test_golden_case(
    etlq_golden_case: GoldenCase, etlq_pipeline: Pipeline, etlq_scratch_database_url: str
) -> None:
    diffs = run_case(etlq_scratch_database_url, etlq_golden_case, etlq_pipeline)
    different = [d for d in diffs if not d.equal]
    if different:
        case = etlq_golden_case
        pytest.fail(
            f"{case.id}: {case.description}\n" + "\n".join(map(render_diff, different)), pytrace=False
        )
