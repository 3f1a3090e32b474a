"""Smoke suite: every deploy, read-only (see docs/suites.md)."""
