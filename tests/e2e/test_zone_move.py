"""A zone move in the middle of a run is survived by one new zone lookup."""

from __future__ import annotations

import threading

from pipelines.sync import SyncSettings, run_sync
from sandbox import Sandbox, SandboxConfig
from sources.autotask.run import RunOptions

from .test_budget_and_concurrency import CREDENTIALS
from .test_sync_cli import assert_all_tables_equal, query_requests


def test_a_zone_move_mid_run_is_followed_once_and_the_run_ends_equal(tmp_path):
    settings = SyncSettings(
        duckdb_path=str(tmp_path / "warehouse.duckdb"),
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    config = SandboxConfig(seed=4, scale=3000, latency_seconds=0.02)
    with Sandbox(config) as sandbox:
        old_zone = sandbox.base_url
        moved: list[str] = []

        def move_after_two_ticket_pages() -> None:
            while query_requests(sandbox.stats(), "Tickets") < 2:
                threading.Event().wait(0.01)
            moved.append(sandbox.move_zone())

        mover = threading.Thread(target=move_after_two_ticket_pages, daemon=True)
        mover.start()
        report = run_sync(
            CREDENTIALS, RunOptions(zone_lookup_url=sandbox.zone_lookup_url), settings
        )
        mover.join(timeout=60)

        assert moved and moved[0] != old_zone
        assert report.complete
        assert_all_tables_equal(sandbox, tmp_path / "warehouse.duckdb")
        stats = sandbox.stats()
        assert stats["requests_by_route"]["GET zoneinformation"] == 2
        assert stats["statuses"]["401"] >= 1
