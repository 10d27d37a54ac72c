"""What the CLI does with bad options, odd selections and a failing entity."""

from __future__ import annotations

import json

import pytest

from sandbox import FaultRate, Sandbox, SandboxConfig
from sources.autotask.catalogue import CORE_ENTITIES

from .harness import cli_args, duckdb_tables, run_cli, sandbox_env, table_rows
from .test_sync_cli import assert_all_tables_equal


@pytest.fixture
def sandbox():
    with Sandbox(SandboxConfig(seed=14, scale=700, max_lifetime_seconds=600)) as sb:
        yield sb


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--overlap-seconds", "-5"],
            "error: --overlap-seconds cannot be negative (it would skip changed rows)",
        ),
        (["--entities", " , "], "error: --entities names no entity; give names "),
        (
            ["--budget-share", "0"],
            "error: --budget-share must be above 0 and at most 1",
        ),
    ],
)
def test_bad_option_values_are_usage_errors_before_any_request(
    sandbox, tmp_path, options, message
):
    result = run_cli(cli_args(sandbox, tmp_path, *options))

    assert result.code == 2
    assert result.stderr.startswith(message)
    assert sandbox.stats()["requests_total"] == 0


def test_a_missing_postgres_fails_before_any_autotask_request(sandbox, tmp_path):
    result = run_cli(cli_args(sandbox, tmp_path, "--destination", "postgres"))

    assert result.code == 1
    assert result.stderr.startswith("error: Cannot open the postgres destination:")
    assert "DESTINATION__POSTGRES__CREDENTIALS" in result.stderr
    assert sandbox.stats()["requests_total"] == 0


def test_one_entity_autotask_refuses_fails_alone(tmp_path):
    forbidden = FaultRate("status", 1.0, endpoint="contracts", status=403)
    config = SandboxConfig(seed=14, scale=700, faults=(forbidden,))
    with Sandbox(config) as sandbox:
        result = run_cli(cli_args(sandbox, tmp_path))

        assert result.code == 1
        assert "error: 1 entities failed (Contracts); the others were loaded." in (
            result.stderr
        )
        summary = {line.split()[0]: line.split() for line in result.stdout.splitlines()}
        assert summary["Contracts"][-1] == "failed"
        loaded = [entity for entity in CORE_ENTITIES if entity != "Contracts"]
        assert_all_tables_equal(sandbox, tmp_path / "warehouse.duckdb", loaded)


def test_a_run_of_entities_without_picklists_creates_empty_metadata_tables(
    sandbox, tmp_path
):
    result = run_cli(cli_args(sandbox, tmp_path, "--entities", "Resources"))

    assert result.code == 0, result.stderr
    with duckdb_tables(tmp_path / "warehouse.duckdb") as conn:
        count = conn.execute("SELECT count(*) FROM autotask.picklist_values")
        assert count.fetchone()[0] == 0
        assert len(table_rows(conn, "resources")) == sandbox.tenant.count("Resources")


def test_changing_the_filter_reads_every_matching_row_again(sandbox, tmp_path):
    only_complete = {"op": "eq", "field": "status", "value": 5}
    filtered = [
        "--entities",
        "Tickets",
        "--filter",
        f"Tickets={json.dumps(only_complete)}",
    ]
    assert run_cli(cli_args(sandbox, tmp_path, *filtered)).code == 0

    result = run_cli(cli_args(sandbox, tmp_path, "--entities", "Tickets"))

    assert result.code == 0, result.stderr
    assert_all_tables_equal(sandbox, tmp_path / "warehouse.duckdb", ["Tickets"])


def test_the_base_url_in_dlt_config_skips_the_zone_lookup(sandbox, tmp_path):
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "config.toml").write_text(
        f'[sources.autotask]\nbase_url = "{sandbox.base_url}"\n'
    )
    args = [
        "--duckdb-file",
        str(tmp_path / "warehouse.duckdb"),
        "--pipelines-dir",
        str(tmp_path / "pipelines"),
        "--entities",
        "Companies",
    ]

    result = run_cli(args, env=sandbox_env())

    assert result.code == 0, result.stderr
    assert "GET zoneinformation" not in sandbox.stats()["requests_by_route"]
