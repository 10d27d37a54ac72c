"""The HTTP client against a scripted loopback server, and its retry policy."""

from __future__ import annotations

import logging
import random
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from sources.autotask.client import (
    AutotaskClient,
    AutotaskCredentials,
    RetryPolicy,
    parse_retry_after,
)
from sources.autotask.exceptions import (
    ApiError,
    AutotaskError,
    BudgetExhaustedError,
    CredentialsError,
    InsecureDestinationError,
    QueryError,
    TransientApiError,
    UnknownEntityError,
    UnknownFieldError,
)
from sources.autotask.limits import EndpointLimiter, RequestBudget

from .conftest import INTEGRATION_CODE, SECRET, USERNAME
from .scripted_server import Reply, ScriptedServer

LOOKUP = "/atservicesrest/v1.0/zoneInformation"
QUERY = "/ATServicesRest/V1.0/Tickets/query"
THRESHOLD = "/ATServicesRest/V1.0/ThresholdInformation"
BODY = {"filter": [{"op": "gt", "field": "id", "value": 0}], "MaxRecords": 500}
ROWS = [{"id": 1, "title": "a"}, {"id": 2, "title": "b"}]
PAGE = {
    "items": ROWS,
    "pageDetails": {
        "count": 2,
        "requestCount": 500,
        "prevPageUrl": None,
        "nextPageUrl": None,
    },
}
THREAD_LIMIT_TEXT = (
    "Thread Threshold Exceeded: The Autotask API thread threshold of 3 threads "
    "has been exceeded"
)


