"""autotask-sync itself, run in-process exactly as `autotask-sync sync` runs.

The run resolves the zone through the sandbox's zone lookup, reads the
budget and field metadata, walks each entity by `id`, loads typed Arrow
pages through dlt into `autotask_sync.duckdb` and applies tombstones. When
Tickets are chosen the pipeline also reads DeletedTicketLogs (a few rows,
two requests), which counts in its requests and time but not in its rows.
"""

from __future__ import annotations

from pipelines.sync import SyncSettings, run_sync
from sandbox import SANDBOX_INTEGRATION_CODE, SANDBOX_SECRET, SANDBOX_USERNAME
from sources.autotask.client import AutotaskCredentials
from sources.autotask.run import RunOptions, table_name

from . import Target, count_tables

DUCKDB_FILE = "autotask_sync.duckdb"


class AutotaskSync:
    key = "autotask-sync"
    name = "autotask-sync"
    kind = "pipeline"
    description = "run_sync(): id-keyset POST pages as typed Arrow tables, dlt merge"

    def run(self, target: Target) -> None:
        credentials = AutotaskCredentials(
            SANDBOX_USERNAME, SANDBOX_SECRET, SANDBOX_INTEGRATION_CODE
        )
        options = RunOptions(
            entities=target.entities, zone_lookup_url=target.zone_lookup_url
        )
        settings = SyncSettings(
            duckdb_path=str(target.workdir / DUCKDB_FILE),
            pipelines_dir=str(target.workdir / "pipelines"),
        )
        report = run_sync(credentials, options, settings)
        if not report.complete:
            unfinished = [p.entity for p in report.entities if p.status != "complete"]
            raise RuntimeError(f"autotask-sync left entities unfinished: {unfinished}")

    def landed(self, target: Target) -> dict[str, int]:
        tables = {e: f"autotask.{table_name(e)}" for e in target.entities}
        return count_tables(target.workdir / DUCKDB_FILE, tables)
