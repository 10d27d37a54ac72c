"""The admin API over HTTP: stats, reset, counts, mutate."""

from __future__ import annotations

import httpx

from .running import ALL, api_client, query_ids


def test_stats_report_requests_routes_peaks_and_statuses(fresh_sandbox):
    admin = fresh_sandbox.origin + "/_sandbox/"
    with api_client(fresh_sandbox) as client:
        client.post("Tickets/query", json={"filter": ALL})
        client.get(
            "tickets/query",
            params={"search": '{"filter":[{"op":"exist","field":"id"}]}'},
        )
        client.post("Tickets/query/count", json={"filter": ALL})
        client.get("Tickets/entityInformation/fields")
        client.get("Companies/1")
        client.get("ThresholdInformation")
        client.post("Tickets/query", json={"filter": [{"op": "eq", "field": "x"}]})
        httpx.get(fresh_sandbox.zone_lookup_url, params={"user": "nobody"})
        httpx.get(admin + "counts")

    stats = httpx.get(admin + "stats").json()

    assert stats == {
        "requests_total": 8,
        "requests": {
            "companies": 1,
            "thresholdinformation": 1,
            "tickets": 5,
            "zoneinformation": 1,
        },
        "requests_by_route": {
            "GET companies/{id}": 1,
            "GET thresholdinformation": 1,
            "GET tickets/entityinformation/fields": 1,
            "GET tickets/query": 1,
            "GET zoneinformation": 1,
            "POST tickets/query": 2,
            "POST tickets/query/count": 1,
        },
        "peak_in_flight": {"companies": 1, "thresholdinformation": 1, "tickets": 1},
        "statuses": {"200": 6, "500": 2},
        "faults": {},
        "usage_latency_seconds": 0.0,
    }
    assert fresh_sandbox.stats() == stats


def test_reset_stats_zeroes_the_counters(fresh_sandbox):
    with api_client(fresh_sandbox) as client:
        client.get("Version")

    reset = httpx.post(fresh_sandbox.origin + "/_sandbox/reset_stats")

    assert reset.json() == {}
    assert fresh_sandbox.stats() == {
        "requests_total": 0,
        "requests": {},
        "requests_by_route": {},
        "peak_in_flight": {},
        "statuses": {},
        "faults": {},
        "usage_latency_seconds": 0.0,
    }


def test_counts_list_every_non_empty_entity(shared_sandbox):
    counts = httpx.get(shared_sandbox.origin + "/_sandbox/counts").json()

    assert counts == shared_sandbox.tenant.counts()
    assert counts["Tickets"] == 300
    assert len(counts) == 218


def test_mutate_over_http_is_visible_to_queries(fresh_sandbox):
    with api_client(fresh_sandbox) as client:
        before = query_ids(client, "Tickets", ALL)
        response = httpx.post(
            fresh_sandbox.origin + "/_sandbox/mutate",
            json=[
                {"entity": "Tickets", "create": 2, "delete": 1},
                {"entity": "Contacts", "update": 1},
            ],
        )
        after = query_ids(client, "Tickets", ALL)
        tombstones = query_ids(client, "DeletedTicketLogs", ALL)

    tickets, contacts = response.json()["results"]
    assert response.status_code == 200
    assert after == sorted(
        set(before) - set(tickets["deleted"]) | set(tickets["created"])
    )
    assert len(after) == 301
    assert len(tombstones) == 6
    assert (contacts["entity"], len(contacts["updated"])) == ("Contacts", 1)


def test_bad_mutation_answers_400(fresh_sandbox):
    response = httpx.post(
        fresh_sandbox.origin + "/_sandbox/mutate",
        json={"entity": "Tickets", "explode": 1},
    )

    assert response.status_code == 400
    assert response.json() == {"errors": ["unknown mutation keys: ['explode']"]}


def test_unknown_admin_action_answers_404(fresh_sandbox):
    response = httpx.get(fresh_sandbox.origin + "/_sandbox/nothing")

    assert response.status_code == 404
    assert response.json() == {"Message": "No sandbox admin action GET 'nothing'."}
