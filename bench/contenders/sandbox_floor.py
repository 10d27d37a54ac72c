"""The floor set by the API simulator: page every row, keep nothing.

Raw httpx POSTs `id > last id` pages of 500 straight to the zone URL (no
zone lookup, no metadata), parses each page's JSON, counts its rows and
drops them. No contender that lands the same rows through the same
simulator can be faster than this, except by keeping more requests in
flight.

- serial: the entities one after another, one request in flight; its
  per-entity seconds are the time to page each entity alone;
- parallel: one thread per entity, one request in flight per entity, the
  way autotask-sync walks entities side by side.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from . import PAGE_SIZE, Target, auth_headers

TIMEOUT_SECONDS = 60.0


class SandboxFloor:
    kind = "floor"

    def __init__(self, parallel: bool) -> None:
        self.parallel = parallel
        self.key = f"floor-{'parallel' if parallel else 'serial'}"
        self.name = f"sandbox floor ({'parallel' if parallel else 'serial'})"
        self.description = "raw httpx id>last pages, parsed and discarded, " + (
            "one thread per entity" if parallel else "entities in turn"
        )
        self.rows: dict[str, int] = {}
        self.entity_seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    def run(self, target: Target) -> None:
        self.rows, self.entity_seconds = {}, {}
        with httpx.Client(headers=auth_headers(), timeout=TIMEOUT_SECONDS) as http:
            if not self.parallel:
                for entity in target.entities:
                    self._page_all(http, target.api_url, entity)
                return
            with ThreadPoolExecutor(len(target.entities)) as pool:
                walks = [
                    pool.submit(self._page_all, http, target.api_url, entity)
                    for entity in target.entities
                ]
                for walk in walks:
                    walk.result()

    def _page_all(self, http: httpx.Client, api_url: str, entity: str) -> None:
        started = time.perf_counter()
        last_id, rows = -1, 0
        while True:
            body = {
                "filter": [{"op": "gt", "field": "id", "value": last_id}],
                "MaxRecords": PAGE_SIZE,
            }
            response = http.post(f"{api_url}{entity}/query", json=body)
            response.raise_for_status()
            document = response.json()
            items = document["items"]
            rows += len(items)
            if items:
                last_id = items[-1]["id"]
            if not document["pageDetails"]["nextPageUrl"]:
                break
        with self._lock:
            self.rows[entity] = rows
            self.entity_seconds[entity] = time.perf_counter() - started

    def landed(self, target: Target) -> dict[str, int]:
        return {entity: self.rows.get(entity, 0) for entity in target.entities}
