"""Switchable faults and the zone move, as a client sees them."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from sandbox import SANDBOX_USERNAME

from .running import ALL, api_client


def test_status_fault_answers_once_on_its_endpoint_only(fresh_sandbox):
    fresh_sandbox.inject("status", endpoint="Tickets", status=503)

    with api_client(fresh_sandbox) as client:
        other = client.post("Companies/query", json={"filter": ALL, "MaxRecords": 1})
        faulty = client.post("Tickets/query", json={"filter": ALL, "MaxRecords": 1})
        healed = client.post("Tickets/query", json={"filter": ALL, "MaxRecords": 1})

    assert other.status_code == 200
    assert faulty.status_code == 503
    assert faulty.json() == {"errors": ["Injected sandbox fault: HTTP 503."]}
    assert healed.status_code == 200


def test_empty_and_cut_bodies_are_200s_that_do_not_parse(fresh_sandbox):
    fresh_sandbox.inject("empty")
    fresh_sandbox.inject("cut")

    with api_client(fresh_sandbox) as client:
        empty = client.post("Tickets/query", json={"filter": ALL})
        cut = client.post("Tickets/query", json={"filter": ALL})
        whole = client.post("Tickets/query", json={"filter": ALL})

    assert (empty.status_code, empty.content) == (200, b"")
    assert cut.status_code == 200
    assert cut.content == whole.content[: len(whole.content) // 2]
    assert int(cut.headers["content-length"]) == len(cut.content)
    with pytest.raises(json.JSONDecodeError):
        cut.json()


def test_reset_drops_the_connection_without_an_answer(fresh_sandbox):
    fresh_sandbox.inject("reset", count=2)

    with api_client(fresh_sandbox) as client:
        for _ in range(2):
            with pytest.raises(httpx.TransportError):
                client.get("Version")
        after = client.get("Version")

    assert after.status_code == 200
    assert fresh_sandbox.stats()["statuses"] == {"200": 1, "reset": 2}


def test_slow_fault_holds_the_request(fresh_sandbox):
    fresh_sandbox.inject("slow", seconds=0.4)

    with api_client(fresh_sandbox) as client:
        began = time.monotonic()
        slow = client.get("Version")
        held = time.monotonic() - began
        began = time.monotonic()
        client.get("Version")
        normal = time.monotonic() - began

    assert slow.status_code == 200
    assert held >= 0.4 > normal


def test_faults_are_armed_listed_and_cleared_over_http(fresh_sandbox):
    admin = fresh_sandbox.origin + "/_sandbox/"

    armed = httpx.post(
        admin + "faults",
        json=[{"kind": "status", "count": 2, "endpoint": "Tickets"}, {"kind": "empty"}],
    )
    listed = httpx.get(admin + "faults")
    cleared = httpx.post(admin + "clear_faults")
    bad = httpx.post(admin + "faults", json={"kind": "explode"})

    assert armed.json() == {
        "pending": [
            {
                "kind": "status",
                "count": 2,
                "endpoint": "tickets",
                "status": 500,
                "seconds": 0.0,
            },
            {
                "kind": "empty",
                "count": 1,
                "endpoint": None,
                "status": 500,
                "seconds": 0.0,
            },
        ]
    }
    assert listed.json() == armed.json()
    assert cleared.json() == {}
    assert httpx.get(admin + "faults").json() == {"pending": []}
    assert bad.status_code == 400
    assert bad.json() == {
        "errors": [
            "unknown fault kind 'explode'; use one of "
            "('status', 'empty', 'cut', 'reset', 'slow')"
        ]
    }


def test_after_a_zone_move_the_old_zone_answers_401(fresh_sandbox):
    old_api = fresh_sandbox.api_url

    new_base = httpx.post(fresh_sandbox.origin + "/_sandbox/move_zone").json()["url"]
    zone = httpx.get(fresh_sandbox.zone_lookup_url, params={"user": SANDBOX_USERNAME})
    with api_client(fresh_sandbox) as client:
        old = client.get(old_api + "Version")
        new = client.post(
            new_base + "V1.0/TicketNotes/query", json={"filter": ALL}
        ).json()

    assert new_base == f"{fresh_sandbox.origin}/zone1/ATServicesRest/"
    assert fresh_sandbox.base_url == new_base
    assert zone.json()["url"] == new_base
    assert old.status_code == 401
    assert len(new["items"]) == 500
    assert new["pageDetails"]["nextPageUrl"].startswith(new_base + "V1.0/TicketNotes/")
