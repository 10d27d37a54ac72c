"""Contract tests of routing, auth, zone lookup and single-row reads."""

from __future__ import annotations

import http.client
import json

import httpx

from sandbox import SANDBOX_INTEGRATION_CODE, SANDBOX_SECRET, SANDBOX_USERNAME

from .running import AUTH, api_client

ZONE_ERROR = {"errors": ["Zone information could not be determined"]}


def test_zone_lookup_needs_no_auth_and_returns_the_zone_url(shared_sandbox):
    response = httpx.get(
        shared_sandbox.zone_lookup_url, params={"user": SANDBOX_USERNAME}
    )

    assert response.status_code == 200
    assert response.json() == {
        "zoneName": "Sandbox Zone (loopback)",
        "url": shared_sandbox.base_url,
        "webUrl": shared_sandbox.base_url.replace("ATServicesRest", "Autotask"),
        "ci": 101,
    }
    assert shared_sandbox.base_url.endswith("/ATServicesRest/")


def test_zone_lookup_of_an_unknown_user_is_a_500(shared_sandbox):
    response = httpx.get(shared_sandbox.zone_lookup_url, params={"user": "x@y.z"})

    assert response.status_code == 500
    assert response.json() == ZONE_ERROR


def test_missing_auth_headers_answer_401_with_an_empty_body(shared_sandbox):
    response = httpx.get(shared_sandbox.api_url + "Version")

    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["content-length"] == "0"


def test_unknown_user_answers_500_zone_error(shared_sandbox):
    with api_client(shared_sandbox, UserName="nobody@example.com") as client:
        response = client.get("Version")

    assert response.status_code == 500
    assert response.json() == ZONE_ERROR


def test_wrong_integration_code_answers_500(shared_sandbox):
    with api_client(shared_sandbox, ApiIntegrationCode="X" * 27) as client:
        response = client.get("Version")

    assert response.status_code == 500
    assert response.json() == {"errors": ["IntegrationCode is invalid."]}


def test_wrong_secret_answers_401(shared_sandbox):
    with api_client(shared_sandbox, Secret="not-the-secret") as client:
        response = client.get("Version")

    assert response.status_code == 401
    assert response.content == b""


def test_header_names_and_path_segments_are_case_insensitive(shared_sandbox):
    headers = {
        "apiintegrationcode": SANDBOX_INTEGRATION_CODE,
        "USERNAME": SANDBOX_USERNAME.upper(),
        "secret": SANDBOX_SECRET,
    }
    origin = shared_sandbox.origin

    response = httpx.get(
        f"{origin}/atservicesrest/v1.0/TICKETS/entityinformation/", headers=headers
    )

    assert response.status_code == 200
    assert response.json()["info"]["name"] == "Ticket"


def test_unknown_route_answers_404_with_message(api, shared_sandbox):
    response = api.get("NoSuchEntity/query")

    assert response.status_code == 404
    assert response.json() == {
        "Message": "No HTTP resource was found that matches the request URI "
        f"'{shared_sandbox.api_url}NoSuchEntity/query'."
    }


def test_get_on_an_entity_root_answers_405(api):
    response = api.get("Tickets")

    assert response.status_code == 405
    assert response.json() == {
        "Message": "The requested resource does not support http method 'GET'."
    }


def test_wrong_method_on_metadata_answers_405(api):
    response = api.post("Tickets/entityInformation/fields", json={})

    assert response.status_code == 405
    assert response.json() == {
        "Message": "The requested resource does not support http method 'POST'."
    }


def test_every_response_has_date_and_content_length_over_keep_alive(shared_sandbox):
    connection = http.client.HTTPConnection("127.0.0.1", shared_sandbox.port, 5)
    statuses, sockets = [], set()
    for _ in range(3):
        connection.request("GET", "/ATServicesRest/V1.0/Version", headers=AUTH)
        response = connection.getresponse()
        body = response.read()
        statuses.append(response.status)
        sockets.add(id(connection.sock))
        assert response.getheader("Date").endswith(" GMT")
        assert int(response.getheader("Content-Length")) == len(body)
    connection.close()

    assert statuses == [200, 200, 200]
    assert len(sockets) == 1


def test_get_by_id_returns_the_row_as_a_query_would(api, shared_sandbox):
    row = list(shared_sandbox.tenant.rows("Tickets"))[207]

    response = api.get(f"Tickets/{row['id']}")

    assert response.status_code == 200
    assert response.json() == {"item": row}
    assert [u["name"] for u in row["userDefinedFields"]] == [
        "CustomerRanking",
        "EscalationReason",
        "BillableEstimate",
        "FollowUpDate",
        "RequiresOnsite",
    ]


def test_get_by_id_of_a_row_without_udf_values_omits_the_udf_collection(
    api, shared_sandbox
):
    row = list(shared_sandbox.tenant.rows("Tickets"))[7]

    item = api.get(f"Tickets/{row['id']}").json()["item"]

    assert {u["value"] for u in row["userDefinedFields"]} == {None}
    assert item == {k: v for k, v in row.items() if k != "userDefinedFields"}


def test_get_by_missing_id_returns_item_null(api):
    response = api.get("Tickets/1")

    assert response.status_code == 200
    assert response.json() == {"item": None}


def test_threshold_information_counts_every_authenticated_request(fresh_sandbox):
    with api_client(fresh_sandbox) as client:
        client.get("Version")
        client.get("Tickets/entityInformation")
        client.get("Version", headers={"Secret": "wrong"})
        response = client.get("ThresholdInformation")

    assert response.json() == {
        "externalRequestThreshold": 10_000,
        "requestThresholdTimeframe": 60,
        "currentTimeframeRequestCount": 3,
    }


def test_version_and_version_information(api, shared_sandbox):
    versions = httpx.get(f"{shared_sandbox.origin}/atservicesrest/versioninformation")

    assert api.get("Version").json() == {
        "majorVersion": 1,
        "minorVersion": 0,
        "build": 2026,
    }
    assert json.loads(versions.text) == {"apiVersions": ["1.0"]}
