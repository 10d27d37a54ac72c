"""`Sandbox`: one simulated tenant served on loopback in a background thread.

The server binds `config.host:config.port` (port 0 picks a free port) and
stops by itself after `config.max_lifetime_seconds`, so a forgotten sandbox
never outlives its test run. `stop()` is idempotent and also closes idle
keep-alive connections.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from .api import AutotaskApi
from .config import API_VERSION, SandboxConfig
from .faults import Fault, FaultRate
from .server import SandboxHTTPServer
from .tenant import Tenant


class Sandbox:
    """Usage::

    with Sandbox(SandboxConfig(seed=1, scale=1200)) as sb:
        sb.base_url         # "http://127.0.0.1:PORT/ATServicesRest/"
        sb.tenant.count("Tickets")
        sb.mutate({"entity": "Tickets", "update": 10})
        sb.stats()
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.tenant = Tenant(self.config.seed, self.config.scale)
        self.api = AutotaskApi(self.tenant, self.config, lambda: self.origin)
        self._server: SandboxHTTPServer | None = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self._stopped = threading.Event()

    def start(self) -> Sandbox:
        with self._lock:
            if self._server is not None:
                raise RuntimeError("this sandbox was already started")
            server = SandboxHTTPServer((self.config.host, self.config.port), self.api)
            self._server = server

        threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"autotask-sandbox:{self.port}",
            daemon=True,
        ).start()
        self._timer = threading.Timer(self.config.max_lifetime_seconds, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        with self._lock:
            server = self._server
            if server is None or self._stopping:
                return
            self._stopping = True

        if self._timer is not None:
            self._timer.cancel()
        self.api.halt()
        server.shutdown()
        server.close_connections()
        server.server_close()
        self._stopped.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the sandbox stops; False if `timeout` passed first."""
        return self._stopped.wait(timeout)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def __enter__(self) -> Sandbox:
        return self if self._server is not None else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return self._server.server_address[1]

    @property
    def origin(self) -> str:
        host = self.config.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The zone URL, as `zoneInformation` reports it (trailing slash)."""
        return self.api.base_url()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}{API_VERSION}/"

    @property
    def zone_lookup_url(self) -> str:
        return f"{self.origin}/atservicesrest/v1.0/zoneInformation"

    # -- admin -----------------------------------------------------------

    def mutate(self, ops: dict | list[dict]) -> dict:
        """Same contract as `POST /_sandbox/mutate` (see `sandbox.admin`)."""
        return self.tenant.mutate(ops)

    def stats(self) -> dict:
        """Same document as `GET /_sandbox/stats`."""
        return self.api.stats.snapshot()

    def reset_stats(self) -> None:
        self.api.stats.reset()

    def counts(self) -> dict[str, int]:
        return self.tenant.counts()

    def inject(
        self,
        kind: str,
        count: int = 1,
        *,
        endpoint: str | None = None,
        status: int = 500,
        seconds: float = 0.0,
        retry_after: str = "seconds",
    ) -> None:
        """Arm a fault for the next `count` requests (see `sandbox.faults`)."""
        self.api.faults.arm(Fault(kind, count, endpoint, status, seconds, retry_after))

    def clear_faults(self) -> None:
        """Disarm the count-based faults; rates stay (`set_fault_rates([])`)."""
        self.api.faults.clear()

    def set_fault_rates(
        self, rates: Iterable[FaultRate | dict], seed: int | None = None
    ) -> None:
        """Replace the fault rates and restart their draws from `seed`
        (default `config.fault_seed`); same contract as
        `POST /_sandbox/fault_rates`."""
        seed = self.config.fault_seed if seed is None else seed
        self.api.faults.set_rates(rates, seed)

    def fault_rates(self) -> dict:
        """`{"seed": n, "rates": [...]}`, as `GET /_sandbox/fault_rates`."""
        return self.api.faults.rates()

    def move_zone(self, after: int | None = None) -> str:
        """Move the tenant to a new zone URL and return it; requests to the
        old zone URL answer 401 from then on. With `after`, the move happens
        once `after` more authenticated requests have been admitted; the
        URL returned is the one it will move to."""
        return self.api.move_zone(after)
