"""Every queryable entity lands, row for row, with columns typed by metadata."""

from __future__ import annotations

import pytest

from pipelines.sync import SyncSettings, run_sync
from sandbox import (
    SANDBOX_INTEGRATION_CODE,
    SANDBOX_SECRET,
    SANDBOX_USERNAME,
    Sandbox,
    SandboxConfig,
)
from sources.autotask.catalogue import SyncMode, queryable_entities
from sources.autotask.client import AutotaskCredentials
from sources.autotask.run import RunOptions, table_name

from .harness import _naming, assert_table_equals_sandbox, duckdb_tables, table_rows

DUCKDB_TYPES = {
    "integer": "BIGINT",
    "long": "BIGINT",
    "string": "VARCHAR",
    "decimal": "DECIMAL(19,4)",
    "boolean": "BOOLEAN",
    "datetime": "TIMESTAMP WITH TIME ZONE",
}
ENTITIES = [spec.name for spec in queryable_entities()]


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """One sync of every entity, then one more after every entity changes."""
    workdir = tmp_path_factory.mktemp("every-entity")
    credentials = AutotaskCredentials(
        SANDBOX_USERNAME, SANDBOX_SECRET, SANDBOX_INTEGRATION_CODE
    )
    settings = SyncSettings(
        duckdb_path=str(workdir / "warehouse.duckdb"),
        pipelines_dir=str(workdir / "pipelines"),
    )
    with Sandbox(SandboxConfig(seed=2, scale=300)) as sandbox:
        options = RunOptions(entities=("all",), zone_lookup_url=sandbox.zone_lookup_url)
        first = run_sync(credentials, options, settings)
        with duckdb_tables(workdir / "warehouse.duckdb") as conn:
            empty_after_first = column_types(conn, "ticket_history")
            empty_after_first["rows"] = len(table_rows(conn, "ticket_history"))
        with_history = sorted(
            {r["ticketID"] for r in sandbox.tenant.rows("TicketHistory")}
        )
        changed = sandbox.mutate(
            {"entity": "Tickets", "update_ids": with_history[:3], "create": 2}
        )
        second = run_sync(credentials, options, settings)
        with duckdb_tables(workdir / "warehouse.duckdb") as conn:
            yield sandbox, conn, first, second, changed["results"][0], empty_after_first


def test_every_queryable_entity_is_synced_in_one_run(synced):
    _, _, first, second, _, _ = synced

    assert [p.entity for p in first.entities] == ENTITIES
    assert first.complete and second.complete


@pytest.mark.parametrize("entity", ENTITIES)
def test_entity_table_equals_the_sandbox_and_is_typed(synced, entity):
    sandbox, conn, _, _, changed, _ = synced
    spec = next(s for s in queryable_entities() if s.name == entity)
    table = table_name(entity)

    landed = table_rows(conn, table)
    if spec.mode is SyncMode.PER_PARENT:
        tickets = set(changed["created"]) | set(changed["updated"])
        expected = [r for r in sandbox.tenant.rows(entity) if r["ticketID"] in tickets]
        assert len(expected) >= 3
        assert sorted(landed) == sorted(r["id"] for r in expected)
    else:
        assert_table_equals_sandbox(sandbox, entity, landed)

    types = column_types(conn, table)
    for field, data_type in spec.fields.items():
        column = _naming.normalize_identifier(field)
        assert types[column] == DUCKDB_TYPES[data_type], (entity, field)


def column_types(conn, table: str) -> dict[str, object]:
    return dict(
        conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'autotask' AND table_name = ?",
            [table],
        ).fetchall()
    )


def test_a_table_that_stays_empty_is_created_typed(synced):
    *_, empty_after_first = synced
    spec = next(s for s in queryable_entities() if s.name == "TicketHistory")

    assert empty_after_first.pop("rows") == 0
    assert empty_after_first == {
        **{
            _naming.normalize_identifier(field): DUCKDB_TYPES[data_type]
            for field, data_type in spec.fields.items()
        },
        **{
            name: empty_after_first[name]
            for name in ("_dlt_load_id", "_dlt_id")
            if name in empty_after_first
        },
    }
