"""Switchable faults (by count and at a seeded rate) and the zone move, as a
client sees them."""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest

from sandbox import SANDBOX_USERNAME, FaultRate
from sandbox.faults import FaultError, parse_fault_rate

from .running import ALL, api_client, start


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
                "retry_after": "seconds",
            },
            {
                "kind": "empty",
                "count": 1,
                "endpoint": None,
                "status": 500,
                "seconds": 0.0,
                "retry_after": "seconds",
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
            "('status', 'empty', 'cut', 'reset', 'slow', '429', 'thread')"
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


# -- new kinds ---------------------------------------------------------------

REQUEST_THRESHOLD = (
    "Request Threshold Exceeded: the hourly request threshold of 10000 requests "
    "for this database has been reached. Try again once the number of requests "
    "in the last 60 minutes is below the threshold."
)
THREAD_THRESHOLD = (
    "Thread Threshold Exceeded: The Autotask API thread threshold of 3 threads "
    "has been exceeded for the tickets endpoint. Wait for an in-flight request "
    "to finish and try again."
)


def test_429_fault_sends_retry_after_as_seconds_as_a_date_or_not_at_all(
    fresh_sandbox,
):
    fresh_sandbox.inject("429", seconds=2.5)
    fresh_sandbox.inject("429", seconds=30, retry_after="date")
    fresh_sandbox.inject("429", retry_after="none")

    with api_client(fresh_sandbox) as client:
        seconds = client.get("Version")
        before = datetime.now(UTC).replace(microsecond=0)
        dated = client.get("Version")
        bare = client.get("Version")

    assert [r.status_code for r in (seconds, dated, bare)] == [429, 429, 429]
    for response in (seconds, dated, bare):
        assert response.json() == {"errors": [REQUEST_THRESHOLD]}
    assert seconds.headers["Retry-After"] == "3"
    retry_at = parsedate_to_datetime(dated.headers["Retry-After"])
    assert dated.headers["Retry-After"].endswith(" GMT")
    assert before + timedelta(seconds=30) <= retry_at
    assert retry_at <= before + timedelta(seconds=31)
    assert "retry-after" not in bare.headers
    assert fresh_sandbox.stats()["faults"] == {"429": 3}


def test_thread_fault_sends_the_thread_limit_text_with_a_non_429_status(
    fresh_sandbox,
):
    fresh_sandbox.inject("thread", endpoint="tickets")
    fresh_sandbox.inject("thread", endpoint="tickets", status=503)

    with api_client(fresh_sandbox) as client:
        first = client.post("Tickets/query", json={"filter": ALL, "MaxRecords": 1})
        second = client.post("Tickets/query", json={"filter": ALL, "MaxRecords": 1})

    assert (first.status_code, second.status_code) == (500, 503)
    assert first.json() == second.json() == {"errors": [THREAD_THRESHOLD]}
    assert fresh_sandbox.stats()["faults"] == {"thread": 2}


def test_a_slow_page_outlasts_a_1s_client_timeout_while_others_are_served(
    fresh_sandbox,
):
    fresh_sandbox.inject("slow", endpoint="tickets", seconds=5.0)
    outcome: dict[str, object] = {}

    def slow_page() -> None:
        began = time.monotonic()
        with api_client(fresh_sandbox) as client:
            try:
                client.post("Tickets/query", json={"filter": ALL}, timeout=1.0)
            except httpx.ReadTimeout as error:
                outcome["error"] = error
        outcome["seconds"] = time.monotonic() - began

    waiter = threading.Thread(target=slow_page)
    waiter.start()
    deadline = time.monotonic() + 5
    while not fresh_sandbox.stats()["faults"] and time.monotonic() < deadline:
        time.sleep(0.01)
    began = time.monotonic()
    with api_client(fresh_sandbox) as client:
        tickets = client.post("Tickets/query", json={"filter": ALL, "MaxRecords": 1})
        companies = client.post("Companies/query", json={"filter": ALL})
    others = time.monotonic() - began
    waiter.join(5)

    assert isinstance(outcome["error"], httpx.ReadTimeout)
    assert 1.0 <= outcome["seconds"] < 2.0
    assert (tickets.status_code, companies.status_code) == (200, 200)
    assert others < 0.5
    assert fresh_sandbox.stats()["faults"] == {"slow": 1}


# -- faults at a rate --------------------------------------------------------


def expected_outcomes(seed: int, slices: list[tuple[float, object]], n: int):
    """What request i gets: the outcome whose slice of [0, 1) holds draw i."""
    draws = random.Random(seed)
    outcomes = []
    for _ in range(n):
        draw, edge, outcome = draws.random(), 0.0, 200
        for rate, fault_outcome in slices:
            edge += rate
            if draw < edge:
                outcome = fault_outcome
                break
        outcomes.append(outcome)
    return outcomes


def outcomes_of(sb, n: int, path: str = "Version") -> list[object]:
    outcomes = []
    with api_client(sb) as client:
        for _ in range(n):
            try:
                response = client.get(path)
            except httpx.TransportError:
                outcomes.append("reset")
                continue
            outcomes.append(
                "empty" if response.content == b"" else response.status_code
            )
    return outcomes


def test_fault_rates_follow_the_seeded_draws_request_by_request():
    rates = (FaultRate("status", 0.2, status=503), FaultRate("empty", 0.1))
    with start(faults=rates, fault_seed=3) as sb:
        outcomes = outcomes_of(sb, 60)
        stats = sb.stats()

    expected = expected_outcomes(3, [(0.2, 503), (0.1, "empty")], 60)
    assert outcomes == expected
    assert stats["faults"] == {
        "empty": expected.count("empty"),
        "status": expected.count(503),
    }
    assert expected.count(503) == 8
    assert expected.count("empty") == 4


def test_the_same_seed_gives_the_same_faults_and_another_seed_other_ones():
    rates = [FaultRate("status", 0.3), FaultRate("reset", 0.1)]
    runs = []
    for seed in (5, 5, 6):
        with start(faults=tuple(rates), fault_seed=seed) as sb:
            runs.append(outcomes_of(sb, 40))

    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert runs[0] == expected_outcomes(5, [(0.3, 500), (0.1, "reset")], 40)


def test_rates_apply_to_their_endpoint_and_never_to_zone_lookup_or_admin():
    with start(faults=(FaultRate("status", 1.0, endpoint="Tickets"),)) as sb:
        with api_client(sb) as client:
            tickets = client.post("Tickets/query", json={"filter": ALL})
            companies = client.post("Companies/query", json={"filter": ALL})
        zone = httpx.get(sb.zone_lookup_url, params={"user": SANDBOX_USERNAME})
        versions = httpx.get(sb.origin + "/atservicesrest/versioninformation")
        counts = httpx.get(sb.origin + "/_sandbox/counts")
        stats = sb.stats()

    assert tickets.status_code == 500
    assert tickets.json() == {"errors": ["Injected sandbox fault: HTTP 500."]}
    assert (companies.status_code, zone.status_code) == (200, 200)
    assert (versions.status_code, counts.status_code) == (200, 200)
    assert stats["faults"] == {"status": 1}


def test_armed_faults_win_over_rates_and_still_use_a_draw(fresh_sandbox):
    fresh_sandbox.set_fault_rates([FaultRate("status", 0.5)], seed=8)
    fresh_sandbox.inject("empty")

    outcomes = outcomes_of(fresh_sandbox, 20)

    expected = expected_outcomes(8, [(0.5, 500)], 20)
    assert outcomes == ["empty", *expected[1:]]


def test_fault_rates_are_set_listed_and_cleared_over_http(fresh_sandbox):
    admin = fresh_sandbox.origin + "/_sandbox/fault_rates"
    body = {
        "seed": 3,
        "rates": [
            {"kind": "status", "rate": 0.25, "endpoint": "Tickets", "status": 502},
            {"kind": "429", "rate": 0.5, "seconds": 7, "retry_after": "date"},
        ],
    }

    armed = httpx.post(admin, json=body)
    listed = httpx.get(admin)
    outcomes = outcomes_of(fresh_sandbox, 30, "Tickets/entityInformation")
    cleared = httpx.post(admin, json={"rates": []})
    after = outcomes_of(fresh_sandbox, 5)

    assert armed.json() == {
        "seed": 3,
        "rates": [
            {
                "kind": "status",
                "rate": 0.25,
                "endpoint": "tickets",
                "status": 502,
                "seconds": 0.0,
                "retry_after": "seconds",
            },
            {
                "kind": "429",
                "rate": 0.5,
                "endpoint": None,
                "status": 500,
                "seconds": 7,
                "retry_after": "date",
            },
        ],
    }
    assert listed.json() == armed.json()
    assert outcomes == expected_outcomes(3, [(0.25, 502), (0.5, 429)], 30)
    assert cleared.json() == {"seed": 0, "rates": []}
    assert after == [200] * 5


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"rates": [{"kind": "status", "rate": 0.7}, {"kind": "cut", "rate": 0.4}]},
            "fault rates add up to 1.1; the total must be <= 1",
        ),
        (
            {"rates": [{"kind": "status", "rate": 1.5}]},
            "a fault rate must be between 0 and 1, got 1.5",
        ),
        (
            {"rates": [{"kind": "429", "rate": 0.1, "retry_after": "soon"}]},
            "unknown retry_after 'soon'; use one of ('seconds', 'date', 'none')",
        ),
        (
            {"rates": [{"kind": "status"}]},
            "not a fault rate: FaultRate.__init__() missing 1 required "
            "positional argument: 'rate'",
        ),
        ({"seed": "x", "rates": []}, "The seed must be an integer."),
        ({"rate": []}, 'The body must be {"seed": n, "rates": [...]}.'),
    ],
)
def test_bad_fault_rates_answer_400_and_change_nothing(fresh_sandbox, body, message):
    admin = fresh_sandbox.origin + "/_sandbox/fault_rates"
    httpx.post(admin, json={"seed": 1, "rates": [{"kind": "empty", "rate": 0.1}]})

    refused = httpx.post(admin, json=body)

    assert refused.status_code == 400
    assert refused.json() == {"errors": [message]}
    assert httpx.get(admin).json()["rates"][0]["kind"] == "empty"


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("status:0.1", FaultRate("status", 0.1)),
        (
            "status:0.05:status=503,endpoint=tickets",
            FaultRate("status", 0.05, endpoint="tickets", status=503),
        ),
        (
            "429:0.02:retry_after=date,seconds=30",
            FaultRate("429", 0.02, seconds=30.0, retry_after="date"),
        ),
        ("slow:1:seconds=2.5", FaultRate("slow", 1.0, seconds=2.5)),
    ],
)
def test_cli_fault_specs_parse_into_rates(text, rate):
    assert parse_fault_rate(text) == rate


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("status", "--fault 'status': expected KIND:RATE[:OPTION=VALUE,...]"),
        (
            "cut:0.1:colour=red",
            "--fault 'cut:0.1:colour=red': unknown option 'colour=red'; "
            "use endpoint, status, seconds, retry_after",
        ),
        (
            "status:0.1:status=abc",
            "--fault 'status:0.1:status=abc': bad value for status",
        ),
    ],
)
def test_bad_cli_fault_specs_are_refused(text, message):
    with pytest.raises(FaultError) as refused:
        parse_fault_rate(text)

    assert str(refused.value) == message


