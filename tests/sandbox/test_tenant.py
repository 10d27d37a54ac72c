"""The seeded tenant: counts, ids, references, stamps, determinism, mutation."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sandbox.spec import load_catalogue
from sandbox.tenant import MutationError, Tenant

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]
DIGEST_SCRIPT = """
import hashlib, json
from sandbox.tenant import Tenant
tenant = Tenant(seed=1, scale=400)
rows = [list(tenant.rows(e)) for e in ("Tickets", "Contacts", "TimeEntries")]
print(hashlib.sha256(json.dumps(rows).encode()).hexdigest())
"""


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture(scope="module")
def tenant() -> Tenant:
    return Tenant(seed=1, scale=1000)


def test_core_row_counts_follow_the_scale(tenant):
    core = {name: tenant.count(name) for name in (
        "Companies", "Contacts", "Resources", "Tickets", "TicketNotes",
        "TimeEntries", "Projects", "Tasks", "Contracts", "ConfigurationItems",
        "DeletedTicketLogs",
    )}  # fmt: skip

    assert core == {
        "Companies": 50,
        "Contacts": 200,
        "Resources": 50,
        "Tickets": 1000,
        "TicketNotes": 2000,
        "TimeEntries": 1500,
        "Projects": 20,
        "Tasks": 100,
        "Contracts": 50,
        "ConfigurationItems": 250,
        "DeletedTicketLogs": 5,
    }


def test_every_queryable_entity_has_rows(tenant):
    counts = tenant.counts()
    others = [
        n for name, n in counts.items() if name not in tenant.plans["Tickets"].spec.name
    ]

    assert len(counts) == len(load_catalogue().queryable()) == 218
    assert min(others) == 5
    assert sum(counts.values()) == 7871


def test_ids_ascend_with_small_gaps(tenant):
    ids = [r["id"] for r in tenant.rows("Tickets")]

    assert ids[0] == 32390001
    assert {b - a for a, b in zip(ids, ids[1:], strict=False)} == {2, 3, 4}


def test_same_seed_gives_the_same_rows_in_another_process():
    local = subprocess.run(
        [sys.executable, "-c", DIGEST_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=os.environ | {"PYTHONHASHSEED": "7"},
        check=True,
    ).stdout.strip()
    tenant = Tenant(seed=1, scale=400)
    rows = [list(tenant.rows(e)) for e in ("Tickets", "Contacts", "TimeEntries")]

    assert hashlib.sha256(json.dumps(rows).encode()).hexdigest() == local


def test_another_seed_gives_other_rows():
    first = list(Tenant(seed=1, scale=50).rows("Tickets"))
    second = list(Tenant(seed=2, scale=50).rows("Tickets"))

    assert len(first) == len(second) == 50
    assert sum(a["title"] == b["title"] for a, b in zip(first, second, strict=True)) < 5
    assert first[0]["id"] != second[0]["id"]


def test_references_point_at_existing_rows_of_the_same_company(tenant):
    companies = {r["id"] for r in tenant.rows("Companies")}
    contacts = {r["id"]: r["companyID"] for r in tenant.rows("Contacts")}
    contracts = {r["id"]: r["companyID"] for r in tenant.rows("Contracts")}
    tickets = list(tenant.rows("Tickets"))

    assert set(contacts.values()) <= companies
    assert all(r["companyID"] in companies for r in tickets)
    assert all(
        contacts[r["contactID"]] == r["companyID"] for r in tickets if r["contactID"]
    )
    assert all(
        contracts[r["contractID"]] == r["companyID"] for r in tickets if r["contractID"]
    )
    assert sum(1 for r in tickets if r["contactID"] is None) == 100


def test_time_entries_belong_to_a_ticket_or_a_task(tenant):
    tickets = {r["id"] for r in tenant.rows("Tickets")}
    tasks = {r["id"] for r in tenant.rows("Tasks")}
    entries = list(tenant.rows("TimeEntries"))

    on_tickets = [e for e in entries if e["ticketID"] is not None]
    assert all(e["ticketID"] in tickets and e["taskID"] is None for e in on_tickets)
    assert all(e["taskID"] in tasks for e in entries if e["ticketID"] is None)
    assert len(on_tickets) == 1116


def test_seeded_stamps_predate_the_anchor_and_follow_creation(tenant):
    tickets = list(tenant.rows("Tickets"))
    datetimes = [
        f.name for f in tenant.plan("Tickets").spec.fields if f.data_type == "datetime"
    ]

    assert all(when(r[f]) < ANCHOR for r in tickets for f in datetimes if r[f])
    assert all(
        when(r["lastActivityDate"]) >= when(r["createDate"])
        for r in tickets
        if r["lastActivityDate"]
    )
    nulls = [r["id"] for r in tickets if r["lastActivityDate"] is None]
    assert len(nulls) == 17
    assert nulls == [
        r["id"] for r in tickets if r["lastTrackedModificationDateTime"] is None
    ]


def test_seeded_tombstones_name_tickets_that_do_not_exist(tenant):
    tombstones = list(tenant.rows("DeletedTicketLogs"))
    ticket_ids = {r["id"] for r in tenant.rows("Tickets")}

    assert len(tombstones) == 5
    assert not {r["ticketID"] for r in tombstones} & ticket_ids


# -- mutation ------------------------------------------------------------


def test_create_update_delete_and_tombstones():
    tenant = Tenant(seed=1, scale=200)
    before = {r["id"]: r for r in tenant.rows("Tickets")}
    started = datetime.now(UTC).replace(microsecond=0)

    result = tenant.mutate({"entity": "tickets", "create": 3, "update": 4, "delete": 2})

    (outcome,) = result["results"]
    after = {r["id"]: r for r in tenant.rows("Tickets")}
    assert outcome["entity"] == "Tickets"
    assert [len(outcome[k]) for k in ("created", "updated", "deleted")] == [3, 4, 2]
    assert min(outcome["created"]) > max(before)
    assert sorted(after) == sorted(
        set(before) - set(outcome["deleted"]) | set(outcome["created"])
    )
    assert tenant.count("Tickets") == 201
    for row_id in outcome["updated"]:
        stamp = when(after[row_id]["lastActivityDate"])
        assert started <= stamp <= datetime.now(UTC)
        assert (
            after[row_id]["lastTrackedModificationDateTime"]
            == after[row_id]["lastActivityDate"]
        )
        changed = [k for k in before[row_id] if before[row_id][k] != after[row_id][k]]
        assert len(changed) == 4  # two fields plus the two change stamps
    for row_id in outcome["created"]:
        assert when(after[row_id]["createDate"]) >= started

    tombstones = list(tenant.rows("DeletedTicketLogs"))[5:]
    assert [t["ticketID"] for t in tombstones] == outcome["deleted"]
    assert [t["ticketTitle"] for t in tombstones] == [
        before[i]["title"] for i in outcome["deleted"]
    ]
    assert all(when(t["deletedDateTime"]) >= started for t in tombstones)


def test_mutation_choice_is_deterministic_for_a_seed():
    ops = [
        {"entity": "Contacts", "update": 5, "delete": 3},
        {"entity": "Companies", "update": 2},
    ]

    first = Tenant(seed=1, scale=200).mutate(ops)
    second = Tenant(seed=1, scale=200).mutate(ops)

    assert first == second


def test_explicit_ids_skip_rows_that_do_not_exist():
    tenant = Tenant(seed=1, scale=100)
    first, second = [r["id"] for r in tenant.rows("Tickets")][:2]

    result = tenant.mutate(
        {"entity": "Tickets", "update_ids": [first, 5], "delete_ids": [second]}
    )
    again = tenant.mutate({"entity": "Tickets", "delete_ids": [second]})

    assert result["results"][0]["updated"] == [first]
    assert result["results"][0]["deleted"] == [second]
    assert again["results"][0]["deleted"] == []
    assert tenant.get("Tickets", second) is None
    assert tenant.count("DeletedTicketLogs") == 6


def test_updates_and_deletes_beyond_the_live_rows_take_every_row():
    tenant = Tenant(seed=1, scale=100)

    result = tenant.mutate({"entity": "Resources", "delete": 60})

    assert len(result["results"][0]["deleted"]) == 50
    assert tenant.count("Resources") == 0
    assert list(tenant.rows("Resources")) == []


def test_bad_mutations_are_refused_whole():
    tenant = Tenant(seed=1, scale=100)

    with pytest.raises(MutationError, match="'Nope' is not a queryable entity"):
        tenant.mutate([{"entity": "Tickets", "create": 1}, {"entity": "Nope"}])
    with pytest.raises(MutationError, match="'update' must be a non-negative integer"):
        tenant.mutate({"entity": "Tickets", "update": -1})

    assert tenant.count("Tickets") == 100


def test_stamps_of_mutated_rows_are_newer_than_all_seeded_data():
    tenant = Tenant(seed=1, scale=100)
    seeded_max = max(r["lastActivityDate"] or "" for r in tenant.rows("Tickets"))

    tenant.mutate({"entity": "Tickets", "update": 1})
    time.sleep(0.002)

    newest = max(r["lastActivityDate"] or "" for r in tenant.rows("Tickets"))
    assert when(seeded_max) < ANCHOR < when(newest)
