"""Maintenance commands for the course, each run from the repository root as ``python -m tools.<name>``."""
