"""The tenant's two limits, enforced on our side before Autotask has to.

- Autotask allows 3 requests in flight per integration and endpoint (the
  entity segment of the URL); a 4th answers 429 "thread threshold". The
  `EndpointLimiter` keeps every endpoint at or under that, whatever the
  URL shape (query, next page, count, metadata, get by id).
- Autotask allows 10,000 requests an hour per tenant, shared with every
  other integration. The `RequestBudget` caps this run at a share of what
  is left, so the run stops cleanly instead of pushing the tenant into 429s.

Both are thread-safe: dlt runs resources in worker threads.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from .exceptions import BudgetExhaustedError, ConfigurationError
from .settings import API_VERSION, THREADS_PER_ENDPOINT


def endpoint_key(path: str) -> str:
    """The endpoint an URL or path counts against: its entity segment.

    It is the first segment after `V1.0` (matched case-insensitively),
    case-folded, e.g. `/ATServicesRest/V1.0/Tickets/query/next` ->
    `tickets`. A full URL is accepted; its query string is ignored. A path
    without a version segment falls back to its last segment.
    """
    segments = [s for s in urlsplit(path).path.split("/") if s]
    version = API_VERSION.casefold()
    folded = [s.casefold() for s in segments]
    if version in folded:
        index = folded.index(version)
        if index + 1 < len(folded):
            return folded[index + 1]
    return folded[-1] if folded else ""


class EndpointLimiter:
    """At most `per_endpoint` requests in flight per endpoint key.

    `peak_in_flight` records the highest concurrency each key reached, so
    tests and run summaries can show the limit held.
    """

    def __init__(self, per_endpoint: int = THREADS_PER_ENDPOINT) -> None:
        if per_endpoint < 1:
            raise ConfigurationError(
                f"per_endpoint must be at least 1, got {per_endpoint}."
            )
        self.per_endpoint = per_endpoint
        self.peak_in_flight: dict[str, int] = {}
        self._in_flight: dict[str, int] = {}
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, key: str) -> Iterator[None]:
        """Block until one of the key's slots is free; hold it for the block."""
        semaphore = self._semaphore(key)
        semaphore.acquire()
        try:
            with self._lock:
                in_flight = self._in_flight.get(key, 0) + 1
                self._in_flight[key] = in_flight
                if in_flight > self.peak_in_flight.get(key, 0):
                    self.peak_in_flight[key] = in_flight
            yield
        finally:
            with self._lock:
                self._in_flight[key] -= 1
            semaphore.release()

    def in_flight(self, key: str) -> int:
        """Requests holding one of the key's slots right now."""
        with self._lock:
            return self._in_flight.get(key, 0)

    def _semaphore(self, key: str) -> threading.BoundedSemaphore:
        with self._lock:
            semaphore = self._slots.get(key)
            if semaphore is None:
                semaphore = threading.BoundedSemaphore(self.per_endpoint)
                self._slots[key] = semaphore
            return semaphore


class RequestBudget:
    """How many requests this run may still send; `None` means unlimited.

    Every request (retries included: Autotask counts them too) must call
    `spend()` before it is sent. Once `allowed` requests are spent, the next
    `spend()` raises `BudgetExhaustedError` and nothing more is sent.
    """

    def __init__(
        self,
        allowed: int | None,
        *,
        share: float | None = None,
        tenant_remaining: int | None = None,
    ) -> None:
        if allowed is not None and allowed < 0:
            raise ConfigurationError(f"allowed must be 0 or more, got {allowed}.")
        self.allowed = allowed
        self.share = share
        self.tenant_remaining = tenant_remaining
        self._spent = 0
        self._lock = threading.Lock()

    @classmethod
    def from_threshold(cls, info: Mapping[str, Any], share: float) -> RequestBudget:
        """The run's allowance from the tenant's `ThresholdInformation` answer.

        allowed = floor((externalRequestThreshold - currentTimeframeRequestCount)
        * share), never below zero.
        """
        if not 0 < share <= 1:
            raise ConfigurationError(
                f"The budget share must be above 0 and at most 1, got {share}."
            )
        try:
            threshold = int(info["externalRequestThreshold"])
            used = int(info["currentTimeframeRequestCount"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigurationError(
                "ThresholdInformation lacks externalRequestThreshold or "
                f"currentTimeframeRequestCount: {exc!r}."
            ) from None
        tenant_remaining = max(threshold - used, 0)
        allowed = math.floor(tenant_remaining * share)
        return cls(allowed, share=share, tenant_remaining=tenant_remaining)

    @property
    def spent(self) -> int:
        with self._lock:
            return self._spent

    @property
    def remaining(self) -> int | None:
        if self.allowed is None:
            return None
        with self._lock:
            return self.allowed - self._spent

    def spend(self, requests: int = 1) -> None:
        """Take `requests` from the budget, or raise if it cannot cover them."""
        with self._lock:
            if self.allowed is not None and self._spent + requests > self.allowed:
                raise BudgetExhaustedError(self._exhausted_message())
            self._spent += requests

    def _exhausted_message(self) -> str:
        if self.share is not None and self.tenant_remaining is not None:
            origin = (
                f" ({self.share * 100:g}% of the {self.tenant_remaining:,} "
                "requests left in the tenant's hourly threshold)"
            )
            raise_hint = "raise the budget share"
        else:
            origin = ""
            raise_hint = "raise the run's request allowance"
        return (
            f"The run's request budget is used: {self.allowed:,} requests were "
            f"allowed{origin}. Progress is saved; rerun later to resume, or "
            f"{raise_hint}."
        )
