"""`etlq --version`: the installed distribution's version, exit 0."""

from __future__ import annotations

from importlib import metadata

import pytest

from etlq import cli


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out == f"etlq {metadata.version('etlq')}\n"
