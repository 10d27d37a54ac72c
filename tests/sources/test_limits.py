"""Endpoint keys, the per-endpoint concurrency limiter and the request budget."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from sources.autotask.exceptions import BudgetExhaustedError, ConfigurationError
from sources.autotask.limits import EndpointLimiter, RequestBudget, endpoint_key


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/ATServicesRest/V1.0/Tickets/query", "tickets"),
        ("/ATServicesRest/V1.0/Tickets/query/next", "tickets"),
        ("/ATServicesRest/V1.0/Tickets/query/count", "tickets"),
        ("/atservicesrest/v1.0/tickets/entityInformation/fields", "tickets"),
        ("/ATServicesRest/V1.0/Tickets/12345", "tickets"),
        ("/ATServicesRest/V1.0/ThresholdInformation", "thresholdinformation"),
        (
            "https://webservices15.autotask.net/ATServicesRest/V1.0/Companies/query/"
            "next?paging=%7b%22pageSize%22%3a500%7d",
            "companies",
        ),
        ("/ATServicesRest/V1.0/Companies/7/Contacts", "companies"),
    ],
)
def test_endpoint_key_is_the_case_folded_entity_segment(path, key):
    assert endpoint_key(path) == key


def test_limiter_never_lets_more_than_three_in_flight_per_endpoint():
    limiter = EndpointLimiter(3)
    seen: list[int] = []
    lock = threading.Lock()

    def work(key: str) -> None:
        with limiter.slot(key):
            with lock:
                seen.append(limiter.in_flight(key))
            time.sleep(0.02)

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(work, ["tickets"] * 10 + ["companies"] * 2))

    assert max(seen) == 3
    assert limiter.peak_in_flight == {"tickets": 3, "companies": 2}
    assert limiter.in_flight("tickets") == 0


def test_limiter_releases_the_slot_when_the_block_raises():
    limiter = EndpointLimiter(1)

    with pytest.raises(ValueError), limiter.slot("tickets"):
        raise ValueError("boom")

    acquired = threading.Event()

    def take() -> None:
        with limiter.slot("tickets"):
            acquired.set()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join(timeout=2)
    assert acquired.is_set()


def test_limiter_refuses_zero_slots():
    with pytest.raises(ConfigurationError) as caught:
        EndpointLimiter(0)

    assert str(caught.value) == "per_endpoint must be at least 1, got 0."


def test_budget_from_threshold_takes_the_share_of_what_is_left():
    info = {
        "externalRequestThreshold": 10000,
        "requestThresholdTimeframe": 60,
        "currentTimeframeRequestCount": 1235,
    }

    budget = RequestBudget.from_threshold(info, 0.5)

    assert budget.allowed == 4382
    assert budget.remaining == 4382
    assert budget.spent == 0


def test_budget_raises_once_the_allowance_is_spent():
    info = {"externalRequestThreshold": 10000, "currentTimeframeRequestCount": 9990}
    budget = RequestBudget.from_threshold(info, 0.3)

    budget.spend()
    budget.spend()
    budget.spend()
    with pytest.raises(BudgetExhaustedError) as caught:
        budget.spend()

    assert str(caught.value) == (
        "The run's request budget is used: 3 requests were allowed (30% of the 10 "
        "requests left in the tenant's hourly threshold). Progress is saved; rerun "
        "later to resume, or raise the budget share."
    )
    assert budget.spent == 3
    assert budget.remaining == 0


def test_budget_over_the_threshold_allows_nothing():
    info = {"externalRequestThreshold": 100, "currentTimeframeRequestCount": 140}

    budget = RequestBudget.from_threshold(info, 1.0)

    assert budget.allowed == 0
    with pytest.raises(BudgetExhaustedError):
        budget.spend()


def test_plain_budget_message_and_unlimited_budget():
    limited = RequestBudget(1)
    limited.spend()
    with pytest.raises(BudgetExhaustedError) as caught:
        limited.spend()

    unlimited = RequestBudget(None)
    for _ in range(1000):
        unlimited.spend()

    assert str(caught.value) == (
        "The run's request budget is used: 1 requests were allowed. Progress is "
        "saved; rerun later to resume, or raise the run's request allowance."
    )
    assert unlimited.spent == 1000
    assert unlimited.remaining is None


def test_budget_is_exact_under_threads():
    budget = RequestBudget(500)
    refused = []

    def spend() -> None:
        for _ in range(100):
            try:
                budget.spend()
            except BudgetExhaustedError:
                refused.append(1)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)

    assert budget.spent == 500
    assert len(refused) == 300


@pytest.mark.parametrize(
    ("info", "share", "message"),
    [
        (
            {"externalRequestThreshold": 10000, "currentTimeframeRequestCount": 0},
            0,
            "The budget share must be above 0 and at most 1, got 0.",
        ),
        (
            {"externalRequestThreshold": 10000, "currentTimeframeRequestCount": 0},
            1.5,
            "The budget share must be above 0 and at most 1, got 1.5.",
        ),
        (
            {"externalRequestThreshold": 10000},
            0.5,
            "ThresholdInformation lacks externalRequestThreshold or "
            "currentTimeframeRequestCount: KeyError('currentTimeframeRequestCount').",
        ),
    ],
)
def test_budget_refuses_bad_share_or_threshold(info, share, message):
    with pytest.raises(ConfigurationError) as caught:
        RequestBudget.from_threshold(info, share)

    assert str(caught.value) == message