# -- zone move at a set point ------------------------------------------------


def test_zone_moves_by_itself_after_the_configured_number_of_requests():
    with start(move_zone_after=3) as sb:
        old_base = sb.base_url
        with api_client(sb) as client:
            served = [client.get("Version").status_code for _ in range(3)]
            moved = client.get("Version")
        zone = httpx.get(sb.zone_lookup_url, params={"user": SANDBOX_USERNAME})
        with api_client(sb) as client:
            new = client.get(zone.json()["url"] + "V1.0/Version")
            more = [client.get(sb.api_url + "Version").status_code for _ in range(3)]

    assert served == [200, 200, 200]
    assert moved.status_code == 401
    assert zone.json()["url"] == old_base.replace(
        "/ATServicesRest/", "/zone1/ATServicesRest/"
    )
    assert new.status_code == 200
    assert more == [200, 200, 200]


def test_a_zone_move_is_scheduled_over_http_in_the_middle_of_a_run(fresh_sandbox):
    admin = fresh_sandbox.origin + "/_sandbox/move_zone"
    with api_client(fresh_sandbox) as client:
        before = client.get("Version").status_code
        scheduled = httpx.post(admin, json={"move_zone_after": 2})
        during = [client.get("Version").status_code for _ in range(3)]
    refused = httpx.post(admin, json={"move_zone_after": 0})

    assert before == 200
    assert scheduled.json() == {
        "url": f"{fresh_sandbox.origin}/zone1/ATServicesRest/",
        "move_zone_after": 2,
    }
    assert during == [200, 200, 401]
    assert fresh_sandbox.base_url == scheduled.json()["url"]
    assert refused.status_code == 400
    assert refused.json() == {
        "errors": ["move_zone_after must be a positive integer: 0"]
    }
