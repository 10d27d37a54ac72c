"""Full-sync parity into a real, throwaway PostgreSQL server on loopback."""

from __future__ import annotations

import psycopg2
import pytest

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
from sources.autotask.run import RunOptions, table_name

from ..realparts import throwaway_postgres
from .harness import assert_table_equals_sandbox


@pytest.fixture(scope="module")
def postgres_dsn():
    with throwaway_postgres() as dsn:
        yield dsn


def postgres_rows(dsn: str, table: str) -> dict[int, dict]:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute(f"SELECT * FROM autotask.{table}")
        names = [d[0] for d in cursor.description]
        return {
            row[names.index("id")]: dict(zip(names, row, strict=True)) for row in cursor
        }


def test_full_and_incremental_sync_into_postgres_equal_the_sandbox(
    postgres_dsn, tmp_path
):
    credentials = AutotaskCredentials(
        SANDBOX_USERNAME, SANDBOX_SECRET, SANDBOX_INTEGRATION_CODE
    )
    settings = SyncSettings(
        destination="postgres",
        postgres_credentials=postgres_dsn,
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    with Sandbox(SandboxConfig(seed=11, scale=700)) as sandbox:
        options = RunOptions(zone_lookup_url=sandbox.zone_lookup_url)

        first = run_sync(credentials, options, settings)
        for entity in CORE_ENTITIES:
            landed = postgres_rows(postgres_dsn, table_name(entity))
            assert_table_equals_sandbox(sandbox, entity, landed)

        deleted = sandbox.mutate({"entity": "Tickets", "update": 9, "delete": 3})
        second = run_sync(credentials, options, settings)
        for entity in CORE_ENTITIES:
            landed = postgres_rows(postgres_dsn, table_name(entity))
            assert_table_equals_sandbox(sandbox, entity, landed)

    assert first.complete and second.complete
    assert second.deleted == {"Tickets": len(deleted["results"][0]["deleted"])}
