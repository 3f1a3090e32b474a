"""The quality suites (smoke, regression): a package, so their modules import as
``suites.<suite>.<module>`` and never as a bare ``test_contracts``/``test_drift`` that would
shadow a same-named test module elsewhere in the run (``tests/drift/test_drift.py``, the plugin
self-tests' pytester files)."""
