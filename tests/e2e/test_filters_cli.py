"""User filters on the CLI: translated, checked before data, split when long."""

from __future__ import annotations

import json

import pytest

from sandbox import Sandbox, SandboxConfig

from .harness import cli_args, duckdb_tables, run_cli, table_rows
from .test_sync_cli import query_requests


@pytest.fixture
def sandbox():
    with Sandbox(SandboxConfig(seed=12, scale=1500, max_lifetime_seconds=600)) as sb:
        yield sb


def filter_arg(entity: str, document) -> list[str]:
    return ["--entities", entity, "--filter", f"{entity}={json.dumps(document)}"]


def landed_ids(tmp_path, table: str) -> list[int]:
    with duckdb_tables(tmp_path / "warehouse.duckdb") as conn:
        return sorted(table_rows(conn, table))


def test_a_misspelled_operator_is_translated_not_ignored(sandbox, tmp_path):
    document = {"op": "ne", "field": "Status", "value": 5}

    result = run_cli(cli_args(sandbox, tmp_path, *filter_arg("Tickets", document)))

    assert result.code == 0, result.stderr
    expected = [
        r["id"] for r in sandbox.tenant.rows("Tickets") if r["status"] not in (5, None)
    ]
    assert 0 < len(expected) < sandbox.tenant.count("Tickets")
    assert landed_ids(tmp_path, "tickets") == expected


def test_an_unknown_operator_fails_before_any_request(sandbox, tmp_path):
    document = {"op": "like", "field": "title", "value": "printer"}

    result = run_cli(cli_args(sandbox, tmp_path, *filter_arg("Tickets", document)))

    assert result.code == 1
    assert result.stderr.startswith("error: Unknown filter operator 'like' on field")
    assert sandbox.stats()["requests_total"] == 0


def test_page_numbers_are_refused_with_how_paging_works(sandbox, tmp_path):
    document = {"op": "eq", "field": "pageNumber", "value": 2}

    result = run_cli(cli_args(sandbox, tmp_path, *filter_arg("Tickets", document)))

    assert result.code == 1
    assert "Autotask has no page numbers" in result.stderr
    assert sandbox.stats()["requests_total"] == 0


def test_an_unknown_field_fails_before_any_data_request(sandbox, tmp_path):
    document = {"op": "eq", "field": "stauts", "value": 5}

    result = run_cli(cli_args(sandbox, tmp_path, *filter_arg("Tickets", document)))

    assert result.code == 1
    assert (
        "error: Unknown field 'stauts' on Tickets. Did you mean: status"
        in result.stderr
    )
    assert query_requests(sandbox.stats(), "Tickets") == 0


def test_an_in_list_over_the_limit_is_split_into_several_queries(sandbox, tmp_path):
    every_id = [row["id"] for row in sandbox.tenant.rows("Tickets")]
    wanted = every_id[100:1300]
    document = {"op": "in", "field": "id", "value": wanted}

    result = run_cli(cli_args(sandbox, tmp_path, *filter_arg("Tickets", document)))

    assert result.code == 0, result.stderr
    assert landed_ids(tmp_path, "tickets") == sorted(wanted)
    assert query_requests(sandbox.stats(), "Tickets") == 3
