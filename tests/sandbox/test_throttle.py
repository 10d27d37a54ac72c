"""Thread limit and hourly budget, over HTTP and as units."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from sandbox import SandboxConfig
from sandbox.throttle import HourlyBudget, ThreadLimit

from .running import ALL, api_client, start

THREAD_ERROR = (
    "Thread Threshold Exceeded: The Autotask API thread threshold of 3 threads "
    "has been exceeded for the tickets endpoint. Wait for an in-flight request "
    "to finish and try again."
)
HOURLY_ERROR = (
    "Request Threshold Exceeded: the hourly request threshold of 4 requests for "
    "this database has been reached. Try again once the number of requests in "
    "the last 60 minutes is below the threshold."
)


def concurrently(sb, paths: list[str]) -> list[tuple[int, dict | None]]:
    def send(path: str):
        with api_client(sb) as client:
            if path.endswith("/query"):
                response = client.post(path, json={"filter": ALL, "MaxRecords": 1})
            else:
                response = client.get(path)
            return response.status_code, response.json() if response.content else None

    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(send, paths))


def test_a_fourth_concurrent_request_to_one_endpoint_gets_exactly_one_429():
    with start(latency_seconds=0.5) as sb:
        results = concurrently(
            sb,
            [
                "Tickets/query",
                "Tickets/entityInformation/fields",
                "tickets/query",
                "Tickets/query/count?search=%7B%22filter%22%3A%5B%7B%22op%22%3A%22exist%22%2C%22field%22%3A%22id%22%7D%5D%7D",
            ],
        )
        stats = sb.stats()

    statuses = sorted(status for status, _ in results)
    refused = [body for status, body in results if status == 429]
    assert statuses == [200, 200, 200, 429]
    assert refused == [{"errors": [THREAD_ERROR]}]
    assert stats["peak_in_flight"] == {"tickets": 4}
    assert stats["statuses"]["429"] == 1


def test_endpoints_have_separate_thread_slots():
    with start(latency_seconds=0.3) as sb:
        results = concurrently(
            sb,
            ["Tickets/query"] * 3 + ["Companies/query"] * 2 + ["ThresholdInformation"],
        )
        stats = sb.stats()

    assert [status for status, _ in results] == [200] * 6
    assert stats["peak_in_flight"] == {
        "companies": 2,
        "thresholdinformation": 1,
        "tickets": 3,
    }


def test_hourly_limit_refuses_requests_past_the_threshold():
    with start(hourly_limit=4) as sb, api_client(sb) as client:
        statuses = [client.get("ThresholdInformation").status_code for _ in range(4)]
        refused = client.post("Tickets/query", json={"filter": ALL})
        zone = client.get(
            sb.zone_lookup_url, params={"user": client.headers["UserName"]}
        )

    assert statuses == [200, 200, 200, 200]
    assert refused.status_code == 429
    assert refused.json() == {"errors": [HOURLY_ERROR]}
    assert zone.status_code == 200


def test_threshold_information_reports_the_rolling_count():
    with start(hourly_limit=50) as sb, api_client(sb) as client:
        for _ in range(5):
            client.get("Version")
        document = client.get("ThresholdInformation").json()

    assert document == {
        "externalRequestThreshold": 50,
        "requestThresholdTimeframe": 60,
        "currentTimeframeRequestCount": 6,
    }


def test_hourly_budget_frees_requests_an_hour_after_they_were_made():
    now = [0.0]
    budget = HourlyBudget(2, clock=lambda: now[0])

    def admit_at(moment: float) -> bool:
        now[0] = moment
        return budget.admit()

    admitted = [admit_at(t) for t in (0.0, 10.0, 20.0, 3599.0, 3600.0, 3605.0)]
    final = admit_at(3610.0)

    assert admitted == [True, True, False, False, True, False]
    assert final is True
    assert budget.used() == 2


def test_usage_latency_follows_autotask_steps():
    budget = HourlyBudget(8, clock=lambda: 0.0)
    delays = []
    for _ in range(8):
        delays.append(budget.usage_latency())
        budget.admit()

    assert delays == [0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 1.0, 1.0]


def test_thread_limit_counts_per_code_and_endpoint():
    limit = ThreadLimit(2)

    taken = [limit.acquire("code", "tickets") for _ in range(3)]
    other = limit.acquire("code", "companies")
    limit.release("code", "tickets")
    again = limit.acquire("code", "tickets")

    assert taken == [True, True, False]
    assert other is True
    assert again is True
    assert limit.acquire("code", "tickets") is False


def test_usage_latency_sleeps_scaled_and_stats_report_simulated_seconds():
    with start(hourly_limit=8, usage_latency=True, time_scale=0.05) as sb:
        with api_client(sb) as client:
            began = time.monotonic()
            statuses = [client.get("Version").status_code for _ in range(8)]
            took = time.monotonic() - began
        stats = sb.stats()

    # After each admitted request the window holds 1..8 of 8: the 4th and
    # 5th add 0.5 s, the 6th to 8th 1 s; 4 simulated seconds, 0.2 s slept.
    assert statuses == [200] * 8
    assert stats["usage_latency_seconds"] == 4.0
    assert 0.2 <= took < 1.0


def test_time_scale_must_be_positive():
    with pytest.raises(ValueError) as refused:
        SandboxConfig(time_scale=0)

    assert str(refused.value) == "time_scale must be positive, got 0"
