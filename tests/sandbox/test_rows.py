"""Rows as a client parses them over HTTP: JSON types against each field's
`dataType`, Autotask's value formats, and the `userDefinedFields` rule."""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal

import pytest

from sandbox.spec import ENTITIES_PATH

from .running import ALL, api_client, start

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,2}[1-9])?Z$")
JSON_TYPES = {
    "integer": int,
    "long": int,
    "string": str,
    "decimal": Decimal,
    "boolean": bool,
    "datetime": str,
}


@pytest.fixture(scope="module")
def small_sandbox():
    with start(scale=60) as sb:
        yield sb


def walk(client, entity: str, filter_: list) -> list[dict]:
    """Every row, decimals parsed exactly (`Decimal("3.5000")`)."""
    body = {"filter": filter_}
    response = client.post(f"{entity}/query", json=body)
    items = []
    while True:
        document = json.loads(response.text, parse_float=Decimal)
        items += document["items"]
        next_url = document["pageDetails"]["nextPageUrl"]
        if next_url is None:
            return items
        response = client.post(next_url, json=body)


def test_every_queryable_entity_serves_values_of_its_fields_types(small_sandbox):
    document = json.loads(ENTITIES_PATH.read_text())
    queryable = [e for e in document["entities"] if e["operations"]["query"]]

    checked: Counter[str] = Counter()
    with api_client(small_sandbox) as client:
        for entity in queryable:
            filter_ = ALL
            if entity["name"] == "TicketHistory":  # takes only `ticketID eq`
                first = next(small_sandbox.tenant.rows("TicketHistory"))
                filter_ = [
                    {"op": "eq", "field": "ticketID", "value": first["ticketID"]}
                ]
            rows = walk(client, entity["name"], filter_)
            assert rows, entity["name"]

            for row in rows:
                for field in entity["fields"]:
                    value = row[field["name"]]
                    if value is None:
                        continue
                    data_type = field["dataType"]
                    where = (entity["name"], field["name"], value)
                    assert type(value) is JSON_TYPES[data_type], where
                    if data_type == "decimal":
                        assert value.as_tuple().exponent == -4, where
                    if data_type == "datetime":
                        assert DATETIME.match(value), where
                    checked[data_type] += 1

    assert len(queryable) == 218
    assert set(checked) == set(JSON_TYPES)
    assert min(checked.values()) > 100


def test_datetimes_drop_trailing_fraction_zeros_in_the_raw_text(api):
    text = api.post("Tickets/query", json={"filter": ALL}).text

    stamps = re.findall(r'"(\d{4}-\d{2}-\d{2}T[0-9:.]+Z)"', text)
    fractions = Counter(len(s.split(".")[1]) - 1 if "." in s else 0 for s in stamps)

    assert all(DATETIME.match(s) for s in stamps)
    assert set(fractions) == {0, 1, 2, 3}


def test_decimals_carry_four_places_in_the_raw_text(api):
    text = api.post("TimeEntries/query", json={"filter": ALL}).text

    hours = re.findall(r'"hoursWorked":([^,}]+)', text)

    assert len(hours) == 450
    assert {len(h.split(".")[1]) for h in hours if h != "null"} == {4}


def test_contact_is_active_is_an_integer_0_or_1(api):
    items = api.post("Contacts/query", json={"filter": ALL}).json()["items"]

    values = Counter(item["isActive"] for item in items)

    assert set(values) == {0, 1}
    assert {type(v) for v in values} == {int}
    assert values[0] + values[1] == 60


def test_cursor_fields_are_null_on_some_rows(api, shared_sandbox):
    null_cursor = [{"op": "notExist", "field": "lastActivityDate"}]
    expected = [
        r["id"]
        for r in shared_sandbox.tenant.rows("Tickets")
        if r["lastActivityDate"] is None
    ]

    found = api.post("Tickets/query", json={"filter": null_cursor}).json()

    assert [i["id"] for i in found["items"]] == expected
    assert len(expected) == 4


def test_udf_collection_is_omitted_from_pages_where_no_row_has_a_udf_value(api):
    body = {"filter": ALL, "MaxRecords": 100}
    pages = []
    response = api.post("Tickets/query", json=body)
    while True:
        document = response.json()
        pages.append(document["items"])
        if document["pageDetails"]["nextPageUrl"] is None:
            break
        response = api.post(document["pageDetails"]["nextPageUrl"], json=body)

    carrying = [sum("userDefinedFields" in item for item in page) for page in pages]
    first_valued = next(
        i
        for i, item in enumerate(pages[1])
        if any(u["value"] for u in item["userDefinedFields"])
    )

    # The oldest 150 of 300 Tickets predate the tenant's UDFs.
    assert carrying == [0, 100, 100]
    assert first_valued == 50
    assert {len(item["userDefinedFields"]) for item in pages[1]} == {5}
    assert {u["value"] for u in pages[1][0]["userDefinedFields"]} == {None}


def test_a_500_row_page_with_some_udf_values_carries_them_on_every_row(api):
    items = api.post("Tickets/query", json={"filter": ALL}).json()["items"]

    assert len(items) == 300
    assert all(len(item["userDefinedFields"]) == 5 for item in items)


def test_entity_information_capabilities_are_the_specs_for_every_entity(api):
    document = json.loads(ENTITIES_PATH.read_text())

    for entity in document["entities"]:
        ops = entity["operations"]
        info = api.get(f"{entity['name']}/entityInformation").json()["info"]

        assert info["name"] == entity["internalName"]
        assert (
            info["canCreate"],
            info["canDelete"],
            info["canQuery"],
            info["canUpdate"],
            info["hasUserDefinedFields"],
        ) == (
            ops["create"],
            ops["delete"],
            ops["query"],
            ops["update"],
            entity["hasUserDefinedFields"],
        ), entity["name"]

    assert len(document["entities"]) == 225
