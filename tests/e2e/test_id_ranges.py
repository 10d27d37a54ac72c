"""A big walk uses all 3 slots of its endpoint, and resumes range by range."""

from __future__ import annotations

import math

from sandbox import Sandbox, SandboxConfig

from .harness import cli_args, run_cli
from .test_sync_cli import assert_all_tables_equal, query_requests

SCALE = 6000


def test_a_big_first_walk_reads_three_id_ranges_side_by_side(tmp_path):
    config = SandboxConfig(seed=13, scale=SCALE, latency_seconds=0.02)
    with Sandbox(config) as sandbox:
        result = run_cli(cli_args(sandbox, tmp_path, "--entities", "Tickets"))

        assert result.code == 0, result.stderr
        assert_all_tables_equal_for(sandbox, tmp_path, ["Tickets"])
        stats = sandbox.stats()
        assert stats["peak_in_flight"]["tickets"] == 3
        assert stats["requests_by_route"]["POST tickets/query/count"] == 1
        pages = math.ceil(SCALE / 500)
        assert pages <= query_requests(stats, "Tickets") <= pages + 3
        assert stats["statuses"].keys() == {"200"}


def test_a_split_walk_stopped_by_the_budget_resumes_every_range(tmp_path):
    config = SandboxConfig(seed=13, scale=SCALE, latency_seconds=0.02)
    with Sandbox(config) as sandbox:
        # 9,999 left x 0.0011 = 10 requests: 2 metadata, 1 page, 1 count
        # and 6 pages spread over the three ranges.
        first = run_cli(
            cli_args(
                sandbox, tmp_path, "--entities", "Tickets", "--budget-share", "0.0011"
            )
        )
        assert first.code == 3, first.stderr
        queried = query_requests(sandbox.stats(), "Tickets")

        second = run_cli(cli_args(sandbox, tmp_path, "--entities", "Tickets"))

        assert second.code == 0, second.stderr
        assert_all_tables_equal_for(sandbox, tmp_path, ["Tickets"])
        stats = sandbox.stats()
        # Resumed, not restarted: fewer queries than a whole walk, no recount.
        assert query_requests(stats, "Tickets") - queried < math.ceil(SCALE / 500)
        assert stats["requests_by_route"]["POST tickets/query/count"] == 1


def assert_all_tables_equal_for(sandbox, tmp_path, entities):
    assert_all_tables_equal(sandbox, tmp_path / "warehouse.duckdb", entities)
