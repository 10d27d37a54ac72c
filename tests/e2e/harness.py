"""Running `autotask-sync` as a user would, and checking what landed.

The CLI runs in a subprocess against a sandbox served from the test process
on 127.0.0.1. Parity checks compare every row and every field of a table with
the sandbox's ground truth, converting values independently of the source's
own conversion code so that a bug there cannot hide itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from dlt.common.normalizers.naming.snake_case import NamingConvention

from sandbox import SANDBOX_INTEGRATION_CODE, SANDBOX_SECRET, SANDBOX_USERNAME
from sources.autotask.catalogue import load_catalogue

REPO = Path(__file__).resolve().parents[2]
CLI_TIMEOUT_SECONDS = 300

_naming = NamingConvention()


def sandbox_env(secret: str = SANDBOX_SECRET) -> dict[str, str]:
    prefix = "SOURCES__AUTOTASK__CREDENTIALS__"
    env = dict(os.environ)
    env[prefix + "USERNAME"] = SANDBOX_USERNAME
    env[prefix + "SECRET"] = secret
    env[prefix + "INTEGRATION_CODE"] = SANDBOX_INTEGRATION_CODE
    env["PYTHONPATH"] = str(REPO)
    return env


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def cli_args(sandbox, workdir: Path, *extra: str) -> list[str]:
    return [
        "--zone-lookup-url",
        sandbox.zone_lookup_url,
        "--duckdb-file",
        str(workdir / "warehouse.duckdb"),
        "--pipelines-dir",
        str(workdir / "pipelines"),
        *extra,
    ]


def run_cli(args: list[str], env: dict[str, str] | None = None) -> CliResult:
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        env=env or sandbox_env(),
        timeout=CLI_TIMEOUT_SECONDS,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


def table_rows(conn: Any, table: str) -> dict[int, dict[str, Any]]:
    """A table's rows by id; a table holding an id twice fails the test."""
    cursor = conn.execute(f"SELECT * FROM autotask.{table}")
    names = [d[0] for d in cursor.description]
    fetched = cursor.fetchall()
    rows = {
        row[names.index("id")]: dict(zip(names, row, strict=True)) for row in fetched
    }
    assert len(rows) == len(fetched), f"{table} holds duplicate ids"
    return rows


def duckdb_tables(path: Path) -> Any:
    return duckdb.connect(str(path), read_only=True)


def _expected_value(value: Any, data_type: str) -> Any:
    if value is None:
        return None
    if data_type == "datetime":
        return datetime.fromisoformat(value)
    if data_type == "decimal":
        return Decimal(str(value))
    return value


def _landed_value(value: Any, data_type: str) -> Any:
    if value is None:
        return None
    if data_type == "decimal":
        return Decimal(str(value))
    return value


def _udf_matches(text: str | None, landed: Any) -> bool:
    """A UDF's string value against its typed column, whatever the type."""
    if text is None or landed is None:
        return text is None and landed is None
    if isinstance(landed, bool):
        return landed == (text.lower() == "true")
    if isinstance(landed, datetime):
        return landed == datetime.fromisoformat(text)
    if isinstance(landed, float | Decimal | int):
        return Decimal(str(landed)) == Decimal(text)
    return landed == text


def assert_table_equals_sandbox(
    sandbox, entity: str, landed: dict[int, dict[str, Any]]
) -> None:
    """Same ids, and every field of every row equal, UDFs included."""
    types = load_catalogue()[entity].fields
    expected_rows = list(sandbox.tenant.rows(entity))
    expected_ids = [row["id"] for row in expected_rows]
    assert sorted(landed) == expected_ids, f"{entity}: ids differ"

    for expected in expected_rows:
        row = landed[expected["id"]]
        for name, value in expected.items():
            if name == "userDefinedFields":
                for udf in value or ():
                    column = "udf_" + _naming.normalize_identifier(udf["name"])
                    assert _udf_matches(udf["value"], row[column]), (
                        entity,
                        expected["id"],
                        column,
                        udf["value"],
                        row[column],
                    )
                continue
            column = _naming.normalize_identifier(name)
            data_type = types[name]
            assert _landed_value(row[column], data_type) == _expected_value(
                value, data_type
            ), (entity, expected["id"], name, value, row[column])
