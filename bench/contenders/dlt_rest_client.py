"""The dlt peer, built the way public write-ups build an Autotask pipeline.

dlt's own `RESTClient` (requests underneath) POSTs one query per entity,
`{"filter": [{"op": "gte", "field": "id", "value": 0}], "MaxRecords": 500}`,
and `JSONLinkPaginator` follows `pageDetails.nextPageUrl`, re-POSTing the
same body to it. Pages are picked out with `data_selector="items"` and
yielded as dict rows into a `write_disposition="merge"`, `primary_key="id"`
resource per entity; `pipeline.run` loads them into DuckDB. Nothing is tuned:
dlt infers the schema from the rows and unnests each ticket's
`userDefinedFields` list into a child table, as it does by default.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
import requests
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.paginators import JSONLinkPaginator

from sandbox import SANDBOX_USERNAME

from . import PAGE_SIZE, Target, auth_headers, count_tables

DUCKDB_FILE = "dlt_rest_client.duckdb"
PIPELINE_NAME = "autotask_dlt_peer"
DATASET_NAME = "autotask"
ZONE_LOOKUP_TIMEOUT_SECONDS = 30

EVERYTHING = {
    "filter": [{"op": "gte", "field": "id", "value": 0}],
    "MaxRecords": PAGE_SIZE,
}


class DltRestClientPeer:
    key = "dlt-peer"
    name = "dlt RESTClient peer"
    kind = "peer"
    description = "dlt RESTClient + JSONLinkPaginator(nextPageUrl), dict rows, merge"

    def run(self, target: Target) -> None:
        zone = requests.get(
            target.zone_lookup_url,
            params={"user": SANDBOX_USERNAME},
            timeout=ZONE_LOOKUP_TIMEOUT_SECONDS,
        )
        zone.raise_for_status()
        client = RESTClient(
            base_url=f"{zone.json()['url']}V1.0/",
            headers=auth_headers(),
            paginator=JSONLinkPaginator(next_url_path="pageDetails.nextPageUrl"),
            data_selector="items",
        )

        resources = [
            dlt.resource(
                _entity_pages(client, entity),
                name=_resource_name(entity),
                write_disposition="merge",
                primary_key="id",
            )
            for entity in target.entities
        ]
        pipeline = dlt.pipeline(
            pipeline_name=PIPELINE_NAME,
            destination=dlt.destinations.duckdb(
                credentials=str(target.workdir / DUCKDB_FILE)
            ),
            dataset_name=DATASET_NAME,
            pipelines_dir=str(target.workdir / "pipelines"),
        )
        pipeline.run(resources)

    def landed(self, target: Target) -> dict[str, int]:
        tables = {e: f"{DATASET_NAME}.{_resource_name(e)}" for e in target.entities}
        return count_tables(target.workdir / DUCKDB_FILE, tables)


def _entity_pages(client: RESTClient, entity: str) -> Iterator[list[dict[str, Any]]]:
    yield from client.paginate(f"{entity}/query", method="POST", json=EVERYTHING)


def _resource_name(entity: str) -> str:
    """dlt's own snake_case table name for an entity (`TicketNotes` ->
    `ticket_notes`), so the peer's tables read like autotask-sync's."""
    return NamingConvention().normalize_table_identifier(entity)
