"""Contract tests of the query engine over HTTP: operators, paging, errors.

Expected results are computed here from `tenant.rows()` (the rows as a
query returns them), independently of the engine's own evaluation.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from .running import ALL, api_client, query_ids

OR_LIMIT = {
    "errors": [
        "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."
    ]
}


def when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def udf(row: dict, name: str):
    return next(u["value"] for u in row["userDefinedFields"] if u["name"] == name)


@pytest.fixture(scope="module")
def tickets(shared_sandbox) -> list[dict]:
    return list(shared_sandbox.tenant.rows("Tickets"))


@pytest.fixture(scope="module")
def notes(shared_sandbox) -> list[dict]:
    return list(shared_sandbox.tenant.rows("TicketNotes"))


def paging_of(url: str) -> dict:
    return {k: json.loads(v[0]) for k, v in parse_qs(urlsplit(url).query).items()}


# -- paging ------------------------------------------------------------------


def test_post_query_pages_500_rows_with_a_next_page_url(api, notes, shared_sandbox):
    response = api.post("TicketNotes/query", json={"filter": ALL})

    document = response.json()
    details = document["pageDetails"]
    next_url = details.pop("nextPageUrl")
    assert len(notes) == 600
    assert document["items"] == notes[:500]
    assert details == {"count": 500, "requestCount": 500, "prevPageUrl": None}
    assert next_url.startswith(
        f"{shared_sandbox.api_url}TicketNotes/query/next?paging="
    )
    assert "%7b%22pageSize%22" in next_url  # lowercase hex, as Autotask encodes
    assert paging_of(next_url) == {
        "paging": {"pageSize": 500, "previousIds": [-1], "nextIds": [notes[499]["id"]]}
    }


def test_post_next_page_url_continues_with_post_and_ends_with_null(api, notes):
    first = api.post("TicketNotes/query", json={"filter": ALL}).json()

    second = api.post(first["pageDetails"]["nextPageUrl"], json={"filter": ALL})

    document = second.json()
    assert document["items"] == notes[500:]
    assert document["pageDetails"] == {
        "count": 100,
        "requestCount": 500,
        "prevPageUrl": None,
        "nextPageUrl": None,
    }


def test_get_on_a_post_started_next_page_url_answers_405(api):
    first = api.post("TicketNotes/query", json={"filter": ALL}).json()

    response = api.get(first["pageDetails"]["nextPageUrl"])

    assert response.status_code == 405
    assert response.json() == {
        "Message": "The requested resource does not support http method 'GET'."
    }


def test_get_query_pages_by_get_with_the_search_echoed(api, notes):
    search = json.dumps({"filter": ALL, "MaxRecords": 250})

    pages, url, params = [], "TicketNotes/query", {"search": search}
    while url:
        document = api.get(url, params=params).json()
        pages.append([item["id"] for item in document["items"]])
        url, params = document["pageDetails"]["nextPageUrl"], None

    assert [len(p) for p in pages] == [250, 250, 100]
    assert sum(pages, []) == [r["id"] for r in notes]


def test_next_page_url_uses_the_host_the_request_came_to(shared_sandbox):
    with api_client(shared_sandbox) as client:
        url = f"http://localhost:{shared_sandbox.port}/ATServicesRest/V1.0/TicketNotes/query"
        document = client.post(url, json={"filter": ALL}).json()

    assert document["pageDetails"]["nextPageUrl"].startswith(
        f"http://localhost:{shared_sandbox.port}/ATServicesRest/V1.0/TicketNotes/"
    )


def test_walking_id_greater_than_last_equals_tenant_rows(api, notes):
    walked, last = [], 0
    while True:
        body = {
            "filter": [{"op": "gt", "field": "id", "value": last}],
            "MaxRecords": 500,
        }
        items = api.post("TicketNotes/query", json=body).json()["items"]
        if not items:
            break
        walked += items
        last = items[-1]["id"]

    assert walked == notes


def test_max_records_limits_the_page(api, tickets):
    document = api.post("Tickets/query", json={"filter": ALL, "maxRecords": 7}).json()

    assert [i["id"] for i in document["items"]] == [r["id"] for r in tickets[:7]]
    assert document["pageDetails"]["requestCount"] == 7
    assert paging_of(document["pageDetails"]["nextPageUrl"])["paging"]["pageSize"] == 7


# -- operators ---------------------------------------------------------------

CASES = {
    "eq": ([{"op": "eq", "field": "status", "value": 5}], lambda r: r["status"] == 5),
    "noteq excludes nulls": (
        [{"op": "noteq", "field": "contactID", "value": 0}],
        lambda r: r["contactID"] is not None,
    ),
    "gt datetime without Z": (
        [{"op": "gt", "field": "lastActivityDate", "value": "2025-03-01T00:00:00"}],
        lambda r: (
            r["lastActivityDate"] is not None
            and when(r["lastActivityDate"]) > when("2025-03-01T00:00:00Z")
        ),
    ),
    "gte datetime with fraction and Z": (
        [{"op": "gte", "field": "createDate", "value": "2025-03-01T00:00:00.000Z"}],
        lambda r: when(r["createDate"]) >= when("2025-03-01T00:00:00Z"),
    ),
    "lt decimal": (
        [{"op": "lt", "field": "estimatedHours", "value": 10}],
        lambda r: r["estimatedHours"] is not None and r["estimatedHours"] < 10,
    ),
    "lte id": (
        [{"op": "lte", "field": "id", "value": 32390500}],
        lambda r: r["id"] <= 32390500,
    ),
    "beginsWith ignores case": (
        [{"op": "beginsWith", "field": "title", "value": "PRINTER"}],
        lambda r: r["title"].lower().startswith("printer"),
    ),
    "endsWith": (
        [{"op": "endsWith", "field": "title", "value": "access"}],
        lambda r: r["title"].lower().endswith("access"),
    ),
    "contains": (
        [{"op": "contains", "field": "description", "value": "VPN"}],
        lambda r: r["description"] is not None and "vpn" in r["description"].lower(),
    ),
    "exist": (
        [{"op": "exist", "field": "configurationItemID"}],
        lambda r: r["configurationItemID"] is not None,
    ),
    "notExist": (
        [{"op": "notExist", "field": "lastActivityDate"}],
        lambda r: r["lastActivityDate"] is None,
    ),
    "in": (
        [{"op": "in", "field": "priority", "value": [1, 4]}],
        lambda r: r["priority"] in (1, 4),
    ),
    "notIn": (
        [{"op": "notIn", "field": "queueID", "value": [29683354, 29683356]}],
        lambda r: r["queueID"] not in (29683354, 29683356),
    ),
    "eq on a string ignores case": (
        [{"op": "eq", "field": "TICKETNUMBER", "value": "t20231102.0000"}],
        lambda r: r["ticketNumber"] == "T20231102.0000",
    ),
    "top-level items are and-ed": (
        [
            {"op": "eq", "field": "status", "value": 5},
            {"op": "eq", "field": "priority", "value": 2},
        ],
        lambda r: r["status"] == 5 and r["priority"] == 2,
    ),
    "or containing and": (
        [
            {
                "op": "or",
                "items": [
                    {"op": "eq", "field": "priority", "value": 4},
                    {
                        "op": "and",
                        "items": [
                            {"op": "eq", "field": "status", "value": 1},
                            {"op": "in", "field": "issueType", "value": [3, 4]},
                        ],
                    },
                ],
            }
        ],
        lambda r: r["priority"] == 4 or (r["status"] == 1 and r["issueType"] in (3, 4)),
    ),
    "udf eq": (
        [{"op": "eq", "field": "CustomerRanking", "udf": True, "value": "1"}],
        lambda r: udf(r, "CustomerRanking") == "1",
    ),
    "udf number gt": (
        [{"op": "gt", "field": "billableestimate", "udf": True, "value": 500}],
        lambda r: (
            udf(r, "BillableEstimate") is not None
            and float(udf(r, "BillableEstimate")) > 500
        ),
    ),
    "unknown operator is silently dropped": (
        [
            {"op": "ne", "field": "status", "value": 5},
            {"op": "eq", "field": "priority", "value": 3},
        ],
        lambda r: r["priority"] == 3,
    ),
}


# How many of the 300 seeded Tickets (seed 1) each case selects: every case
# selects a real subset, so a filter that matched nothing or everything
# would fail here.
SIZES = {
    "eq": 181,
    "noteq excludes nulls": 274,
    "gt datetime without Z": 236,
    "gte datetime with fraction and Z": 167,
    "lt decimal": 58,
    "lte id": 167,
    "beginsWith ignores case": 2,
    "endsWith": 5,
    "contains": 57,
    "exist": 111,
    "notExist": 4,
    "in": 64,
    "notIn": 108,
    "eq on a string ignores case": 1,
    "top-level items are and-ed": 84,
    "or containing and": 25,
    "udf eq": 26,
    "udf number gt": 48,
    "unknown operator is silently dropped": 84,
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_operator_matches_the_rows_it_should(api, tickets, case):
    filter_, keep = CASES[case]

    found = query_ids(api, "Tickets", filter_)
    counted = api.post("Tickets/query/count", json={"filter": filter_}).json()

    expected = [r["id"] for r in tickets if keep(r)]
    assert len(expected) == SIZES[case]
    assert found == expected
    assert counted == {"queryCount": SIZES[case]}


def test_include_fields_returns_only_those_fields(api, tickets):
    body = {
        "filter": ALL,
        "IncludeFields": ["ID", "status", "lastactivitydate"],
        "MaxRecords": 2,
    }

    items = api.post("Tickets/query", json=body).json()["items"]

    assert items == [
        {
            "id": r["id"],
            "lastActivityDate": r["lastActivityDate"],
            "status": r["status"],
            "userDefinedFields": [],
        }
        for r in tickets[:2]
    ]
    assert list(items[0]) == ["id", "lastActivityDate", "status", "userDefinedFields"]


def test_count_of_an_id_range(api, tickets):
    filter_ = [
        {"op": "gte", "field": "id", "value": tickets[10]["id"]},
        {"op": "lt", "field": "id", "value": tickets[30]["id"]},
    ]

    assert api.post("Tickets/query/count", json={"filter": filter_}).json() == {
        "queryCount": 20
    }
    assert api.get(
        "Tickets/query/count", params={"search": json.dumps({"filter": filter_})}
    ).json() == {"queryCount": 20}


# -- refusals ----------------------------------------------------------------


def error_of(api, body: dict, entity: str = "Tickets") -> tuple[int, dict]:
    response = api.post(f"{entity}/query", json=body)
    return response.status_code, response.json()


def test_unknown_field_names_the_field_as_sent_and_the_internal_entity(api):
    body = {"filter": [{"op": "eq", "field": "projectid", "value": 1}]}

    assert error_of(api, body, "TimeEntries") == (
        500,
        {"errors": ["Unable to find projectid in the TimeEntry Entity."]},
    )


def test_udf_name_without_the_udf_flag_is_an_unknown_field(api):
    body = {"filter": [{"op": "eq", "field": "CustomerRanking", "value": "1"}]}

    assert error_of(api, body) == (
        500,
        {"errors": ["Unable to find CustomerRanking in the Ticket Entity."]},
    )


def test_two_udf_conditions_are_refused(api):
    body = {
        "filter": [
            {"op": "eq", "field": "CustomerRanking", "udf": True, "value": "1"},
            {"op": "exist", "field": "FollowUpDate", "udf": True},
        ]
    }

    assert error_of(api, body) == (
        500,
        {"errors": ["Only one user-defined field can be used in a query filter."]},
    )


def test_non_queryable_field_is_refused_by_name(api):
    body = {"filter": [{"op": "eq", "field": "creatorType", "value": 1}]}

    assert error_of(api, body) == (
        500,
        {
            "errors": [
                "The field creatorType in the Ticket Entity cannot be used in a "
                "query filter."
            ]
        },
    )


def test_max_records_over_500_is_refused(api):
    assert error_of(api, {"filter": ALL, "MaxRecords": 501}) == (
        500,
        {"errors": ["MaxRecords must be between 1 and 500, got 501."]},
    )


def test_missing_filter_is_refused(api):
    assert error_of(api, {"MaxRecords": 10}) == (
        500,
        {
            "errors": [
                "A filter is required: send at least one condition, "
                'e.g. {"op":"exist","field":"id"}.'
            ]
        },
    )


def test_in_with_more_than_500_values_is_refused(api):
    body = {"filter": [{"op": "in", "field": "id", "value": list(range(501))}]}

    assert error_of(api, body) == (500, OR_LIMIT)


def test_or_with_more_than_500_branches_is_refused(api):
    branches = [{"op": "eq", "field": "id", "value": i} for i in range(501)]

    assert error_of(api, {"filter": [{"op": "or", "items": branches}]}) == (
        500,
        OR_LIMIT,
    )


def test_in_with_exactly_500_values_is_accepted(api, tickets):
    values = [r["id"] for r in tickets[:250]] + list(range(1, 251))
    body = {"filter": [{"op": "in", "field": "id", "value": values}]}

    assert query_ids(api, "Tickets", body["filter"]) == [r["id"] for r in tickets[:250]]


def test_unknown_include_field_is_an_unknown_field(api):
    body = {"filter": ALL, "IncludeFields": ["id", "nope"]}

    assert error_of(api, body) == (
        500,
        {"errors": ["Unable to find nope in the Ticket Entity."]},
    )


def test_unparseable_datetime_value_is_refused(api):
    body = {"filter": [{"op": "gt", "field": "createDate", "value": "yesterday"}]}

    assert error_of(api, body) == (
        500,
        {
            "errors": [
                "Unable to convert the value 'yesterday' for the field createDate "
                "to datetime."
            ]
        },
    )


def test_ticket_history_takes_only_one_ticket_id_eq(api, shared_sandbox):
    history = list(shared_sandbox.tenant.rows("TicketHistory"))
    ticket_id = history[0]["ticketID"]

    found = query_ids(
        api, "TicketHistory", [{"op": "eq", "field": "TicketID", "value": ticket_id}]
    )
    refused = error_of(api, {"filter": ALL}, "TicketHistory")

    assert found == [r["id"] for r in history if r["ticketID"] == ticket_id]
    assert refused == (
        500,
        {
            "errors": [
                "TicketHistory queries accept exactly one filter condition: "
                "ticketID eq <id>."
            ]
        },
    )


def test_a_malformed_paging_token_answers_400(api, shared_sandbox):
    url = shared_sandbox.api_url + "TicketNotes/query/next"

    response = api.post(
        url, params={"paging": '{"pageSize":500}'}, json={"filter": ALL}
    )

    assert response.status_code == 400
    assert response.json() == {"errors": ["The paging parameter is not valid."]}
