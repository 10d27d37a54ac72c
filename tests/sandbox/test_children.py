"""Child list endpoints: `GET /V1.0/{Parent}/{parentId}/{Child}` and friends.

Expected children are computed from `tenant.rows()` and the parent links of
`entities.json`, independently of the sandbox's own lookup.
"""

from __future__ import annotations

import json

from sandbox.spec import ENTITIES_PATH, load_catalogue

from .running import api_client

EMPTY_DETAILS = {"requestCount": 500, "prevPageUrl": None, "nextPageUrl": None}


def children_of(sb, entity: str, field: str, parent_id: int) -> list[dict]:
    return [r for r in sb.tenant.rows(entity) if r[field] == parent_id]


def test_company_contacts_list_in_the_query_shape(api, shared_sandbox):
    company = next(shared_sandbox.tenant.rows("Companies"))["id"]
    expected = children_of(shared_sandbox, "Contacts", "companyID", company)

    document = api.get(f"Companies/{company}/Contacts").json()

    assert len(expected) == 4
    assert document == {
        "items": expected,
        "pageDetails": {"count": 4, **EMPTY_DETAILS},
    }


def test_ticket_notes_list_only_that_tickets_notes(api, shared_sandbox):
    notes = list(shared_sandbox.tenant.rows("TicketNotes"))
    ticket = notes[0]["ticketID"]
    expected = [n["id"] for n in notes if n["ticketID"] == ticket]

    document = api.get(f"tickets/{ticket}/notes").json()

    assert [i["id"] for i in document["items"]] == expected
    assert {i["ticketID"] for i in document["items"]} == {ticket}
    assert document["pageDetails"] == {"count": len(expected), **EMPTY_DETAILS}


def test_a_parent_without_children_lists_nothing(api):
    document = api.get("Companies/1/Contacts").json()

    assert document == {"items": [], "pageDetails": {"count": 0, **EMPTY_DETAILS}}


def test_every_readable_parent_link_lists_its_children(api, shared_sandbox):
    catalogue = load_catalogue()
    document = json.loads(ENTITIES_PATH.read_text())

    listed = unlinked = 0
    for raw in document["entities"]:
        entity = catalogue.entity(raw["name"])
        for raw_link, link in zip(raw["parents"], entity.parents, strict=True):
            if not (raw_link["operations"]["get"] and raw["operations"]["query"]):
                continue
            if link.field is None:
                unlinked += 1
                continue
            rows = list(shared_sandbox.tenant.rows(entity.name))
            parent_id = rows[0][link.field]
            expected = [r["id"] for r in rows if r[link.field] == parent_id]

            items = api.get(
                f"{raw_link['parent']}/{parent_id}/{raw_link['segment']}"
            ).json()["items"]

            assert [i["id"] for i in items] == expected, entity.name
            assert expected, entity.name
            listed += 1

    assert (listed, unlinked) == (124, 5)


def test_one_child_is_read_through_its_parent_only(api, shared_sandbox):
    note = next(shared_sandbox.tenant.rows("TicketNotes"))

    found = api.get(f"Tickets/{note['ticketID']}/Notes/{note['id']}")
    elsewhere = api.get(f"Tickets/{note['ticketID'] + 1}/Notes/{note['id']}")

    assert found.json() == {"item": note}
    assert elsewhere.json() == {"item": None}


def test_child_metadata_is_the_child_entitys(api):
    child = api.get("Companies/5/Contacts/entityInformation/fields")

    assert child.status_code == 200
    assert child.json() == api.get("Contacts/entityInformation/fields").json()


def test_child_lists_take_no_writes_and_unknown_children_are_404(api):
    posted = api.post("Companies/5/Contacts", json={"filter": []})
    unknown = api.get("Companies/5/Widgets")
    create_only = api.get("Tickets/5/ChecklistLibraries")

    assert posted.status_code == 405
    assert posted.json() == {
        "Message": "The requested resource does not support http method 'POST'."
    }
    assert unknown.status_code == 404
    assert create_only.status_code == 405


def test_child_requests_count_against_the_parent_endpoint(fresh_sandbox):
    note = next(fresh_sandbox.tenant.rows("TicketNotes"))
    with api_client(fresh_sandbox) as client:
        client.get(f"Tickets/{note['ticketID']}/Notes")

    stats = fresh_sandbox.stats()
    assert stats["requests"] == {"tickets": 1}
    assert stats["requests_by_route"] == {"GET tickets/{id}/notes": 1}
