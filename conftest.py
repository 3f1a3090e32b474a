"""Fixtures for ``tests/`` and ``suites/``: PostgreSQL and the moto server (see ``fixtures/``)."""

pytest_plugins = ["fixtures.database", "fixtures.aws"]
