"""The sandbox on its own at a million Tickets: start, memory, page times.

Rows are generated from (seed, entity, index) when read, never stored, so a
big tenant should start at once and cost little memory, and a page deep in
the id range should cost what the first page costs (an `id` bound starts
the scan at the right index). A filter on anything but `id` has no such
shortcut: the engine reads rows in id order until the page fills. The
incremental page measures exactly that case with the query a no-change
incremental run of autotask-sync sends (`lastActivityDate >= <latest stamp
minus the overlap>` and `id >= 0`), which few rows match, so the whole
entity is scanned.

The tenant is served in-process (RSS growth is this process's) with the
hourly limit lifted; each page is one POST through httpx, timed alone.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import httpx

from sandbox import Sandbox, SandboxConfig
from sandbox.config import ANCHOR_MS

from .contenders import PAGE_SIZE, auth_headers
from .measure import MB, release_memory, rss_bytes
from .sandboxes import BENCH_HOURLY_LIMIT

ENTITY = "Tickets"
CURSOR_FIELD = "lastActivityDate"
INCREMENTAL_OVERLAP = timedelta(minutes=2)
PAGE_TIMEOUT_SECONDS = 900.0
LIFETIME_SECONDS = 3600.0


@dataclass
class PageTiming:
    seconds: float
    rows: int
    has_next_page: bool


@dataclass
class BigTenantResult:
    scale: int
    tickets: int
    start_seconds: float
    rss_after_start_mb: float | None
    first_page: PageTiming
    last_page: PageTiming
    incremental_page: PageTiming
    rss_after_pages_mb: float | None

    def to_json(self) -> dict:
        return asdict(self)


def measure_big_tenant(scale: int, seed: int = 1) -> BigTenantResult:
    """Start a tenant of `scale` Tickets and time three Tickets pages."""
    release_memory()
    rss_before = rss_bytes()
    started = time.perf_counter()
    sandbox = Sandbox(
        SandboxConfig(
            seed=seed,
            scale=scale,
            hourly_limit=BENCH_HOURLY_LIMIT,
            max_lifetime_seconds=LIFETIME_SECONDS,
        )
    ).start()
    start_seconds = time.perf_counter() - started
    rss_after_start = _growth_mb(rss_before)

    try:
        tickets = sandbox.tenant.count(ENTITY)
        url = f"{sandbox.api_url}{ENTITY}/query"
        # The id of the row just before the last full page of 500.
        before_last_page = sandbox.tenant.plan(ENTITY).id_of(tickets - PAGE_SIZE - 1)
        since = datetime.fromtimestamp(ANCHOR_MS / 1000, UTC) - INCREMENTAL_OVERLAP
        with httpx.Client(headers=auth_headers(), timeout=PAGE_TIMEOUT_SECONDS) as http:
            first = _timed_page(http, url, [_id("gte", 0)])
            last = _timed_page(http, url, [_id("gt", before_last_page)])
            incremental = _timed_page(
                http,
                url,
                [
                    {
                        "op": "gte",
                        "field": CURSOR_FIELD,
                        "value": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    },
                    _id("gte", 0),
                ],
            )
        return BigTenantResult(
            scale=scale,
            tickets=tickets,
            start_seconds=start_seconds,
            rss_after_start_mb=rss_after_start,
            first_page=first,
            last_page=last,
            incremental_page=incremental,
            rss_after_pages_mb=_growth_mb(rss_before),
        )
    finally:
        sandbox.stop()


def _id(op: str, value: int) -> dict:
    return {"op": op, "field": "id", "value": value}


def _timed_page(http: httpx.Client, url: str, conditions: list[dict]) -> PageTiming:
    body = {"filter": conditions, "MaxRecords": PAGE_SIZE}
    started = time.perf_counter()
    response = http.post(url, json=body)
    response.raise_for_status()
    document = response.json()
    seconds = time.perf_counter() - started
    return PageTiming(
        seconds=seconds,
        rows=len(document["items"]),
        has_next_page=bool(document["pageDetails"]["nextPageUrl"]),
    )


def _growth_mb(before: int | None) -> float | None:
    now = rss_bytes()
    if before is None or now is None:
        return None
    return (now - before) / MB
