"""Fixtures of the source's unit tests: credentials and a scripted server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sources.autotask.client import AutotaskCredentials

from .scripted_server import ScriptedServer

USERNAME = "api-user@example.com"
SECRET = "S3cr3t-value-9f2c"
INTEGRATION_CODE = "TRACKINGIDENTIFIER27CHARSXX"


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must never be routed through an environment proxy."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(autouse=True)
def off_loopback_requests(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Block, and list, any request the client tries to send off loopback.

    A test asserting that a destination is refused also asserts this list
    is empty, so a client bug can never reach a real host.
    """
    attempted: list[str] = []
    send = httpx.HTTPTransport.handle_request

    def guarded(transport: httpx.HTTPTransport, request: httpx.Request):
        if request.url.host not in ("127.0.0.1", "localhost", "::1"):
            attempted.append(f"{request.url.scheme}://{request.url.host}")
            raise httpx.ConnectError("blocked: off-loopback request in a test")
        return send(transport, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", guarded)
    return attempted


@pytest.fixture
def credentials() -> AutotaskCredentials:
    return AutotaskCredentials(USERNAME, SECRET, INTEGRATION_CODE)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer(lifetime=20.0) as running:
        yield running
