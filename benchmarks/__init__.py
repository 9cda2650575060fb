"""Timings of the course on this machine, run from the repository root as ``python -m benchmarks.run``."""
