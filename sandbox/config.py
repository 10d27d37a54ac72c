"""Sandbox configuration and the one set of credentials the sandbox accepts.

Everything a test, the demo or a benchmark can tune lives in
`SandboxConfig`; everything fixed about the simulated tenant (credentials,
the anchor instant that all seeded data predates) is a constant here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sources.autotask.client import is_loopback

from .faults import FaultRate, fault_rates

SANDBOX_USERNAME = "sync-api@sandbox.example"
SANDBOX_SECRET = "sandbox-secret-7f3c9a1e"
# Autotask's API tracking identifiers are 27 characters long.
SANDBOX_INTEGRATION_CODE = "SANDBOXINTEGRATIONCODE27CHR"

ZONE_NAME = "Sandbox Zone (loopback)"

# Every seeded timestamp lies before this instant (2026-11-01T00:00:00Z), so
# anything the admin API stamps "now" is newer than all seeded data.
ANCHOR_MS = 1_793_491_200_000
# Seeded creation dates spread over the three years before the anchor.
HISTORY_MS = 3 * 365 * 24 * 3600 * 1000

API_VERSION = "V1.0"

# Autotask's documented usage latency: +0.5 s per call from 50 % of the
# hourly threshold, +1 s from 75 %.
USAGE_LATENCY_STEPS = ((0.75, 1.0), (0.5, 0.5))


@dataclass(frozen=True)
class SandboxConfig:
    """How one sandbox instance behaves.

    `scale` is the number of Tickets; every core entity's row count derives
    from it. `latency_seconds` holds every authenticated request inside its
    thread slot for that long (tests use it to provoke the thread limit).
    `usage_latency` adds Autotask's documented per-call delay once the hourly
    count passes 50 % and 75 % of `hourly_limit`; it is off by default so
    tests with tiny limits stay fast. `time_scale` multiplies that delay
    (0.01 turns +0.5 s / +1 s into 0.005 s / 0.01 s of real sleep); stats
    still report the simulated seconds.

    `faults` fire at a set rate, drawn from `random.Random(fault_seed)` (see
    `sandbox.faults`). `move_zone_after` moves the tenant to a new zone
    URL once that many authenticated requests have been answered, so a test
    can move it in the middle of a run.
    """

    seed: int = 1
    scale: int = 1200
    hourly_limit: int = 10_000
    thread_limit: int = 3
    max_lifetime_seconds: float = 1800.0
    host: str = "127.0.0.1"
    port: int = 0
    latency_seconds: float = 0.0
    usage_latency: bool = False
    time_scale: float = 1.0
    faults: tuple[FaultRate, ...] = ()
    fault_seed: int = 0
    move_zone_after: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "faults", fault_rates(self.faults))
        if not self.time_scale > 0:
            raise ValueError(f"time_scale must be positive, got {self.time_scale}")
        if self.move_zone_after is not None and self.move_zone_after < 1:
            raise ValueError(
                f"move_zone_after must be at least 1, got {self.move_zone_after}"
            )
        if self.scale < 1:
            raise ValueError(f"scale must be at least 1, got {self.scale}")
        if self.hourly_limit < 1 or self.thread_limit < 1:
            raise ValueError("hourly_limit and thread_limit must be at least 1")
        if self.max_lifetime_seconds <= 0:
            raise ValueError("max_lifetime_seconds must be positive")
        if not is_loopback(self.host):
            raise ValueError(
                f"the sandbox binds only to loopback addresses, not {self.host!r}"
            )
