"""The hand-rolled peer: an httpx loop and DuckDB `executemany`, no dlt.

This is the shape of the one-file scripts that copy Autotask into a local
database: page each entity by POSTing `id > last id` (500 rows a query)
until `nextPageUrl` is null, create the table from the first page's keys
with every column VARCHAR (the UDF list as JSON), and insert each page with
`executemany`, values as text. No types, no merge, no resume: a fresh file
per run, which is all a full sync into an empty database needs.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import httpx

from sandbox import SANDBOX_USERNAME

from . import PAGE_SIZE, Target, auth_headers, count_tables

DUCKDB_FILE = "hand_rolled.duckdb"
TIMEOUT_SECONDS = 60.0
JSON_COLUMNS = frozenset({"userDefinedFields"})


class HandRolledPeer:
    key = "hand-rolled"
    name = "hand-rolled peer"
    kind = "peer"
    description = "httpx id>last loop, DuckDB executemany into VARCHAR/JSON columns"

    def run(self, target: Target) -> None:
        with (
            httpx.Client(timeout=TIMEOUT_SECONDS) as http,
            duckdb.connect(str(target.workdir / DUCKDB_FILE)) as conn,
        ):
            zone = http.get(target.zone_lookup_url, params={"user": SANDBOX_USERNAME})
            zone.raise_for_status()
            api_url = f"{zone.json()['url']}V1.0/"
            http.headers.update(auth_headers())
            for entity in target.entities:
                _copy_entity(http, conn, api_url, entity)

    def landed(self, target: Target) -> dict[str, int]:
        tables = {e: f"main.{_table(e)}" for e in target.entities}
        return count_tables(target.workdir / DUCKDB_FILE, tables)


def _copy_entity(
    http: httpx.Client, conn: duckdb.DuckDBPyConnection, api_url: str, entity: str
) -> None:
    last_id = -1
    columns: list[str] | None = None
    while True:
        body = {
            "filter": [{"op": "gt", "field": "id", "value": last_id}],
            "MaxRecords": PAGE_SIZE,
        }
        response = http.post(f"{api_url}{entity}/query", json=body)
        response.raise_for_status()
        document = response.json()
        items = document["items"]

        if items:
            if columns is None:
                columns = list(items[0])
                _create_table(conn, entity, columns)
            placeholders = ", ".join("?" * len(columns))
            conn.executemany(
                f"INSERT INTO {_table(entity)} VALUES ({placeholders})",
                [[_text(item.get(c)) for c in columns] for item in items],
            )
            last_id = items[-1]["id"]
        if not document["pageDetails"]["nextPageUrl"]:
            return


def _create_table(
    conn: duckdb.DuckDBPyConnection, entity: str, columns: list[str]
) -> None:
    definitions = ", ".join(
        f'"{c}" {"JSON" if c in JSON_COLUMNS else "VARCHAR"}' for c in columns
    )
    conn.execute(f"CREATE TABLE {_table(entity)} ({definitions})")


def _table(entity: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in entity).lstrip("_")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)
