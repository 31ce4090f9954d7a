"""Benchmarks for omnilink's identity resolver (run with ``python -m benchmarks``).

Modules:

- :mod:`benchmarks.contactgen` -- seeded synthetic contact data with ground truth.
- :mod:`benchmarks.metrics` -- pairwise / cluster precision, recall and F1.
- :mod:`benchmarks.peers` -- Splink and recordlinkage runners (optional dependencies).
- :mod:`benchmarks.run` -- the side-by-side runner that prints the table.
"""
