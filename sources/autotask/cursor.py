"""Where an entity's next walk starts, kept in the resource's dlt state.

Two promises hold whatever happens between runs:

- The cursor never outruns the data. After a finished walk the cursor is the
  smaller of the largest change stamp seen and the server's clock when the
  walk began (its HTTP `Date`). A row changed while the walk was paging has
  a stamp at or after that clock, so the next run's filter still catches it.
  The next run filters from the cursor minus an overlap, which absorbs clock
  skew; merging on `id` makes the re-read rows harmless.
- An interrupted walk resumes. When a run stops early (its share of the
  hourly budget is spent), the walk's lower bound, start clock and last id
  are kept, and the next run continues from that id with the same bound.
  The cursor moves only when a walk finishes.

State is stored as ISO-8601 strings so it survives dlt's JSON state as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

CURSOR_KEY = "cursor"
WALK_KEY = "walk"
FILTER_KEY = "filter"


@dataclass(frozen=True)
class Walk:
    """One pass over an entity: rows stamped at or after `lower_bound`.

    `part` is the query being walked when a filter had to be split into
    several queries (an `in` list over Autotask's 500-condition limit), and
    `ranges` the id ranges of a walk split across the endpoint's slots, as
    `[low, high, after_id]` lists.
    """

    lower_bound: datetime | None
    started_at: datetime
    after_id: int | None = None
    part: int = 0
    ranges: list[list[int | None]] | None = None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def follow_filter(state: dict[str, Any], fingerprint: str | None) -> bool:
    """Forget the cursor when the user's filter changed since it was set.

    A cursor only vouches for the rows its own filter selected: rows another
    filter excluded were never read, so a new filter starts a new full walk.
    Returns True when the cursor was forgotten.
    """
    if state.get(FILTER_KEY) == fingerprint:
        return False
    had_position = CURSOR_KEY in state or WALK_KEY in state
    for key in (CURSOR_KEY, WALK_KEY):
        state.pop(key, None)
    if fingerprint is None:
        state.pop(FILTER_KEY, None)
    else:
        state[FILTER_KEY] = fingerprint
    return had_position


def begin_walk(state: dict[str, Any], server_now: datetime, overlap: timedelta) -> Walk:
    """The walk this run should make: a resumed one, or a new one."""
    pending = state.get(WALK_KEY)
    if pending:
        return Walk(
            lower_bound=_parse(pending["lower_bound"]),
            started_at=_parse(pending["started_at"]),
            after_id=pending["after_id"],
            part=pending.get("part", 0),
            ranges=pending.get("ranges"),
        )

    cursor = _parse(state.get(CURSOR_KEY))
    lower_bound = None if cursor is None else cursor - overlap
    return Walk(lower_bound=lower_bound, started_at=server_now)


def record_progress(
    state: dict[str, Any],
    walk: Walk,
    after_id: int | None,
    part: int = 0,
    ranges: list[list[int | None]] | None = None,
) -> None:
    """Keep an unfinished walk so the next run resumes after `after_id`."""
    state[WALK_KEY] = {
        "lower_bound": _iso(walk.lower_bound),
        "started_at": _iso(walk.started_at),
        "after_id": after_id,
        "part": part,
    }
    if ranges is not None:
        state[WALK_KEY]["ranges"] = ranges


def finish_walk(
    state: dict[str, Any], walk: Walk, largest_stamp: datetime | None
) -> None:
    """Advance the cursor after a complete walk, never past the walk's start."""
    state.pop(WALK_KEY, None)
    if largest_stamp is None:
        return
    candidate = min(largest_stamp, walk.started_at)
    previous = _parse(state.get(CURSOR_KEY))
    if previous is None or candidate > previous:
        state[CURSOR_KEY] = _iso(candidate)
