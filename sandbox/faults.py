"""Switchable faults: the failures real Autotask zones produce now and then.

Faults fire only on authenticated API requests (never on the zone lookup,
`versioninformation` or `/_sandbox/*`), after the request has been counted
and has taken its thread slot, as a real server-side failure would:

- `status`: answer `status` (default 500) with `{"errors": [...]}`;
- `empty`: answer 200 with an empty body;
- `cut`: answer 200 with the real body cut in half (invalid JSON, with a
  matching Content-Length);
- `reset`: close the connection without answering;
- `slow`: hold the request `seconds` longer, then answer normally (the
  thread slot stays taken; other requests are served meanwhile);
- `429`: answer 429 with the request-threshold error and a `Retry-After`
  of `seconds` as delta-seconds (`retry_after="seconds"`, rounded up), as
  an HTTP-date that far ahead (`"date"`), or none (`"none"`);
- `thread`: answer `status` (default 500, not 429) with the thread-limit
  error text, as real tenants sometimes do.

Two ways to arm them, used together:

- by count (`Fault`): the next `count` requests (optionally only on one
  endpoint key), consumed in the order armed; these win over rates;
- by rate (`FaultRate`): while any rate is set, each request that reaches
  the fault point (authenticated, in its zone, within the hourly and thread
  limits) draws once from `random.Random(seed)` under a lock, whether or
  not an armed fault then wins. The rates own consecutive slices of [0, 1)
  in the order given, and a request fails with the fault whose slice holds
  its draw if that fault applies to its endpoint. The i-th such request
  therefore fails iff the i-th draw lands in a slice: a seed and a request
  sequence always give the same faults. Concurrent requests draw in the
  order they reach that point.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass

FAULT_KINDS = ("status", "empty", "cut", "reset", "slow", "429", "thread")
RETRY_AFTER_FORMS = ("seconds", "date", "none")
FAULT_OPTIONS = ("endpoint", "status", "seconds", "retry_after")


class FaultError(ValueError):
    """A fault that cannot be armed as described."""


def _check(kind: str, status: int, seconds: float, retry_after: str) -> None:
    if kind not in FAULT_KINDS:
        raise FaultError(f"unknown fault kind {kind!r}; use one of {FAULT_KINDS}")
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise FaultError("a status fault needs a 4xx or 5xx status")
    if not isinstance(seconds, int | float) or seconds < 0:
        raise FaultError("a slow fault needs non-negative seconds")
    if retry_after not in RETRY_AFTER_FORMS:
        raise FaultError(
            f"unknown retry_after {retry_after!r}; use one of {RETRY_AFTER_FORMS}"
        )


@dataclass
class Fault:
    """A fault armed for the next `count` requests."""

    kind: str
    count: int = 1
    endpoint: str | None = None
    status: int = 500
    seconds: float = 0.0
    retry_after: str = "seconds"

    def __post_init__(self) -> None:
        _check(self.kind, self.status, self.seconds, self.retry_after)
        if not isinstance(self.count, int) or self.count < 1:
            raise FaultError("a fault's count must be a positive integer")
        if self.endpoint is not None:
            self.endpoint = self.endpoint.lower()


@dataclass(frozen=True)
class FaultRate:
    """A fault that fires on a share `rate` (0..1) of requests."""

    kind: str
    rate: float
    endpoint: str | None = None
    status: int = 500
    seconds: float = 0.0
    retry_after: str = "seconds"

    def __post_init__(self) -> None:
        _check(self.kind, self.status, self.seconds, self.retry_after)
        rate = self.rate
        if isinstance(rate, bool) or not isinstance(rate, int | float):
            raise FaultError(f"a fault rate must be a number, got {rate!r}")
        if not 0 <= rate <= 1:
            raise FaultError(f"a fault rate must be between 0 and 1, got {rate}")
        if self.endpoint is not None:
            object.__setattr__(self, "endpoint", self.endpoint.lower())

    def fault(self) -> Fault:
        """The one-shot fault this rate fires."""
        return Fault(
            self.kind, 1, self.endpoint, self.status, self.seconds, self.retry_after
        )


def fault_rates(specs: Iterable[FaultRate | dict]) -> tuple[FaultRate, ...]:
    """Rates from `FaultRate`s or their dict form; FaultError when the rates
    add up to more than 1 (each request fails at most once)."""
    try:
        rates = tuple(s if isinstance(s, FaultRate) else FaultRate(**s) for s in specs)
    except TypeError as error:
        raise FaultError(f"not a fault rate: {error}") from None
    total = sum(r.rate for r in rates)
    if total > 1 + 1e-9:
        raise FaultError(f"fault rates add up to {total:g}; the total must be <= 1")
    return rates


def parse_fault_rate(text: str) -> FaultRate:
    """`KIND:RATE[:OPTION=VALUE,...]`, the CLI's `--fault` form, e.g.
    `status:0.1`, `status:0.05:status=503,endpoint=tickets`,
    `429:0.02:retry_after=date,seconds=30`, `slow:0.01:seconds=2.5`."""
    kind, _, rest = text.partition(":")
    rate_text, _, options_text = rest.partition(":")
    try:
        rate = float(rate_text)
    except ValueError:
        raise FaultError(
            f"--fault {text!r}: expected KIND:RATE[:OPTION=VALUE,...]"
        ) from None

    options: dict[str, object] = {}
    for option in filter(None, options_text.split(",")):
        name, sep, value = option.partition("=")
        if not sep or name not in FAULT_OPTIONS:
            raise FaultError(
                f"--fault {text!r}: unknown option {option!r}; "
                f"use {', '.join(FAULT_OPTIONS)}"
            )
        try:
            options[name] = _option_value(name, value)
        except ValueError:
            raise FaultError(f"--fault {text!r}: bad value for {name}") from None
    return FaultRate(kind, rate, **options)


def _option_value(name: str, value: str) -> object:
    if name == "status":
        return int(value)
    if name == "seconds":
        return float(value)
    return value


class FaultPlan:
    """Armed faults and fault rates, consulted once per request
    (thread-safe; see the module docstring for the order)."""

    def __init__(self, rates: Iterable[FaultRate] = (), seed: int = 0) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.set_rates(rates, seed)

    def arm(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Disarm the count-based faults (rates stay; see `set_rates`)."""
        with self._lock:
            self._faults.clear()

    def set_rates(self, rates: Iterable[FaultRate | dict], seed: int) -> None:
        """Replace the rates and restart the draws from `seed`."""
        checked = fault_rates(rates)
        with self._lock:
            self._rates = checked
            self._seed = seed
            self._random = random.Random(seed)

    def take(self, endpoint: str | None) -> Fault | None:
        """The fault this request suffers, if any; armed faults are used up."""
        with self._lock:
            draw = self._random.random() if self._rates else None
            for fault in self._faults:
                if fault.endpoint is None or fault.endpoint == endpoint:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
            if draw is None:
                return None

            edge = 0.0
            for rate in self._rates:
                edge += rate.rate
                if draw < edge:
                    applies = rate.endpoint is None or rate.endpoint == endpoint
                    return rate.fault() if applies else None
            return None

    def pending(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def rates(self) -> dict:
        """The `GET /_sandbox/fault_rates` document."""
        with self._lock:
            return {"seed": self._seed, "rates": [asdict(r) for r in self._rates]}
