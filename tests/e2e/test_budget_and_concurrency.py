"""Runs that hit their budget share, and tenants that change mid-run."""

from __future__ import annotations

import math
import threading
from datetime import timedelta

from pipelines.sync import SyncSettings, run_sync
from sandbox import (
    SANDBOX_INTEGRATION_CODE,
    SANDBOX_SECRET,
    SANDBOX_USERNAME,
    Sandbox,
    SandboxConfig,
)
from sources.autotask.catalogue import CORE_ENTITIES
from sources.autotask.client import AutotaskCredentials
from sources.autotask.run import RunOptions

from .harness import cli_args, run_cli
from .test_sync_cli import assert_all_tables_equal, query_requests

CREDENTIALS = AutotaskCredentials(
    SANDBOX_USERNAME, SANDBOX_SECRET, SANDBOX_INTEGRATION_CODE
)


def summary_rows(stdout: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in stdout.splitlines() if line}


def test_a_spent_budget_share_stops_cleanly_and_the_next_run_resumes(tmp_path):
    with Sandbox(SandboxConfig(seed=5, scale=1200)) as sandbox:
        # 1 request used of 10,000: a 0.3% share allows 29 requests, enough
        # for the metadata (18) but not for the 20 pages of a full sync.
        first = run_cli(cli_args(sandbox, tmp_path, "--budget-share", "0.003"))

        assert first.code == 3, first.stderr
        assert "stopped early to stay within its share" in first.stderr
        first_summary = summary_rows(first.stdout)
        assert first_summary["total"][-1] == "incomplete"
        assert "Budget: 29 of the 29 requests this run was allowed" in first.stdout
        incomplete = {
            entity
            for entity in CORE_ENTITIES
            if first_summary[entity][-1] == "incomplete"
        }
        assert incomplete
        first_queries = {e: query_requests(sandbox.stats(), e) for e in CORE_ENTITIES}
        sandbox.reset_stats()

        second = run_cli(cli_args(sandbox, tmp_path))

        assert second.code == 0, second.stderr
        assert_all_tables_equal(sandbox, tmp_path / "warehouse.duckdb")
        for entity in incomplete:
            pages = max(1, math.ceil(sandbox.tenant.count(entity) / 500))
            resumed = query_requests(sandbox.stats(), entity)
            assert first_queries[entity] + resumed == pages, entity


def test_rows_changed_while_a_run_pages_are_caught_by_the_next_run(tmp_path):
    config = SandboxConfig(seed=9, scale=3000, latency_seconds=0.03)
    settings = SyncSettings(
        duckdb_path=str(tmp_path / "warehouse.duckdb"),
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    with Sandbox(config) as sandbox:
        # No overlap: only the cursor's cap at the run's start clock can
        # catch the early row, which changes before the late one.
        options = RunOptions(
            zone_lookup_url=sandbox.zone_lookup_url, overlap=timedelta(0)
        )
        first_ids = [row["id"] for row in sandbox.tenant.rows("Tickets")]
        changed: list[dict] = []

        def change_tickets_mid_walk() -> None:
            while query_requests(sandbox.stats(), "Tickets") < 3:
                threading.Event().wait(0.01)
            early = {"entity": "Tickets", "update_ids": [first_ids[10]]}
            changed.extend(sandbox.mutate(early)["results"])
            threading.Event().wait(0.05)
            late = {"entity": "Tickets", "update_ids": [first_ids[-10]], "create": 2}
            changed.extend(sandbox.mutate(late)["results"])

        mutator = threading.Thread(target=change_tickets_mid_walk, daemon=True)
        mutator.start()
        first = run_sync(CREDENTIALS, options, settings)
        mutator.join(timeout=60)
        assert changed and first.complete

        second = run_sync(CREDENTIALS, options, settings)

        assert second.complete
        assert_all_tables_equal(sandbox, tmp_path / "warehouse.duckdb")
        tickets = next(p for p in second.entities if p.entity == "Tickets")
        assert tickets.rows == 4


def test_a_budget_too_small_for_the_metadata_exits_3_before_any_data(tmp_path):
    with Sandbox(SandboxConfig(seed=5, scale=300)) as sandbox:
        result = run_cli(cli_args(sandbox, tmp_path, "--budget-share", "0.0001"))

        assert result.code == 3
        assert result.stderr.strip().splitlines()[-1] == (
            "error: The run's request budget is used: 0 requests were allowed "
            "(0.01% of the 9,999 requests left in the tenant's hourly threshold). "
            "Progress is saved; rerun later to resume, or raise the budget share."
        )
        routes = sandbox.stats()["requests_by_route"]
        assert not [route for route in routes if route.endswith("/query")]
