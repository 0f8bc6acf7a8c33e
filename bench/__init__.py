"""Benchmarks: the production server on PostgreSQL under load, with a bare-Django baseline."""
