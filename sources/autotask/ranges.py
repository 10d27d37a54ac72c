"""Splitting a big walk into id ranges walked side by side.

Autotask allows 3 requests in flight per endpoint, so one entity can be read
three pages at a time. Once the first page of a big walk is in, one count
request tells how many rows are left; with the first page's id density
that places two cut points, and three workers walk `(last, cut1]`,
`(cut1, cut2]` and `(cut2, ...)`. The last range is open-ended, so a wrong
estimate only unbalances the workers and never misses a row.

Each range remembers the last id its consumer received, so an interrupted
walk resumes every range where it stopped.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .client import AutotaskClient, QueryPage
from .paging import WalkPosition, walk_pages
from .query import Condition

_DONE = object()
_PUT_TIMEOUT_SECONDS = 0.1


@dataclass
class IdRange:
    """Ids above `low` up to `high` (None: no end), walked up to `after_id`."""

    low: int
    high: int | None
    after_id: int | None = None

    def to_state(self) -> list[int | None]:
        return [self.low, self.high, self.after_id]

    @classmethod
    def from_state(cls, value: list[int | None]) -> IdRange:
        return cls(*value)

    @property
    def start(self) -> int:
        return self.low if self.after_id is None else self.after_id

    def conditions(self) -> list[Condition]:
        return [] if self.high is None else [Condition("id", "lte", self.high)]


def plan_ranges(
    first_id: int, last_id: int, rows: int, remaining: int, ways: int
) -> list[IdRange]:
    """`ways` ranges after `last_id` expected to hold `remaining` rows evenly.

    The first page's ids per row estimate how far the remaining rows reach.
    """
    ids_per_row = max(1.0, (last_id - first_id + 1) / max(rows, 1))
    reach = remaining * ids_per_row
    cuts = [last_id + round(reach * step / ways) for step in range(1, ways)]
    lows = [last_id, *cuts]
    highs: list[int | None] = [*cuts, None]
    return [IdRange(low, high) for low, high in zip(lows, highs, strict=True)]


def walk_ranges(
    client: AutotaskClient,
    entity: str,
    conditions: list[Any],
    ranges: list[IdRange],
) -> Iterator[tuple[int, QueryPage]]:
    """Yield `(range index, page)` as the ranges' workers fetch them.

    The caller owns `ranges` and moves each range's `after_id` as it
    consumes pages. An error in any worker stops the others and is raised
    here; pages fetched but not yet consumed are simply fetched again by the
    next run.
    """
    pages: queue.Queue = queue.Queue(maxsize=len(ranges) * 2)
    stop = threading.Event()

    def put(item: tuple) -> None:
        while not stop.is_set():
            try:
                pages.put(item, timeout=_PUT_TIMEOUT_SECONDS)
                return
            except queue.Full:
                continue

    def work(index: int) -> None:
        id_range = ranges[index]
        position = WalkPosition(after_id=id_range.start)
        try:
            for page in walk_pages(
                client, entity, [*conditions, *id_range.conditions()], position
            ):
                if stop.is_set():
                    return
                put((index, page, None))
        except BaseException as exc:
            put((index, None, exc))
        finally:
            put((index, _DONE, None))

    with ThreadPoolExecutor(len(ranges), thread_name_prefix=f"{entity}-range") as pool:
        for index in range(len(ranges)):
            pool.submit(work, index)
        try:
            running = len(ranges)
            while running:
                index, page, error = pages.get()
                if page is _DONE:
                    running -= 1
                elif error is not None:
                    raise error
                else:
                    yield index, page
        finally:
            stop.set()
