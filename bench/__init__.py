"""Benchmarks against peers on the same data, run as ``python -m bench`` (see bench/README.md).

Every speed is a ratio against a peer or a limit measured in the same run, on the same
machine and data, so a loaded machine slows both sides alike. Results go to
``reports/bench.json``; nothing here asserts a time.
"""