class FakeTime:
    """A clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def policy(fake: FakeTime, **overrides) -> RetryPolicy:
    return RetryPolicy(
        sleep=fake.sleep, clock=fake.clock, rand=lambda: 0.0, **overrides
    )


def zone(server: ScriptedServer) -> str:
    return server.url + "ATServicesRest/"


def explicit_client(server, credentials, fake=None, **kwargs) -> AutotaskClient:
    return AutotaskClient(
        credentials,
        base_url=zone(server),
        retry=policy(fake or FakeTime()),
        timeout=kwargs.pop("timeout", 2.0),
        **kwargs,
    )


def looked_up_client(server, credentials, fake=None, **kwargs) -> AutotaskClient:
    return AutotaskClient(
        credentials,
        zone_lookup_url=server.url + LOOKUP.lstrip("/"),
        retry=policy(fake or FakeTime()),
        timeout=2.0,
        **kwargs,
    )


def zone_answer(url: str) -> Reply:
    return Reply(200, {"zoneName": "Sandbox", "url": url, "webUrl": url, "ci": 1})


# Retry delays (pure).


def test_backoff_doubles_from_base_delay_and_is_capped():
    retry = RetryPolicy(rand=lambda: 0.0)

    assert [retry.delay_for(n) for n in (1, 2, 3, 4, 7, 8)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        30.0,
        30.0,
    ]


def test_retry_after_seconds_wins_over_backoff():
    retry = RetryPolicy(rand=lambda: 0.0)

    assert retry.delay_for(5, "7") == 7.0
    assert retry.delay_for(1, "1.5") == 1.5
    assert retry.delay_for(1, "-3") == 0.0


def test_retry_after_http_date_counts_from_now():
    retry = RetryPolicy(rand=lambda: 0.0)
    now = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)

    assert retry.delay_for(1, "Wed, 01 May 2024 10:00:12 GMT", now) == 12.0
    assert retry.delay_for(1, "Wed, 01 May 2024 09:59:00 GMT", now) == 0.0


def test_unreadable_or_absent_retry_after_falls_back_to_backoff():
    retry = RetryPolicy(rand=lambda: 0.0)

    assert retry.delay_for(2, "soon") == 1.0
    assert retry.delay_for(2, None) == 1.0
    assert retry.delay_for(2, "") == 1.0
    assert parse_retry_after("soon") is None


def test_jitter_stretches_the_wait_by_at_most_the_jitter_fraction():
    retry = RetryPolicy(jitter=0.1, rand=random.Random(7).random)

    waits = [retry.delay_for(2) for _ in range(500)]
    after = RetryPolicy(jitter=0.1, rand=lambda: 0.5).delay_for(1, "10")

    assert min(waits) >= 1.0
    assert max(waits) <= 1.1
    assert len(set(waits)) > 400
    assert after == 10.5


# Auth headers, zone lookup and pages.


def test_query_sends_auth_headers_and_body_and_reads_the_page(server, credentials):
    next_url = zone(server) + "V1.0/Tickets/query/next?paging=%7b%7d"
    page = dict(PAGE, pageDetails=dict(PAGE["pageDetails"], nextPageUrl=next_url))
    server.script(
        "POST",
        QUERY,
        Reply(200, page, headers={"Date": "Wed, 01 May 2024 10:00:00 GMT"}),
    )

    with explicit_client(server, credentials) as client:
        result = client.query("Tickets", BODY)

    sent = server.requests[0]
    assert result.items == ROWS
    assert result.next_page_url == next_url
    assert result.server_date == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert client.server_time() == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert (sent.method, sent.path) == ("POST", QUERY)
    assert sent.json() == BODY
    assert sent.headers["apiintegrationcode"] == INTEGRATION_CODE
    assert sent.headers["username"] == USERNAME
    assert sent.headers["secret"] == SECRET
    assert "impersonationresourceid" not in sent.headers


def test_impersonation_header_is_sent_when_set(server):
    credentials = AutotaskCredentials(USERNAME, SECRET, INTEGRATION_CODE, 29682885)
    server.script("POST", QUERY, Reply(200, PAGE))

    with explicit_client(server, credentials) as client:
        client.query("Tickets", BODY)

    assert server.requests[0].headers["impersonationresourceid"] == "29682885"


def test_zone_lookup_is_sent_without_credentials_and_resolved_once(server, credentials):
    server.script("GET", LOOKUP, zone_answer(zone(server)))
    server.script("GET", THRESHOLD, Reply(200, {"externalRequestThreshold": 10000}))
    server.script("POST", QUERY, Reply(200, PAGE))

    with looked_up_client(server, credentials) as client:
        client.threshold_information()
        client.query("Tickets", BODY)
        client.query("Tickets", BODY)

    lookups = server.requests_to(LOOKUP)
    assert len(server.requests) == 4
    assert len(lookups) == 1
    assert server.requests[0] is lookups[0]
    assert lookups[0].query == "user=api-user%40example.com"
    assert {"apiintegrationcode", "username", "secret"} & set(
        lookups[0].headers
    ) == set()
    assert client.zone_url == zone(server)
    assert client.stats.snapshot()["zone_lookups"] == 1
    assert client.stats.snapshot()["requests"] == 3


def test_unknown_user_at_zone_lookup_is_a_credentials_error(server, credentials):
    server.script(
        "GET",
        LOOKUP,
        Reply(500, {"errors": ["Zone information could not be determined"]}),
    )

    with (
        looked_up_client(server, credentials) as client,
        pytest.raises(CredentialsError) as caught,
    ):
        client.query("Tickets", BODY)

    assert str(caught.value) == (
        'The API user name is unknown to Autotask ("Zone information could not be '
        'determined"); check the username in [sources.autotask.credentials]: it '
        "is the API user's e-mail address."
    )
    assert len(server.requests) == 1


def test_next_page_posts_the_same_body_to_the_zone_host(server, credentials):
    server.script("POST", QUERY + "/next", Reply(200, PAGE))
    next_url = zone(server) + "V1.0/Tickets/query/next?paging=%7b%22pageSize%22%7d"

    with explicit_client(server, credentials) as client:
        result = client.next_page(next_url, BODY)

    sent = server.requests[0]
    assert result.items == ROWS
    assert (sent.method, sent.path, sent.query) == (
        "POST",
        QUERY + "/next",
        "paging=%7b%22pageSize%22%7d",
    )
    assert sent.json() == BODY
    assert client.stats.snapshot()["entities"]["tickets"]["requests"] == 1


def test_metadata_count_get_and_threshold_calls(server, credentials):
    base = "/ATServicesRest/V1.0/Tickets"
    server.script(
        "GET", base + "/entityInformation", Reply(200, {"info": {"canQuery": True}})
    )
    server.script(
        "GET",
        base + "/entityInformation/fields",
        Reply(200, {"fields": [{"name": "id"}]}),
    )
    server.script(
        "GET",
        base + "/entityInformation/userDefinedFields",
        Reply(200, {"fields": [{"name": "Region"}]}),
    )
    server.script("POST", base + "/query/count", Reply(200, {"queryCount": 7}))
    server.script("GET", base + "/42", Reply(200, {"item": {"id": 42}}))
    server.script("GET", base + "/43", Reply(200, {"item": None}))
    threshold = {
        "externalRequestThreshold": 10000,
        "requestThresholdTimeframe": 60,
        "currentTimeframeRequestCount": 12,
    }
    server.script("GET", THRESHOLD, Reply(200, threshold))

    with explicit_client(server, credentials) as client:
        assert client.entity_information("Tickets") == {"canQuery": True}
        assert client.entity_fields("Tickets") == [{"name": "id"}]
        assert client.user_defined_fields("Tickets") == [{"name": "Region"}]
        assert client.count("Tickets", BODY) == 7
        assert client.get("Tickets", 42) == {"id": 42}
        assert client.get("Tickets", 43) is None
        assert client.threshold_information() == threshold

    snapshot = client.stats.snapshot()
    assert snapshot["entities"]["tickets"]["requests"] == 6
    assert snapshot["entities"]["thresholdinformation"]["requests"] == 1
    assert snapshot["requests"] == 7


def test_bad_entity_names_and_ids_are_refused_before_any_request(server, credentials):
    with explicit_client(server, credentials) as client:
        with pytest.raises(UnknownEntityError):
            client.query("Tickets/../Companies", BODY)
        with pytest.raises(QueryError) as caught:
            client.get("Tickets", "42")

    assert str(caught.value) == "An Tickets id must be an integer, got '42'."
    assert server.requests == []


# Retries.


RETRY_CLASSES = {
    "429 with Retry-After seconds": (
        Reply(429, {"errors": ["Too many requests"]}, headers={"Retry-After": "3"}),
        [3.0, 3.0],
    ),
    "thread threshold with status 500": (
        Reply(500, {"errors": [THREAD_LIMIT_TEXT]}),
        [0.5, 1.0],
    ),
    "thread threshold with 429 and Retry-After": (
        Reply(429, {"errors": [THREAD_LIMIT_TEXT]}, headers={"Retry-After": "1"}),
        [1.0, 1.0],
    ),
    "503 without body": (Reply(503), [0.5, 1.0]),
    "500 with an unrecognised text": (
        Reply(500, {"errors": ["An unexpected error occurred."]}),
        [0.5, 1.0],
    ),
    "200 with an empty body": (Reply(200, b""), [0.5, 1.0]),
    "200 with cut JSON": (Reply(200, b'{"items": [{"id": 1}'), [0.5, 1.0]),
    "connection reset": (Reply(drop=True), [0.5, 1.0]),
    "read timeout": (Reply(200, PAGE, delay=0.6), [0.5, 1.0]),
}


@pytest.mark.parametrize("failure", list(RETRY_CLASSES))
def test_each_retry_class_succeeds_after_two_failures_with_three_requests(
    server, credentials, failure
):
    reply, expected_sleeps = RETRY_CLASSES[failure]
    server.script("POST", QUERY, reply, reply, Reply(200, PAGE))
    fake = FakeTime()

    with explicit_client(server, credentials, fake, timeout=0.3) as client:
        result = client.query("Tickets", BODY)

    assert result.items == ROWS
    assert len(server.requests) == 3
    assert fake.sleeps == expected_sleeps
    assert client.stats.snapshot()["retries"] == 2
    assert client.stats.snapshot()["requests"] == 3


def test_retries_give_up_after_max_attempts_with_a_transient_error(server, credentials):
    server.script("POST", QUERY, Reply(503, {"errors": ["Service Unavailable"]}))
    fake = FakeTime()
    client = AutotaskClient(
        credentials, base_url=zone(server), retry=policy(fake, max_attempts=3)
    )

    with client, pytest.raises(TransientApiError) as caught:
        client.query("Tickets", BODY)

    assert str(caught.value) == (
        "POST 127.0.0.1/ATServicesRest/V1.0/Tickets/query failed 3 times in 1.5s, "
        "last with "
        "HTTP 503: Service Unavailable. Autotask or the network kept failing; "
        "rerun later."
    )
    assert (caught.value.status, caught.value.errors) == (503, ["Service Unavailable"])
    assert (caught.value.method, caught.value.path) == ("POST", QUERY)
    assert len(server.requests) == 3


def test_retries_stop_before_sleeping_past_max_elapsed(server, credentials):
    server.script("POST", QUERY, Reply(503))
    fake = FakeTime()
    client = AutotaskClient(
        credentials,
        base_url=zone(server),
        retry=policy(fake, max_attempts=100, max_elapsed=3.0),
    )

    with client, pytest.raises(TransientApiError):
        client.query("Tickets", BODY)

    assert fake.sleeps == [0.5, 1.0]
    assert len(server.requests) == 3


def test_hourly_threshold_429_beyond_the_time_budget_stops_the_run(server, credentials):
    server.script(
        "POST",
        QUERY,
        Reply(
            429,
            {"errors": ["The hourly request threshold has been exceeded."]},
            headers={"Retry-After": "60"},
        ),
    )
    fake = FakeTime()
    client = AutotaskClient(
        credentials, base_url=zone(server), retry=policy(fake, max_attempts=100)
    )

    with client, pytest.raises(BudgetExhaustedError) as caught:
        client.query("Tickets", BODY)

    assert str(caught.value) == (
        "Autotask answered HTTP 429: the tenant's hourly request threshold is "
        "reached and did not clear within 300s of retries. Progress is saved; "
        "rerun later (the threshold is a rolling hour)."
    )
    assert fake.sleeps == [60.0] * 5
    assert len(server.requests) == 6


def test_thread_threshold_that_never_clears_is_transient_not_budget(
    server, credentials
):
    server.script("POST", QUERY, Reply(429, {"errors": [THREAD_LIMIT_TEXT]}))
    client = AutotaskClient(
        credentials, base_url=zone(server), retry=policy(FakeTime(), max_attempts=2)
    )

    with client, pytest.raises(TransientApiError) as caught:
        client.query("Tickets", BODY)

    assert "last with thread threshold" in str(caught.value)
    assert len(server.requests) == 2


def test_connection_refused_is_retried_then_transient(credentials):
    with ScriptedServer() as closed:
        port = closed.port
    client = AutotaskClient(
        credentials,
        base_url=f"http://127.0.0.1:{port}/ATServicesRest/",
        retry=policy(FakeTime(), max_attempts=2),
    )

    with client, pytest.raises(TransientApiError) as caught:
        client.query("Tickets", BODY)

    assert str(caught.value) == (
        "POST 127.0.0.1/ATServicesRest/V1.0/Tickets/query failed 2 times in 0.5s, "
        "last with "
        "ConnectError. Autotask or the network kept failing; rerun later."
    )
    assert client.stats.snapshot()["errors"] == {"ConnectError": 2}


PERMANENT = {
    "Unable to find projectID in the TimeEntry Entity.": (
        UnknownFieldError,
        "Unknown field 'projectID' on Tickets. Autotask said: Unable to find "
        "projectID in the TimeEntry Entity. Check the names in "
        "entityInformation/fields.",
    ),
    "IntegrationCode is invalid.": (
        CredentialsError,
        'Autotask rejected the API integration code ("IntegrationCode is '
        'invalid."); check integration_code in [sources.autotask.credentials]: '
        "it is the integration's API tracking identifier.",
    ),
    "Zone information could not be determined": (
        CredentialsError,
        'The API user name is unknown to Autotask ("Zone information could not be '
        'determined"); check the username in [sources.autotask.credentials]: it '
        "is the API user's e-mail address.",
    ),
    "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions.": (
        QueryError,
        "Autotask refused the Tickets query (HTTP 500, POST "
        "/ATServicesRest/V1.0/Tickets/query): Invalid query syntax. Queries are "
        "limited to 500 or fewer 'OR' conditions.",
    ),
    "The field creatorType is not queryable.": (
        QueryError,
        "Autotask refused the Tickets query (HTTP 500, POST "
        "/ATServicesRest/V1.0/Tickets/query): The field creatorType is not "
        "queryable.",
    ),
    "Only one UDF may be used per query.": (
        QueryError,
        "Autotask refused the Tickets query (HTTP 500, POST "
        "/ATServicesRest/V1.0/Tickets/query): Only one UDF may be used per query.",
    ),
    "MaxRecords must be between 1 and 500.": (
        QueryError,
        "Autotask refused the Tickets query (HTTP 500, POST "
        "/ATServicesRest/V1.0/Tickets/query): MaxRecords must be between 1 and 500.",
    ),
    "The logged in Resource does not have the adequate permissions to query.": (
        ApiError,
        "The API user lacks a permission (HTTP 500, POST "
        "/ATServicesRest/V1.0/Tickets/query): The logged in Resource does not have "
        "the adequate permissions to query. Grant it in the API user's security "
        "level.",
    ),
}


@pytest.mark.parametrize("text", list(PERMANENT))
def test_permanent_500_texts_raise_at_once_after_one_request(server, credentials, text):
    kind, message = PERMANENT[text]
    server.script("POST", QUERY, Reply(500, {"errors": [text]}))

    with (
        explicit_client(server, credentials) as client,
        pytest.raises(AutotaskError) as caught,
    ):
        client.query("Tickets", BODY)

    assert type(caught.value) is kind
    assert str(caught.value) == message
    assert len(server.requests) == 1


def test_other_4xx_fail_at_once_with_the_api_text(server, credentials):
    message = "The requested resource does not support http method 'POST'."
    server.script("POST", QUERY, Reply(405, {"Message": message}))

    with (
        explicit_client(server, credentials) as client,
        pytest.raises(ApiError) as caught,
    ):
        client.query("Tickets", BODY)

    assert type(caught.value) is ApiError
    assert str(caught.value) == (
        f"Autotask refused POST /ATServicesRest/V1.0/Tickets/query with HTTP 405: "
        f"{message}"
    )
    assert (caught.value.status, caught.value.errors) == (405, [message])
    assert len(server.requests) == 1


# 401 and zone moves.

REJECTED = (
    "Autotask rejected the API user's secret (HTTP 401); check secret and "
    "username in [sources.autotask.credentials], and that the API user is active."
)


def test_401_with_an_explicit_base_url_is_a_credentials_error(server, credentials):
    server.script("POST", QUERY, Reply(401))

    with (
        explicit_client(server, credentials) as client,
        pytest.raises(CredentialsError) as caught,
    ):
        client.query("Tickets", BODY)

    assert str(caught.value) == REJECTED + (
        " If the tenant moved zones, the given base URL is stale: drop it to have "
        "the zone looked up."
    )
    assert len(server.requests) == 1


def test_401_after_a_lookup_resolves_the_zone_once_more_then_fails(server, credentials):
    server.script("GET", LOOKUP, zone_answer(zone(server)))
    server.script("POST", QUERY, Reply(401))

    with (
        looked_up_client(server, credentials) as client,
        pytest.raises(CredentialsError) as caught,
    ):
        client.query("Tickets", BODY)

    assert str(caught.value) == REJECTED
    assert [r.path for r in server.requests] == [LOOKUP, QUERY, LOOKUP]


def test_401_after_a_zone_move_retries_once_on_the_new_zone(server, credentials):
    with ScriptedServer() as moved:
        server.script(
            "GET", LOOKUP, zone_answer(zone(server)), zone_answer(zone(moved))
        )
        server.script("POST", QUERY, Reply(401))
        moved.script("POST", QUERY, Reply(200, PAGE))

        with looked_up_client(server, credentials) as client:
            result = client.query("Tickets", BODY)
            again = client.query("Tickets", BODY)

    assert result.items == ROWS
    assert again.items == ROWS
    assert [r.path for r in server.requests] == [LOOKUP, QUERY, LOOKUP]
    assert [r.path for r in moved.requests] == [QUERY, QUERY]
    assert client.zone_url == zone(moved)


# Destinations.


def test_plain_http_base_url_off_loopback_is_refused(
    credentials, off_loopback_requests
):
    with pytest.raises(InsecureDestinationError) as caught:
        AutotaskClient(credentials, base_url="http://example.com/ATServicesRest/")

    assert str(caught.value) == (
        "Refusing to use the base URL http://example.com: credentials travel only "
        "over https (plain http is allowed on a loopback host for the sandbox). "
        "Use the https address Autotask gives."
    )
    assert off_loopback_requests == []


def test_plain_http_zone_lookup_off_loopback_is_refused(
    credentials, off_loopback_requests
):
    client = AutotaskClient(
        credentials, zone_lookup_url="http://example.com/atservicesrest/v1.0/x"
    )

    with client, pytest.raises(InsecureDestinationError):
        client.query("Tickets", BODY)

    assert off_loopback_requests == []


def test_zone_answer_with_plain_http_off_loopback_is_refused(
    server, credentials, off_loopback_requests
):
    server.script("GET", LOOKUP, zone_answer("http://webservices15.example.com/ATS/"))

    with (
        looked_up_client(server, credentials) as client,
        pytest.raises(InsecureDestinationError) as caught,
    ):
        client.query("Tickets", BODY)

    assert str(caught.value) == (
        "Refusing to use the zone URL http://webservices15.example.com: credentials "
        "travel only over https (plain http is allowed on a loopback host for the "
        "sandbox). Use the https address Autotask gives."
    )
    assert [r.path for r in server.requests] == [LOOKUP]
    assert off_loopback_requests == []


@pytest.mark.parametrize(
    "foreign",
    [
        "http://127.0.0.2:{port}/ATServicesRest/V1.0/Tickets/query/next?paging=1",
        "http://127.0.0.1:1/ATServicesRest/V1.0/Tickets/query/next?paging=1",
        "https://127.0.0.1:{port}/ATServicesRest/V1.0/Tickets/query/next?paging=1",
        "https://webservices15.autotask.net/ATServicesRest/V1.0/Tickets/query/next",
    ],
)
def test_next_page_url_off_the_zone_host_is_refused_without_sending(
    server, credentials, off_loopback_requests, foreign
):
    budget = RequestBudget(10)
    url = foreign.format(port=server.port)

    with (
        explicit_client(server, credentials, budget=budget) as client,
        pytest.raises(InsecureDestinationError) as caught,
    ):
        client.next_page(url, BODY)

    assert str(caught.value).startswith("Refusing to send credentials to ")
    assert str(caught.value).endswith(
        "it is not the tenant's zone host http://127.0.0.1. Autotask credentials go "
        "only to the resolved zone."
    )
    assert server.requests == []
    assert budget.spent == 0
    assert off_loopback_requests == []


# Limits.


def test_budget_is_spent_per_request_and_stops_the_run(server, credentials):
    server.script("POST", QUERY, Reply(503), Reply(200, PAGE))
    budget = RequestBudget(3)

    with explicit_client(server, credentials, budget=budget) as client:
        client.query("Tickets", BODY)
        client.query("Tickets", BODY)
        with pytest.raises(BudgetExhaustedError):
            client.query("Tickets", BODY)

    assert len(server.requests) == 3
    assert budget.spent == 3


def test_never_more_than_three_in_flight_per_endpoint(server, credentials):
    server.script("POST", QUERY, Reply(200, PAGE, delay=0.1))
    server.script(
        "GET",
        "/ATServicesRest/V1.0/Tickets/entityInformation/fields",
        Reply(200, {"fields": []}, delay=0.1),
    )
    limiter = EndpointLimiter(3)

    with explicit_client(server, credentials, limiter=limiter) as client:

        def call(n: int) -> None:
            if n % 3 == 0:
                client.entity_fields("Tickets")
            else:
                client.query("Tickets", BODY)

        with ThreadPoolExecutor(9) as pool:
            list(pool.map(call, range(9)))

    assert len(server.requests) == 9
    assert server.peak_in_flight == 3
    assert limiter.peak_in_flight == {"tickets": 3}


def test_stats_snapshot_counts_requests_retries_and_statuses(server, credentials):
    server.script("POST", QUERY, Reply(503), Reply(200, PAGE))
    server.script("GET", THRESHOLD, Reply(200, {"externalRequestThreshold": 1}))

    with explicit_client(server, credentials) as client:
        client.query("Tickets", BODY)
        client.threshold_information()

    assert client.stats.snapshot() == {
        "requests": 3,
        "retries": 1,
        "statuses": {"503": 1, "200": 2},
        "errors": {},
        "zone_lookups": 0,
        "entities": {
            "thresholdinformation": {
                "requests": 1,
                "retries": 0,
                "statuses": {"200": 1},
                "errors": {},
            },
            "tickets": {
                "requests": 2,
                "retries": 1,
                "statuses": {"503": 1, "200": 1},
                "errors": {},
            },
        },
    }


# Secrets.


def test_credentials_repr_masks_secrets():
    credentials = AutotaskCredentials(USERNAME, SECRET, INTEGRATION_CODE, 1234567)

    assert repr(credentials) == (
        "AutotaskCredentials(username='api-user@example.com', secret='***', "
        "integration_code='***', impersonation_resource_id=***)"
    )
    assert str(credentials) == repr(credentials)


def test_missing_credentials_are_named_not_shown():
    with pytest.raises(CredentialsError) as caught:
        AutotaskCredentials(USERNAME, "", "  ")

    assert str(caught.value) == (
        "Missing Autotask credentials: secret, integration_code. Set them in "
        "[sources.autotask.credentials] of .dlt/secrets.toml or the environment."
    )


def test_credentials_never_appear_in_exceptions_or_logs(server, credentials, caplog):
    caplog.set_level(logging.DEBUG)
    echo = (
        f"Bad header Secret={SECRET} ApiIntegrationCode={INTEGRATION_CODE} {USERNAME}"
    )
    server.script("GET", LOOKUP, zone_answer(zone(server)))
    server.script("POST", QUERY, Reply(400, {"errors": [echo]}))
    server.script("POST", "/ATServicesRest/V1.0/Companies/query", Reply(401))
    server.script("POST", "/ATServicesRest/V1.0/Contacts/query", Reply(503, echo))
    server.script(
        "GET",
        "/ATServicesRest/V1.0/Tasks/entityInformation/fields",
        Reply(500, {"errors": ["Unable to find " + SECRET + " in the X Entity."]}),
    )
    texts: list[str] = []

    with looked_up_client(server, credentials) as client:
        for call in (
            lambda: client.query("Tickets", BODY),
            lambda: client.query("Companies", BODY),
            lambda: client.query("Contacts", BODY),
            lambda: client.entity_fields("Tasks"),
        ):
            with pytest.raises(AutotaskError) as caught:
                call()
            texts += [str(caught.value), repr(caught.value), repr(caught.value.args)]
            texts += [repr(getattr(caught.value, "errors", ""))]

    texts += [record.getMessage() for record in caplog.records]
    assert len(caplog.records) > 10
    assert any("retrying" in t for t in texts)
    assert any("HTTP Request: GET" in t for t in texts)
    for text in texts:
        assert SECRET not in text
        assert INTEGRATION_CODE not in text
        assert USERNAME not in text
        assert "user=" not in text
    assert "Bad header Secret=*** ApiIntegrationCode=*** ***" in texts[0]


def test_log_lines_name_entity_path_status_and_wait(server, credentials, caplog):
    caplog.set_level(logging.DEBUG, logger="autotask_sync.client")
    server.script("GET", LOOKUP, zone_answer(zone(server)))
    server.script("POST", QUERY, Reply(503), Reply(200, PAGE))

    with looked_up_client(server, credentials) as client:
        client.query("Tickets", BODY)

    lines = [
        (r.levelname, re.sub(r"in \d+ ms$", "in N ms", r.getMessage()))
        for r in caplog.records
        if r.name == "autotask_sync.client"
    ]
    assert lines == [
        ("DEBUG", f"GET {LOOKUP} -> 200 in N ms"),
        ("INFO", f"Autotask zone resolved: {zone(server)}"),
        ("DEBUG", f"POST {QUERY} -> 503 in N ms"),
        (
            "INFO",
            f"Tickets: retrying POST {QUERY} after HTTP 503 (attempt 2 of 8) in 0.50s",
        ),
        ("DEBUG", f"POST {QUERY} -> 200 in N ms"),
    ]
