"""End to end: `autotask-sync` against the sandbox, as a user runs it."""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from sandbox import SANDBOX_SECRET, Sandbox, SandboxConfig
from sources.autotask.catalogue import CORE_ENTITIES, load_catalogue
from sources.autotask.run import table_name

from .harness import (
    assert_table_equals_sandbox,
    cli_args,
    duckdb_tables,
    run_cli,
    sandbox_env,
    table_rows,
)

SCALE = 1200
OVERLAP_SECONDS = 120


@pytest.fixture
def sandbox():
    with Sandbox(SandboxConfig(seed=7, scale=SCALE, max_lifetime_seconds=600)) as sb:
        yield sb


def assert_all_tables_equal(sandbox, db_path, entities=CORE_ENTITIES):
    with duckdb_tables(db_path) as conn:
        for entity in entities:
            assert_table_equals_sandbox(
                sandbox, entity, table_rows(conn, table_name(entity))
            )


def query_requests(stats: dict, entity: str) -> int:
    return stats["requests_by_route"].get(f"POST {entity.casefold()}/query", 0)


def test_full_sync_lands_every_core_entity_row_for_row(sandbox, tmp_path):
    result = run_cli(cli_args(sandbox, tmp_path))

    assert result.code == 0, result.stderr
    assert_all_tables_equal(sandbox, tmp_path / "warehouse.duckdb")
    stats = sandbox.stats()
    for entity in CORE_ENTITIES:
        pages = max(1, math.ceil(sandbox.tenant.count(entity) / 500))
        assert query_requests(stats, entity) == pages, entity
    assert max(stats["peak_in_flight"].values()) <= 3
    with duckdb_tables(tmp_path / "warehouse.duckdb") as conn:
        stored = conn.execute(
            "SELECT entity, rows, status FROM autotask.sync_runs ORDER BY entity"
        ).fetchall()
    assert stored == [
        (entity, sandbox.tenant.count(entity), "complete")
        for entity in sorted(CORE_ENTITIES)
    ]


def largest_stamp(sandbox, entity: str) -> datetime | None:
    cursor = load_catalogue()[entity].cursor
    stamps = [row[cursor] for row in sandbox.tenant.rows(entity) if row[cursor]]
    return max(map(datetime.fromisoformat, stamps), default=None)


def rows_stamped_since(sandbox, entity: str, since: datetime) -> int:
    cursor = load_catalogue()[entity].cursor
    return sum(
        1
        for row in sandbox.tenant.rows(entity)
        if row[cursor] and datetime.fromisoformat(row[cursor]) >= since
    )


def test_incremental_run_fetches_only_changes_and_applies_deletes(sandbox, tmp_path):
    overlap = timedelta(seconds=OVERLAP_SECONDS)
    args = cli_args(sandbox, tmp_path, "--overlap-seconds", str(OVERLAP_SECONDS))
    assert run_cli(args).code == 0
    cursors = {
        entity: largest_stamp(sandbox, entity)
        for entity in CORE_ENTITIES
        if load_catalogue()[entity].cursor
    }
    mutated = sandbox.mutate(
        [
            {"entity": "Tickets", "create": 7, "update": 12, "delete": 4},
            {"entity": "TicketNotes", "create": 3, "update": 5},
            {"entity": "Contacts", "update": 6},
            {"entity": "Resources", "update": 2},
        ]
    )["results"]
    deleted_tickets = mutated[0]["deleted"]
    sandbox.reset_stats()

    result = run_cli(args)

    assert result.code == 0, result.stderr
    assert_all_tables_equal(sandbox, tmp_path / "warehouse.duckdb")
    with duckdb_tables(tmp_path / "warehouse.duckdb") as conn:
        left = conn.execute(
            "SELECT count(*) FROM autotask.tickets WHERE id IN "
            f"({', '.join(map(str, deleted_tickets))})"
        ).fetchone()[0]
        tombstones = conn.execute(
            "SELECT count(*) FROM autotask.deleted_ticket_logs WHERE ticket_id IN "
            f"({', '.join(map(str, deleted_tickets))})"
        ).fetchone()[0]
    assert left == 0
    assert tombstones == len(deleted_tickets) == 4

    summary = {line.split()[0]: line.split() for line in result.stdout.splitlines()}
    stats = sandbox.stats()
    for entity in CORE_ENTITIES:
        rows = sandbox.tenant.count(entity)
        if entity in cursors:
            rows = rows_stamped_since(sandbox, entity, cursors[entity] - overlap)
        assert summary[entity][2] == f"{rows:,}", entity
        assert query_requests(stats, entity) == max(1, math.ceil(rows / 500)), entity
    changed_tickets = set(mutated[0]["created"]) | set(mutated[0]["updated"])
    assert rows_stamped_since(sandbox, "Tickets", cursors["Tickets"] - overlap) == (
        len(changed_tickets - set(deleted_tickets)) + 1
    )


