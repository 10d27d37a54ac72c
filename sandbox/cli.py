"""`autotask-sandbox`: serve a seeded Autotask tenant on loopback.

Prints the zone base URL as the first line of stdout (flushed, so scripts
can read it), then the zone lookup URL and the credentials, and serves
until interrupted (Ctrl-C / SIGTERM) or until `--max-lifetime` passes.
"""

from __future__ import annotations

import argparse
import signal
import sys

from .config import (
    SANDBOX_INTEGRATION_CODE,
    SANDBOX_SECRET,
    SANDBOX_USERNAME,
    SandboxConfig,
)
from .faults import FaultError, parse_fault_rate
from .service import Sandbox

EPILOG = """\
Admin API on the same port (no auth, not counted):
  GET  /_sandbox/stats        requests per endpoint/route, peaks, statuses
  POST /_sandbox/reset_stats  zero those counters
  GET  /_sandbox/counts       rows per entity
  POST /_sandbox/mutate       {"entity": "Tickets", "create": 5, "update": 10,
                               "delete": 2}  (or a list of such operations)
  POST /_sandbox/faults       arm faults for the next N requests
  POST /_sandbox/fault_rates  {"seed": 3, "rates": [{"kind": "status",
                               "rate": 0.1}]}  (GET shows them)
  POST /_sandbox/move_zone    move the zone now, or {"move_zone_after": N}

Faults at a rate (--fault, repeatable): KIND:RATE[:OPTION=VALUE,...]
  kinds:   status (HTTP `status`, default 500), empty (200, no body),
           cut (200, half a body), reset (connection dropped),
           slow (held `seconds` longer), 429 (request threshold, with a
           Retry-After of `seconds`), thread (thread-limit text with
           `status`, default 500)
  options: endpoint=tickets  status=503  seconds=2.5
           retry_after=seconds|date|none
  e.g.     --fault status:0.1 --fault cut:0.05 --fault-seed 3
           --fault 429:0.02:retry_after=date,seconds=30
  Each authenticated API request draws once from a PRNG seeded with
  --fault-seed, so a seed and a request sequence give the same faults.
  The rates may add up to at most 1. Never applied to the zone lookup or
  /_sandbox/*.

Row counts follow --scale (= Tickets): Companies scale/20, Contacts scale/5,
TicketNotes 2x, TimeEntries 1.5x, Projects scale/50, Tasks scale/10,
Contracts scale/20, ConfigurationItems scale/4, Resources 50, other
entities 5-20 rows. The server binds loopback addresses only.
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="autotask-sandbox",
        description=(
            "Serve a seeded, deterministic Autotask REST API (v1.0) tenant on "
            "loopback, for tests, demos and benchmarks."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="loopback address to bind (default: %(default)s)",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="TCP port; 0 picks a free one (default: 0)"
    )
    parser.add_argument("--seed", type=int, default=1, help="data seed (default: 1)")
    parser.add_argument(
        "--scale",
        type=int,
        default=1200,
        help="number of Tickets; other entities scale with it (default: %(default)s)",
    )
    parser.add_argument(
        "--hourly-limit",
        type=int,
        default=10_000,
        help="requests per rolling 60 minutes before 429 (default: %(default)s)",
    )
    parser.add_argument(
        "--thread-limit",
        type=int,
        default=3,
        help="requests in flight per endpoint before 429 (default: %(default)s)",
    )
    parser.add_argument(
        "--max-lifetime",
        type=float,
        default=1800.0,
        metavar="SECONDS",
        help="stop by itself after this long (default: %(default)s)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="hold every API request this long (default: 0)",
    )
    parser.add_argument(
        "--usage-latency",
        action="store_true",
        help="add +0.5 s / +1 s per call at 50 %% / 75 %% of the hourly limit",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="multiply the usage latency by this (0.01: 5 ms / 10 ms; default: 1)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND:RATE[:OPTION=VALUE,...]",
        help="fail this share of API requests this way (repeatable; see below)",
    )
    parser.add_argument(
        "--fault-seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the fault draws (default: 0)",
    )
    parser.add_argument(
        "--move-zone-after",
        type=int,
        default=None,
        metavar="N",
        help="move the tenant to a new zone URL after N authenticated requests",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        rates = tuple(parse_fault_rate(text) for text in args.fault)
        config = SandboxConfig(
            seed=args.seed,
            scale=args.scale,
            hourly_limit=args.hourly_limit,
            thread_limit=args.thread_limit,
            max_lifetime_seconds=args.max_lifetime,
            host=args.host,
            port=args.port,
            latency_seconds=args.latency,
            usage_latency=args.usage_latency,
            time_scale=args.time_scale,
            faults=rates,
            fault_seed=args.fault_seed,
            move_zone_after=args.move_zone_after,
        )
    except (ValueError, FaultError) as error:
        print(f"autotask-sandbox: {error}", file=sys.stderr)
        return 2

    try:
        sandbox = Sandbox(config).start()
    except OSError as error:
        print(
            f"autotask-sandbox: cannot listen on {args.host}:{args.port}: "
            f"{error.strerror}; pick another --port (0 picks a free one)",
            file=sys.stderr,
        )
        return 1
    print(sandbox.base_url)
    print(f"zone lookup:      {sandbox.zone_lookup_url}")
    print(f"UserName:         {SANDBOX_USERNAME}")
    print(f"Secret:           {SANDBOX_SECRET}")
    print(f"ApiIntegrationCode: {SANDBOX_INTEGRATION_CODE}")
    print(f"admin:            {sandbox.origin}/_sandbox/stats", flush=True)

    signal.signal(signal.SIGTERM, lambda *_: sandbox.stop())
    try:
        sandbox.wait()
    except KeyboardInterrupt:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
