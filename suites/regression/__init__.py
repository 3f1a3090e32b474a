"""Nightly regression suite (see docs/suites.md)."""
