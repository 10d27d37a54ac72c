"""Every fault kind at a 10% rate: runs still end equal, retries are counted."""

from __future__ import annotations

import pytest

from pipelines.summary import format_summary
from pipelines.sync import SyncSettings, run_sync
from sandbox import FaultRate, Sandbox, SandboxConfig
from sources.autotask.client import RetryPolicy
from sources.autotask.run import RunOptions

from .test_budget_and_concurrency import CREDENTIALS
from .test_sync_cli import assert_all_tables_equal

FAST_RETRIES = RetryPolicy(base_delay=0.01, max_delay=0.05, max_elapsed=60)
CLIENT_TIMEOUT = 0.4

FAULTS = {
    "500 with an errors body": FaultRate("status", 0.1, status=500),
    "503": FaultRate("status", 0.1, status=503),
    "200 with an empty body": FaultRate("empty", 0.1),
    "200 with a cut-off body": FaultRate("cut", 0.1),
    "connection reset": FaultRate("reset", 0.1),
    "page slower than the client timeout": FaultRate("slow", 0.1, seconds=0.7),
    "429 with Retry-After seconds": FaultRate("429", 0.1, retry_after="seconds"),
    "429 with Retry-After date": FaultRate("429", 0.1, retry_after="date"),
    "429 without Retry-After": FaultRate("429", 0.1, retry_after="none"),
    "thread limit as a 500": FaultRate("thread", 0.1, status=500),
}


@pytest.mark.parametrize("kind", FAULTS)
def test_sync_mutate_and_resync_under_faults_end_equal(kind, tmp_path):
    config = SandboxConfig(seed=21, scale=900, faults=(FAULTS[kind],), fault_seed=5)
    settings = SyncSettings(
        duckdb_path=str(tmp_path / "warehouse.duckdb"),
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    with Sandbox(config) as sandbox:
        options = RunOptions(
            zone_lookup_url=sandbox.zone_lookup_url,
            retry=FAST_RETRIES,
            timeout=CLIENT_TIMEOUT,
        )

        first = run_sync(CREDENTIALS, options, settings)
        sandbox.mutate(
            [
                {"entity": "Tickets", "create": 5, "update": 8, "delete": 3},
                {"entity": "Contacts", "update": 4},
            ]
        )
        second = run_sync(CREDENTIALS, options, settings)

        assert first.complete and second.complete
        assert_all_tables_equal(sandbox, tmp_path / "warehouse.duckdb")
        fired = sum(sandbox.stats()["faults"].values())
        retries = first.retries_total + second.retries_total
        assert fired >= 3
        if FAULTS[kind].kind == "slow":
            # A held page can keep a thread slot busy past the client's
            # retry, which may then meet the thread limit: one more retry.
            assert retries >= fired
        else:
            assert retries == fired
        total_line = format_summary(second).splitlines()[len(second.entities) + 1]
        assert total_line.split()[4] == f"{second.retries_total:,}"
