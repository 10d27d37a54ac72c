"""Fixtures for the sandbox's contract tests: small sandboxes on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox import Sandbox

from .running import api_client, start


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[Sandbox]:
    """One read-only sandbox per test module (tests must not mutate it)."""
    with start() as sb:
        yield sb


@pytest.fixture
def fresh_sandbox() -> Iterator[Sandbox]:
    """A sandbox of its own, for tests that mutate data or count requests."""
    with start() as sb:
        yield sb


@pytest.fixture
def api(shared_sandbox: Sandbox) -> Iterator[httpx.Client]:
    with api_client(shared_sandbox) as client:
        yield client
