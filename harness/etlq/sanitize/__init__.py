"""Sanitized production samples: a read-only, referentially complete subset with keyed masking of
PII and a leak scan of what was written. See docs/testdata.md; CLI ``etlq sanitize``."""

from etlq.sanitize.mask import Masker, resolve_key
from etlq.sanitize.run import REPORT, SanitizeOptions, SanitizeReport, sanitize

__all__ = ["REPORT", "Masker", "SanitizeOptions", "SanitizeReport", "resolve_key", "sanitize"]
