"""Contract tests of entityInformation, fields (picklists) and UDF metadata."""

from __future__ import annotations

import json

import pytest

from sandbox.spec import ENTITIES_PATH

FIELD_KEYS = [
    "name",
    "dataType",
    "length",
    "isRequired",
    "isReadOnly",
    "isQueryable",
    "isReference",
    "referenceEntityType",
    "isPickList",
    "picklistValues",
    "picklistParentValueField",
    "isSupportedWebhookField",
]


@pytest.fixture(scope="module")
def ticket_fields(shared_sandbox) -> dict[str, dict]:
    import httpx

    from .running import AUTH

    response = httpx.get(
        shared_sandbox.api_url + "Tickets/entityInformation/fields", headers=AUTH
    )
    assert response.status_code == 200
    return {f["name"]: f for f in response.json()["fields"]}


def spec_fields(entity: str) -> list[tuple[str, str]]:
    document = json.loads(ENTITIES_PATH.read_text())
    raw = next(e for e in document["entities"] if e["name"] == entity)
    return [(f["name"], f["dataType"]) for f in raw["fields"]]


def test_fields_follow_the_spec_in_order_and_shape(ticket_fields):
    assert [(f["name"], f["dataType"]) for f in ticket_fields.values()] == spec_fields(
        "Tickets"
    )
    assert len(ticket_fields) == 75
    assert all(list(f) == FIELD_KEYS for f in ticket_fields.values())


def test_plain_fields_use_empty_strings_and_null_picklists(ticket_fields):
    assert ticket_fields["id"] == {
        "name": "id",
        "dataType": "long",
        "length": 0,
        "isRequired": True,
        "isReadOnly": True,
        "isQueryable": True,
        "isReference": False,
        "referenceEntityType": "",
        "isPickList": False,
        "picklistValues": None,
        "picklistParentValueField": "",
        "isSupportedWebhookField": False,
    }
    assert ticket_fields["title"]["length"] == 255
    assert ticket_fields["description"]["length"] == 8000


def test_references_name_the_entity(ticket_fields):
    references = {
        name: f["referenceEntityType"]
        for name, f in ticket_fields.items()
        if f["isReference"]
    }

    assert references["companyID"] == "Companies"
    assert references["assignedResourceID"] == "Resources"
    assert references["configurationItemID"] == "ConfigurationItems"
    assert len(references) == 20


def test_picklist_values_are_shaped_like_autotask_and_include_inactive(ticket_fields):
    status = ticket_fields["status"]

    assert status["isPickList"] is True
    assert status["picklistValues"][1] == {
        "value": "5",
        "label": "Complete",
        "isDefaultValue": False,
        "sortOrder": 2,
        "parentValue": "",
        "isActive": True,
        "isSystem": True,
    }
    assert [v["value"] for v in status["picklistValues"] if not v["isActive"]] == ["19"]


def test_sub_issue_type_depends_on_issue_type(ticket_fields):
    sub = ticket_fields["subIssueType"]
    issue_codes = {v["value"] for v in ticket_fields["issueType"]["picklistValues"]}

    assert sub["picklistParentValueField"] == "IssueType"
    assert {v["parentValue"] for v in sub["picklistValues"]} == issue_codes


def test_documented_non_queryable_fields(ticket_fields, api):
    contacts = api.get("Contacts/entityInformation/fields").json()["fields"]

    assert sorted(n for n, f in ticket_fields.items() if not f["isQueryable"]) == [
        "creatorType",
        "lastActivityPersonType",
        "serviceLevelAgreementPausedNextEventHours",
    ]
    assert sorted(f["name"] for f in contacts if not f["isQueryable"]) == [
        "isOptedOutFromBulkEmail",
        "solicitationOptOut",
        "surveyOptOut",
    ]
    assert next(f for f in contacts if f["name"] == "isActive")["dataType"] == "integer"


