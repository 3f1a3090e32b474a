"""Sanitized production samples: a read-only, referentially complete subset with keyed masking of
PII and a leak scan of what was written. See docs/testdata.md; CLI ``etlq sanitize``."""

from harness.sanitize.mask import Masker, resolve_key
from harness.sanitize.run import REPORT, SanitizeOptions, SanitizeReport, sanitize

__all__ = ["REPORT", "Masker", "SanitizeOptions", "SanitizeReport", "resolve_key", "sanitize"]
