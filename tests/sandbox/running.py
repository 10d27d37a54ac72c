"""Starting small sandboxes and talking to them, for the sandbox's tests."""

from __future__ import annotations

import httpx

from sandbox import (
    SANDBOX_INTEGRATION_CODE,
    SANDBOX_SECRET,
    SANDBOX_USERNAME,
    Sandbox,
    SandboxConfig,
)

AUTH = {
    "ApiIntegrationCode": SANDBOX_INTEGRATION_CODE,
    "UserName": SANDBOX_USERNAME,
    "Secret": SANDBOX_SECRET,
}
ALL = [{"op": "exist", "field": "id"}]


def start(**overrides) -> Sandbox:
    """A started sandbox (300 Tickets) that stops by itself within a minute."""
    settings = {"seed": 1, "scale": 300, "max_lifetime_seconds": 60.0} | overrides
    return Sandbox(SandboxConfig(**settings)).start()


def api_client(sb: Sandbox, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=sb.api_url, headers=AUTH | headers, timeout=10.0)


def query_ids(client: httpx.Client, entity: str, filter_: list, **extra) -> list[int]:
    """Every id a POST query returns, following nextPageUrl with POST."""
    body = {"filter": filter_} | extra
    response = client.post(f"{entity}/query", json=body)
    assert response.status_code == 200, response.text
    ids = []
    while True:
        document = response.json()
        ids += [item["id"] for item in document["items"]]
        next_url = document["pageDetails"]["nextPageUrl"]
        if next_url is None:
            return ids
        response = client.post(next_url, json=body)
        assert response.status_code == 200, response.text
