"""Benchmarks: a partnership at scale, and the key pages timed against it."""
