"""What the sandbox saw: requests per endpoint and route, peaks, statuses.

`peak_in_flight` counts requests being handled at once per endpoint key,
including ones about to be refused by the thread limit, so a client that
ever has four requests in flight shows a peak of 4 (and a 429), while a
well-behaved client peaks at 3.

`faults` counts each fault that fired, by kind; `usage_latency_seconds`
sums the usage latency Autotask would have added, in simulated seconds
(before `time_scale`).
"""

from __future__ import annotations

import threading
from collections import Counter


class RequestStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._by_endpoint: Counter[str] = Counter()
            self._by_route: Counter[str] = Counter()
            self._statuses: Counter[str] = Counter()
            self._peaks: dict[str, int] = {}
            self._faults: Counter[str] = Counter()
            self._usage_latency = 0.0

    def enter(self, endpoint: str) -> None:
        with self._lock:
            self._in_flight[endpoint] += 1
            current = self._in_flight[endpoint]
            if current > self._peaks.get(endpoint, 0):
                self._peaks[endpoint] = current

    def leave(self, endpoint: str) -> None:
        with self._lock:
            self._in_flight[endpoint] -= 1

    def record(self, endpoint: str | None, route: str, outcome: str) -> None:
        """Count one answered request; `outcome` is the status as text, or
        "reset" for a connection dropped without an answer."""
        with self._lock:
            self._total += 1
            if endpoint is not None:
                self._by_endpoint[endpoint] += 1
            self._by_route[route] += 1
            self._statuses[outcome] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def usage_latency(self, seconds: float) -> None:
        with self._lock:
            self._usage_latency += seconds

    def snapshot(self) -> dict:
        """The `GET /_sandbox/stats` document."""
        with self._lock:
            return {
                "requests_total": self._total,
                "requests": dict(sorted(self._by_endpoint.items())),
                "requests_by_route": dict(sorted(self._by_route.items())),
                "peak_in_flight": dict(sorted(self._peaks.items())),
                "statuses": dict(sorted(self._statuses.items())),
                "faults": dict(sorted(self._faults.items())),
                "usage_latency_seconds": round(self._usage_latency, 6),
            }