def test_seeded_rows_hold_valid_picklist_codes(ticket_fields, shared_sandbox):
    def active(field: str) -> set[int]:
        values = ticket_fields[field]["picklistValues"]
        return {int(v["value"]) for v in values if v["isActive"]}

    parents = {
        int(v["value"]): int(v["parentValue"])
        for v in ticket_fields["subIssueType"]["picklistValues"]
    }
    rows = list(shared_sandbox.tenant.rows("Tickets"))

    for field in ("status", "priority", "queueID", "issueType", "source", "ticketType"):
        assert {r[field] for r in rows} <= active(field), field
    assert all(parents[r["subIssueType"]] == r["issueType"] for r in rows)
    assert len({r["status"] for r in rows}) == 7


def test_udf_metadata_shape(api):
    fields = api.get("Tickets/entityInformation/userDefinedFields").json()["fields"]

    assert [(f["name"], f["type"]) for f in fields] == [
        ("CustomerRanking", "list"),
        ("EscalationReason", "string"),
        ("BillableEstimate", "number"),
        ("FollowUpDate", "datetime"),
        ("RequiresOnsite", "boolean"),
    ]
    assert fields[1] == {
        "name": "EscalationReason",
        "label": "Escalation Reason",
        "type": "string",
        "length": 255,
        "description": None,
        "isRequired": False,
        "isReadOnly": False,
        "isQueryable": True,
        "isReference": False,
        "referenceEntityType": None,
        "isPickList": False,
        "picklistValues": None,
        "picklistParentValueField": None,
        "defaultValue": "",
        "isSupportedWebhookField": True,
    }
    assert [v["label"] for v in fields[0]["picklistValues"]] == [
        "Golden",
        "Silver",
        "Bronze",
        "Retired",
    ]


def test_entities_without_udf_definitions_return_an_empty_list(api):
    projects = api.get("Projects/entityInformation/userDefinedFields")
    resources = api.get("Resources/entityInformation/userDefinedFields")

    assert projects.json() == {"fields": []}
    assert resources.json() == {"fields": []}


def test_udf_entities_without_definitions_omit_the_udf_collection(api):
    page = api.post("Projects/query", json={"filter": [{"op": "exist", "field": "id"}]})

    items = page.json()["items"]
    assert len(items) == 6
    assert [i for i in items if "userDefinedFields" in i] == []


def test_entity_information_reflects_the_spec_operations(api):
    assert api.get("TimeEntries/entityInformation").json() == {
        "info": {
            "name": "TimeEntry",
            "canCreate": True,
            "canDelete": True,
            "canQuery": True,
            "canUpdate": True,
            "userAccessForCreate": "All",
            "userAccessForDelete": "All",
            "userAccessForQuery": "All",
            "userAccessForUpdate": "All",
            "hasUserDefinedFields": False,
            "supportsWebhookCallouts": False,
        }
    }
    assert api.get("Tickets/entityInformation").json()["info"]["canDelete"] is False


def test_every_queryable_entity_serves_its_spec_fields(api, shared_sandbox):
    document = json.loads(ENTITIES_PATH.read_text())
    queryable = [e for e in document["entities"] if e["operations"]["query"]]

    served = 0
    for entity in queryable:
        filter_ = [{"op": "exist", "field": "id"}]
        if entity["name"] == "TicketHistory":  # takes only `ticketID eq`
            first = next(shared_sandbox.tenant.rows("TicketHistory"))
            filter_ = [{"op": "eq", "field": "ticketID", "value": first["ticketID"]}]
        item = api.post(
            f"{entity['name']}/query", json={"filter": filter_, "MaxRecords": 1}
        ).json()["items"][0]
        expected = [f["name"] for f in entity["fields"]]
        row = shared_sandbox.tenant.get(entity["name"], item["id"])
        if entity["hasUserDefinedFields"] and any(
            v is not None for v in row["userDefinedFields"]
        ):
            expected.append("userDefinedFields")
        assert list(item) == expected, entity["name"]
        served += 1

    assert served == 218
