"""Entity names, groups and sync modes, decided before any request."""

import pytest

from sources.autotask.catalogue import (
    CORE_ENTITIES,
    GROUPS,
    SyncMode,
    load_catalogue,
    queryable_entities,
    resolve_entities,
)
from sources.autotask.exceptions import UnknownEntityError


def test_the_catalogue_holds_every_entity_of_the_spec():
    assert len(load_catalogue()) == 225
    assert len(queryable_entities()) == 218


@pytest.mark.parametrize(
    ("entity", "mode", "cursor"),
    [
        ("Tickets", SyncMode.INCREMENTAL, "lastActivityDate"),
        ("Companies", SyncMode.INCREMENTAL, "lastActivityDate"),
        ("TicketNotes", SyncMode.INCREMENTAL, "lastActivityDate"),
        ("Contacts", SyncMode.INCREMENTAL, "lastModifiedDate"),
        ("Projects", SyncMode.INCREMENTAL, "lastActivityDateTime"),
        ("Tasks", SyncMode.INCREMENTAL, "lastActivityDateTime"),
        ("TimeEntries", SyncMode.INCREMENTAL, "lastModifiedDateTime"),
        ("ConfigurationItems", SyncMode.INCREMENTAL, "lastModifiedTime"),
        ("Resources", SyncMode.FULL, None),
        ("Contracts", SyncMode.FULL, None),
        ("DeletedTicketLogs", SyncMode.APPEND, "deletedDateTime"),
        ("TicketAttachments", SyncMode.APPEND, "attachDate"),
        ("ArticleTagAssociations", SyncMode.APPEND, "createDateTime"),
        ("TicketCharges", SyncMode.FULL, None),
        ("UserDefinedFieldDefinitions", SyncMode.FULL, None),
        ("Opportunities", SyncMode.INCREMENTAL, "lastActivity"),
        ("TicketHistory", SyncMode.PER_PARENT, None),
    ],
)
def test_each_entity_follows_the_stamp_autotask_documents(entity, mode, cursor):
    spec = load_catalogue()[entity]

    assert (spec.mode, spec.cursor) == (mode, cursor)


def test_names_are_case_insensitive_and_tombstones_come_along():
    names = [spec.name for spec in resolve_entities(["tickets", " TIMEENTRIES "])]

    assert names == ["DeletedTicketLogs", "Tickets", "TimeEntries"]


def test_the_core_group_is_the_default_set():
    names = [spec.name for spec in resolve_entities(["core"])]

    assert names == sorted(CORE_ENTITIES)


def test_all_means_every_queryable_entity():
    assert len(resolve_entities(["all"])) == 218


def test_an_unknown_name_fails_with_the_closest_names():
    with pytest.raises(UnknownEntityError) as raised:
        resolve_entities(["Tickets", "TicketNote"])

    assert str(raised.value) == (
        "Unknown Autotask entity 'TicketNote'. Did you mean: TicketNotes, "
        "ArticleNotes, TicketNoteWebhooks, Tickets, TicketNoteAttachments?"
    )


def test_a_create_only_entity_is_not_offered_for_sync():
    with pytest.raises(UnknownEntityError):
        resolve_entities(["ContractServiceAdjustments"])


def test_rows_that_can_change_are_never_treated_as_append_only():
    spec = load_catalogue()["TicketCharges"]

    assert spec.reason == (
        "rows can change but carry only a creation stamp: re-read whole"
    )


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_group_names_only_queryable_entities(group):
    names = [spec.name for spec in resolve_entities([group])]

    assert set(GROUPS[group]) <= set(names)
    assert all(load_catalogue()[name].queryable for name in names)


def test_ticket_history_brings_its_parent_along():
    names = [spec.name for spec in resolve_entities(["TicketHistory"])]

    assert names == ["DeletedTicketLogs", "TicketHistory", "Tickets"]


def test_an_entity_spelled_exactly_wins_over_the_group_of_the_same_name():
    assert [s.name for s in resolve_entities(["Projects"])] == ["Projects"]
    assert [s.name for s in resolve_entities(["Contracts"])] == ["Contracts"]
    assert len(resolve_entities(["projects"])) == len(GROUPS["projects"])
    assert len(resolve_entities(["contracts"])) == len(GROUPS["contracts"])
