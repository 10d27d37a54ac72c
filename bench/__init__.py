"""Benchmarks of autotask-sync against its peers, side by side in one process.

`python -m bench.run` (or `make bench`) starts one seeded sandbox tenant,
runs every contender's full sync of the same entities into a fresh DuckDB
file, checks that each landed exactly the tenant's rows, and reports wall
seconds, rows per second, requests, peak Python memory and RSS growth as a
table and as JSON under `bench/results/`. See `bench/README.md`.
"""
