"""Assemble and run the dlt pipeline for one tenant.

The pipeline and dataset are both named `autotask`. Before extracting, any
load package left by an earlier run that died is loaded first: dlt would
otherwise only load it and skip this run's extract. After the load,
tombstones are applied, and the run's per-entity summary is returned and
appended to the `sync_runs` table.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
from dlt.pipeline.exceptions import PipelineStepFailed

from sources.autotask.client import AutotaskCredentials
from sources.autotask.deletes import apply_tombstones
from sources.autotask.exceptions import (
    AutotaskError,
    ConfigurationError,
    WarehouseError,
)
from sources.autotask.run import AutotaskRun, EntityProgress, RunOptions

logger = logging.getLogger("autotask_sync")

PIPELINE_NAME = "autotask"
DATASET_NAME = "autotask"
DEFAULT_DUCKDB_FILE = "autotask_sync.duckdb"
SUMMARY_TABLE = "sync_runs"
METADATA_CACHE_FILE = "autotask_metadata.json"


@dataclass
class SyncSettings:
    """Where to load, in addition to what the source needs (`RunOptions`)."""

    destination: str = "duckdb"
    duckdb_path: str = DEFAULT_DUCKDB_FILE
    postgres_credentials: str | None = None
    full_refresh: bool = False
    pipelines_dir: str | None = None
    pipeline_name: str = PIPELINE_NAME
    dataset_name: str = DATASET_NAME


@dataclass
class SyncReport:
    """What a run did, per entity and in total."""

    entities: list[EntityProgress]
    requests: dict[str, dict[str, int]]
    requests_total: int
    retries_total: int
    deleted: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    budget_allowed: int | None = None
    budget_spent: int = 0

    @property
    def complete(self) -> bool:
        return all(p.status == "complete" for p in self.entities)

    @property
    def failed(self) -> list[EntityProgress]:
        return [p for p in self.entities if p.status == "failed"]

    def entity_requests(self, entity: str) -> tuple[int, int]:
        """Requests and retries the client made on an entity's endpoint."""
        counts = self.requests.get(entity.casefold(), {})
        return counts.get("requests", 0), counts.get("retries", 0)


def make_destination(settings: SyncSettings) -> Any:
    if settings.destination == "duckdb":
        path = Path(settings.duckdb_path or DEFAULT_DUCKDB_FILE)
        if path.stem == settings.dataset_name:
            raise ConfigurationError(
                f"The DuckDB file {path.name!r} would be a catalog named like the "
                f"dataset {settings.dataset_name!r}, which DuckDB cannot tell apart; "
                "choose another file name."
            )
        return dlt.destinations.duckdb(credentials=str(path.resolve()))
    if settings.destination == "postgres":
        return dlt.destinations.postgres(credentials=settings.postgres_credentials)
    raise AutotaskError(
        f"Unknown destination {settings.destination!r}: use duckdb or postgres."
    )


def make_pipeline(settings: SyncSettings) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=settings.pipeline_name,
        destination=make_destination(settings),
        dataset_name=settings.dataset_name,
        pipelines_dir=settings.pipelines_dir,
    )


def check_destination(pipeline: dlt.Pipeline, settings: SyncSettings) -> None:
    """Open the destination once, so a bad one fails before any API request."""
    try:
        with pipeline.sql_client() as client:
            client.execute_sql("SELECT 1")
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        hint = (
            "set DESTINATION__POSTGRES__CREDENTIALS or [destination.postgres] "
            "credentials in .dlt/secrets.toml, and check the server is up"
            if settings.destination == "postgres"
            else "check the --duckdb-file path is writable and not locked"
        )
        raise WarehouseError(
            f"Cannot open the {settings.destination} destination: {reason} ({hint})."
        ) from None


def run_sync(
    credentials: AutotaskCredentials,
    options: RunOptions,
    settings: SyncSettings,
    *,
    run: AutotaskRun | None = None,
) -> SyncReport:
    """Sync the chosen entities; raises `AutotaskError` with a clear message.

    Entity names are checked before any request. A run that spends its share
    of the hourly budget returns normally with the unfinished entities
    marked `incomplete`; their progress is saved for the next run.
    """
    started = time.monotonic()
    run = run or AutotaskRun(credentials, options)
    pipeline = make_pipeline(settings)

    check_destination(pipeline, settings)
    try:
        if pipeline.has_pending_data:
            logger.info("Loading packages left by an earlier interrupted run")
            pipeline.run()
        cache = Path(pipeline.working_dir) / METADATA_CACHE_FILE
        run.prepare(metadata_cache=None if settings.full_refresh else cache)
        refresh = "drop_resources" if settings.full_refresh else None
        info = pipeline.run(run.source(), refresh=refresh)
        deleted = apply_tombstones(pipeline)
        report = _report(run, deleted, time.monotonic() - started)
        pipeline.run(
            summary_rows(report, info.loads_ids[0]),
            table_name=SUMMARY_TABLE,
            write_disposition="append",
            columns={"message": {"data_type": "text", "nullable": True}},
        )
    except PipelineStepFailed as exc:
        raise _autotask_cause(exc) or exc from None
    finally:
        run.client.close()
    return report


def _report(run: AutotaskRun, deleted: dict[str, int], seconds: float) -> SyncReport:
    stats = run.client.stats.snapshot()
    return SyncReport(
        entities=list(run.progress.values()),
        requests=stats["entities"],
        requests_total=stats["requests"],
        retries_total=stats["retries"],
        deleted=deleted,
        seconds=seconds,
        budget_allowed=run.budget.allowed if run.budget else None,
        budget_spent=run.budget.spent if run.budget else 0,
    )


def summary_rows(report: SyncReport, load_id: str) -> list[dict[str, Any]]:
    """The run summary as rows of `sync_runs`, one per entity."""
    rows = []
    for progress in report.entities:
        requests, retries = report.entity_requests(progress.entity)
        rows.append(
            {
                "load_id": load_id,
                "entity": progress.entity,
                "mode": progress.mode,
                "rows": progress.rows,
                "pages": progress.pages,
                "requests": requests,
                "retries": retries,
                "seconds": round(progress.seconds, 3),
                "status": progress.status,
                "message": progress.message or None,
                "deleted": report.deleted.get(progress.entity, 0),
            }
        )
    return rows


def _autotask_cause(exc: BaseException) -> AutotaskError | None:
    """The AutotaskError dlt wrapped while extracting, if there is one."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, AutotaskError):
            return current
        current = getattr(current, "exception", None) or current.__cause__
    return None
