"""Fixtures for ``tests/`` and ``suites/``: PostgreSQL, the moto server and the CLI (see ``fixtures/``)."""

pytest_plugins = ["fixtures.database", "fixtures.aws", "fixtures.cli"]
