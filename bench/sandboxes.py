"""Where the benchmark's sandbox tenant runs: in this process, or beside it.

Both placements serve the same seeded tenant and answer the same four
questions the benchmark asks (`base_url`, `zone_lookup_url`, `stats()`,
`reset_stats()`, `count(entity)`):

- `InProcessSandbox` (the default) serves from a thread of the benchmark's
  own process, through `sandbox.Sandbox`. The simulator's Python then
  shares the interpreter lock with the contender, so wall times include
  the simulator's CPU; the "sandbox floor" lines show how much.
- `ChildProcessSandbox` runs `python -m sandbox.cli` as a child process on
  loopback and talks to its admin API, so a contender has the interpreter
  to itself and the memory numbers hold only the contender's allocations.

The hourly request limit is lifted by default (`BENCH_HOURLY_LIMIT`):
every contender shares one tenant, and autotask-sync deliberately spends
only a share of what is left of the hour, so with Autotask's 10,000 a later
contender would measure the budget governor instead of its speed.
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from typing import Protocol

import httpx

from sandbox import Sandbox, SandboxConfig

BENCH_HOURLY_LIMIT = 100_000_000
SANDBOX_LIFETIME_SECONDS = 6 * 3600.0
CHILD_START_TIMEOUT_SECONDS = 120.0
CHILD_STOP_TIMEOUT_SECONDS = 10.0
ADMIN_TIMEOUT_SECONDS = 30.0


class BenchSandbox(Protocol):
    """What a benchmark needs from a running sandbox tenant."""

    placement: str
    base_url: str
    zone_lookup_url: str

    def stats(self) -> dict: ...

    def reset_stats(self) -> None: ...

    def count(self, entity: str) -> int: ...

    def stop(self) -> None: ...


class InProcessSandbox:
    """A `sandbox.Sandbox` served from a thread of this process."""

    placement = "in-process"

    def __init__(self, seed: int, scale: int, hourly_limit: int) -> None:
        self.sandbox = Sandbox(
            SandboxConfig(
                seed=seed,
                scale=scale,
                hourly_limit=hourly_limit,
                max_lifetime_seconds=SANDBOX_LIFETIME_SECONDS,
            )
        ).start()
        self.base_url = self.sandbox.base_url
        self.zone_lookup_url = self.sandbox.zone_lookup_url

    def stats(self) -> dict:
        return self.sandbox.stats()

    def reset_stats(self) -> None:
        self.sandbox.reset_stats()

    def count(self, entity: str) -> int:
        return self.sandbox.tenant.count(entity)

    def stop(self) -> None:
        self.sandbox.stop()


class ChildProcessSandbox:
    """`python -m sandbox.cli` in a child process, steered by its admin API.

    The CLI prints the zone base URL on its first line and the zone lookup
    URL on its second; the admin API lives on the same origin.
    """

    placement = "child-process"

    def __init__(self, seed: int, scale: int, hourly_limit: int) -> None:
        command = [
            sys.executable,
            "-m",
            "sandbox.cli",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--seed",
            str(seed),
            "--scale",
            str(scale),
            "--hourly-limit",
            str(hourly_limit),
            "--max-lifetime",
            str(SANDBOX_LIFETIME_SECONDS),
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            self.base_url = self._line()
            self.zone_lookup_url = self._line().split()[-1]
            if not self.base_url.startswith("http://127.0.0.1:"):
                raise RuntimeError(f"unexpected sandbox base URL {self.base_url!r}")
        except BaseException:
            self.stop()
            raise
        origin = self.base_url.split("/ATServicesRest/")[0]
        self.admin = httpx.Client(
            base_url=f"{origin}/_sandbox/", timeout=ADMIN_TIMEOUT_SECONDS
        )

    def _line(self) -> str:
        """The child's next stdout line, or an error naming what it said."""
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=lambda: lines.put(self.process.stdout.readline()), daemon=True
        ).start()
        try:
            line = lines.get(timeout=CHILD_START_TIMEOUT_SECONDS).strip()
        except queue.Empty:
            line = ""
        if not line:
            self.process.kill()
            error = self.process.stderr.read()[-2000:]
            raise RuntimeError(f"the sandbox child process did not start: {error}")
        return line

    def stats(self) -> dict:
        return self._admin("GET", "stats")

    def reset_stats(self) -> None:
        self._admin("POST", "reset_stats")

    def count(self, entity: str) -> int:
        return self._admin("GET", "counts").get(entity, 0)

    def _admin(self, method: str, action: str) -> dict:
        response = self.admin.request(method, action)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        if getattr(self, "admin", None) is not None:
            self.admin.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(CHILD_STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def start_sandbox(
    placement: str, seed: int, scale: int, hourly_limit: int = BENCH_HOURLY_LIMIT
) -> BenchSandbox:
    """Start a sandbox tenant in the given placement (`in-process`/`child`)."""
    if placement == "in-process":
        return InProcessSandbox(seed, scale, hourly_limit)
    if placement == "child-process":
        return ChildProcessSandbox(seed, scale, hourly_limit)
    raise ValueError(f"unknown sandbox placement {placement!r}")
