"""The sandbox's lifecycle: loopback only, bounded lifetime, clean stop."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox import Sandbox, SandboxConfig

from .running import start


def test_the_sandbox_stops_by_itself_after_its_lifetime():
    sb = start(max_lifetime_seconds=0.3)
    url = sb.api_url + "Version"
    first = httpx.get(url)

    stopped = sb.wait(timeout=5.0)

    assert first.status_code == 401
    assert stopped is True
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def test_stop_closes_idle_keep_alive_connections_and_is_idempotent():
    sb = start()
    client = httpx.Client()
    client.get(sb.api_url + "Version")
    began = time.monotonic()

    sb.stop()
    sb.stop()

    assert time.monotonic() - began < 2.0
    assert sb.stopped is True
    with pytest.raises(httpx.TransportError):
        client.get(sb.api_url + "Version")
    client.close()


def test_only_loopback_addresses_are_accepted():
    with pytest.raises(
        ValueError, match="binds only to loopback addresses, not '0.0.0.0'"
    ):
        SandboxConfig(host="0.0.0.0")

    assert SandboxConfig(host="127.0.0.2").host == "127.0.0.2"


def test_ipv6_loopback_url_is_bracketed():
    with Sandbox(SandboxConfig(host="::1", scale=10, max_lifetime_seconds=30)) as sb:
        response = httpx.get(
            sb.zone_lookup_url, params={"user": "sync-api@sandbox.example"}
        )

    assert sb.base_url == f"http://[::1]:{sb.port}/ATServicesRest/"
    assert response.json()["url"] == sb.base_url
