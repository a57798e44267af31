"""Benchmarks of socialfeed against raw SQL on the same databases: ``python -m benchmarks``."""