def test_run_killed_halfway_then_rerun_ends_equal(tmp_path):
    config = SandboxConfig(seed=3, scale=6000, latency_seconds=0.05)
    with Sandbox(config) as sandbox:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", *cli_args(sandbox, tmp_path)],
            env=sandbox_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while query_requests(sandbox.stats(), "Tickets") < 4:
            assert process.poll() is None, "the sync finished before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

        result = run_cli(cli_args(sandbox, tmp_path))

        assert result.code == 0, result.stderr
        assert_all_tables_equal(sandbox, tmp_path / "warehouse.duckdb")


def test_bad_secret_exits_non_zero_and_advances_nothing(sandbox, tmp_path):
    assert run_cli(cli_args(sandbox, tmp_path)).code == 0
    sandbox.mutate({"entity": "Tickets", "update": 3})
    state_file = tmp_path / "pipelines" / "autotask" / "state.json"
    state_before = state_file.read_bytes()

    result = run_cli(cli_args(sandbox, tmp_path), env=sandbox_env(secret="wrong"))

    assert result.code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: Autotask rejected the API user's secret (HTTP 401); check secret "
        "and username in [sources.autotask.credentials], and that the API user "
        "is active."
    )
    assert state_file.read_bytes() == state_before


def _no_tables(tmp_path) -> bool:
    with duckdb_tables(tmp_path / "warehouse.duckdb") as conn:
        return not conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'autotask'"
        ).fetchone()[0]


def test_unknown_entity_fails_before_any_request(sandbox, tmp_path):
    result = run_cli(
        cli_args(sandbox, tmp_path, "--entities", "Tickets,Tickts,Compnies")
    )

    assert result.code == 1
    assert "Unknown Autotask entity 'Tickts'" in result.stderr
    assert "Tickets" in result.stderr
    assert sandbox.stats()["requests_total"] == 0


def test_secret_never_appears_in_output_logs_or_state(sandbox, tmp_path):
    result = run_cli(cli_args(sandbox, tmp_path, "--log-level", "DEBUG"))
    assert result.code == 0, result.stderr

    assert SANDBOX_SECRET not in result.stdout + result.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SANDBOX_SECRET.encode() not in path.read_bytes(), path


def test_full_refresh_reloads_everything_and_drops_rows_deleted_upstream(
    sandbox, tmp_path
):
    assert run_cli(cli_args(sandbox, tmp_path)).code == 0
    gone = sandbox.mutate({"entity": "Contacts", "delete": 3})["results"][0]["deleted"]
    assert run_cli(cli_args(sandbox, tmp_path)).code == 0
    with duckdb_tables(tmp_path / "warehouse.duckdb") as conn:
        stale = table_rows(conn, "contacts")
    assert set(gone) <= set(stale)
    sandbox.reset_stats()

    result = run_cli(cli_args(sandbox, tmp_path, "--full-refresh"))

    assert result.code == 0, result.stderr
    assert_all_tables_equal(sandbox, tmp_path / "warehouse.duckdb")
    stats = sandbox.stats()
    for entity in CORE_ENTITIES:
        pages = max(1, math.ceil(sandbox.tenant.count(entity) / 500))
        assert query_requests(stats, entity) == pages, entity


def test_an_explicit_base_url_skips_the_zone_lookup(sandbox, tmp_path):
    args = [
        "--base-url",
        sandbox.base_url,
        "--duckdb-file",
        str(tmp_path / "warehouse.duckdb"),
        "--pipelines-dir",
        str(tmp_path / "pipelines"),
        "--entities",
        "Companies",
    ]

    result = run_cli(args)

    assert result.code == 0, result.stderr
    assert "GET zoneinformation" not in sandbox.stats()["requests_by_route"]
    with duckdb_tables(tmp_path / "warehouse.duckdb") as conn:
        assert len(table_rows(conn, "companies")) == sandbox.tenant.count("Companies")


def test_help_names_every_option_and_the_exit_codes():
    result = run_cli(["--help"])

    assert result.code == 0
    for option in (
        "--entities",
        "--destination",
        "--full-refresh",
        "--base-url",
        "--filter",
        "--budget-share",
    ):
        assert option in result.stdout
    assert "3 hourly budget share used up" in result.stdout


def test_a_quiet_incremental_run_costs_one_request_per_entity(sandbox, tmp_path):
    assert run_cli(cli_args(sandbox, tmp_path)).code == 0
    sandbox.reset_stats()

    result = run_cli(cli_args(sandbox, tmp_path))

    assert result.code == 0, result.stderr
    expected = {"GET zoneinformation": 1, "GET thresholdinformation": 1}
    for entity in CORE_ENTITIES:
        spec = load_catalogue()[entity]
        pages = 1 if spec.cursor else math.ceil(sandbox.tenant.count(entity) / 500)
        expected[f"POST {entity.casefold()}/query"] = pages
    assert sandbox.stats()["requests_by_route"] == expected
