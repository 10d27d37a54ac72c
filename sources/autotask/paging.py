"""Walking an entity in ascending `id` order, 500 rows a query.

Autotask answers every query sorted by `id` and caps a page at 500 rows.
Rather than following `nextPageUrl` (a growing URL that must be re-POSTed
with the same body), each page is a fresh POST query filtered on
`id > last id seen`, the looping method Autotask's own docs recommend. A walk
can therefore resume from a stored id after an interruption, and a page
costs exactly one request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .client import AutotaskClient, QueryPage
from .query import Condition, query_body
from .settings import PAGE_SIZE


@dataclass
class WalkPosition:
    """How far a walk got: the last id returned, and pages and rows so far."""

    after_id: int | None = None
    pages: int = 0
    rows: int = 0


def walk_pages(
    client: AutotaskClient,
    entity: str,
    conditions: list[Any],
    position: WalkPosition,
    page_size: int = PAGE_SIZE,
    include_fields: list[str] | None = None,
) -> Iterator[QueryPage]:
    """Yield the entity's pages matching `conditions`, from `position` on.

    `position` is updated before each page is yielded, so a caller that
    stops consuming knows exactly which ids it has received.
    """
    while True:
        if position.after_id is None:
            id_bound = Condition("id", "gte", 0)
        else:
            id_bound = Condition("id", "gt", position.after_id)
        body = query_body(
            [*conditions, id_bound],
            max_records=page_size,
            include_fields=include_fields,
        )
        page = client.query(entity, body)

        if page.items:
            position.after_id = page.items[-1]["id"]
        position.pages += 1
        position.rows += len(page.items)
        yield page

        if not page.next_page_url or len(page.items) < page_size:
            return


def walk_parent_pages(
    client: AutotaskClient, entity: str, parent_field: str, parent_id: int
) -> Iterator[QueryPage]:
    """Yield every page of the rows belonging to one parent row.

    Entities such as TicketHistory accept exactly one `<parent field> eq`
    condition and nothing else, so there is no `id` bound to page by: the
    walk follows `nextPageUrl`, re-POSTing the same body as Autotask requires.
    """
    body = query_body([Condition(parent_field, "eq", parent_id)])
    page = client.query(entity, body)
    yield page
    while page.next_page_url:
        page = client.next_page(page.next_page_url, body)
        yield page
