"""Autotask's two request limits: threads per endpoint and an hourly budget.

- `ThreadLimit`: at most `limit` requests in flight per (integration code,
  endpoint key); one more is refused at once (Autotask answers 429 with
  "Thread Threshold Exceeded"), never queued.
- `HourlyBudget`: a rolling 60-minute count of admitted requests for the
  whole tenant; at `limit` further requests are refused until old ones age
  out of the window. Refused requests are not counted, so a client that
  backs off recovers.

The endpoint key is the entity segment of the URL, case-folded (see
`sandbox.server.endpoint_key`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from .config import USAGE_LATENCY_STEPS

WINDOW_SECONDS = 3600.0

THREAD_LIMIT_ERROR = (
    "Thread Threshold Exceeded: The Autotask API thread threshold of {limit} "
    "threads has been exceeded for the {endpoint} endpoint. Wait for an "
    "in-flight request to finish and try again."
)
HOURLY_LIMIT_ERROR = (
    "Request Threshold Exceeded: the hourly request threshold of {limit} "
    "requests for this database has been reached. Try again once the number "
    "of requests in the last 60 minutes is below the threshold."
)


class ThreadLimit:
    """Counts in-flight requests per key and refuses those over the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._in_flight: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def acquire(self, code: str, endpoint: str) -> bool:
        """Take a slot if one is free; never waits."""
        key = (code, endpoint)
        with self._lock:
            in_flight = self._in_flight.get(key, 0)
            if in_flight >= self.limit:
                return False
            self._in_flight[key] = in_flight + 1
            return True

    def release(self, code: str, endpoint: str) -> None:
        key = (code, endpoint)
        with self._lock:
            self._in_flight[key] -= 1
            if not self._in_flight[key]:
                del self._in_flight[key]


class HourlyBudget:
    """A rolling-window request counter with a hard limit."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def _prune(self, now: float) -> None:
        while self._stamps and self._stamps[0] <= now - WINDOW_SECONDS:
            self._stamps.popleft()

    def admit(self) -> bool:
        """Count one request, or refuse it when the window is full."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            if len(self._stamps) >= self.limit:
                return False
            self._stamps.append(now)
            return True

    def used(self) -> int:
        with self._lock:
            self._prune(self._clock())
            return len(self._stamps)

    def usage_latency(self) -> float:
        """Autotask's added delay per call at the current usage."""
        share = self.used() / self.limit
        for threshold, delay in USAGE_LATENCY_STEPS:
            if share >= threshold:
                return delay
        return 0.0
