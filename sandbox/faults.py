"""Switchable faults: the failures real Autotask zones produce now and then.

A fault is armed for the next `count` authenticated requests (optionally
only on one endpoint key) and fires after the request has been counted and
has taken its thread slot, as a real server-side failure would:

- `status`: answer `status` (default 500) with `{"errors": [...]}`;
- `empty`: answer 200 with an empty body;
- `cut`: answer 200 with the real body cut in half (invalid JSON, with a
  matching Content-Length);
- `reset`: close the connection without answering;
- `slow`: hold the request `seconds` longer, then answer normally.

Faults are consumed in the order they were armed.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

FAULT_KINDS = ("status", "empty", "cut", "reset", "slow")


class FaultError(ValueError):
    """A fault that cannot be armed as described."""


@dataclass
class Fault:
    kind: str
    count: int = 1
    endpoint: str | None = None
    status: int = 500
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise FaultError(
                f"unknown fault kind {self.kind!r}; use one of {FAULT_KINDS}"
            )
        if not isinstance(self.count, int) or self.count < 1:
            raise FaultError("a fault's count must be a positive integer")
        if not 400 <= self.status <= 599:
            raise FaultError("a status fault needs a 4xx or 5xx status")
        if self.seconds < 0:
            raise FaultError("a slow fault needs non-negative seconds")
        if self.endpoint is not None:
            self.endpoint = self.endpoint.lower()


class FaultPlan:
    """The armed faults, consumed one request at a time (thread-safe)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def arm(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, endpoint: str | None) -> Fault | None:
        """The first armed fault that applies to `endpoint`, used once."""
        with self._lock:
            for fault in self._faults:
                if fault.endpoint is None or fault.endpoint == endpoint:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
            return None

    def pending(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]
