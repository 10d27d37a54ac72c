"""The filter model: parsing, refusals, validation, splitting, serialisation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from sources.autotask.exceptions import QueryError, UnknownFieldError
from sources.autotask.query import (
    Condition,
    Group,
    all_of,
    any_of,
    between,
    check_or_limits,
    iter_conditions,
    parse_filter,
    query_body,
    split_in_lists,
    to_json,
    validate,
)

VALID = (
    "eq, noteq, gt, gte, lt, lte, beginsWith, endsWith, contains, exist, "
    "notExist, in, notIn, and, or"
)

TICKET_FIELDS = [
    {"name": "id", "isQueryable": True},
    {"name": "status", "isQueryable": True},
    {"name": "title", "isQueryable": True},
    {"name": "companyID", "isQueryable": True},
    {"name": "lastActivityDate", "isQueryable": True},
    {"name": "creatorType", "isQueryable": False},
]
TICKET_UDFS = [
    {"name": "CustomerRanking", "isQueryable": True},
    {"name": "Region", "isQueryable": True},
    {"name": "Hidden Notes", "isQueryable": False},
]


# Parsing user JSON.


def test_parse_reads_autotask_shape_with_nested_groups():
    parsed = parse_filter(
        [
            {"op": "eq", "field": "status", "value": 5},
            {
                "op": "or",
                "items": [
                    {"op": "in", "field": "companyID", "value": [1, 2]},
                    {"op": "exist", "field": "title"},
                ],
            },
        ]
    )

    assert parsed == [
        Condition("status", "eq", 5),
        Group(
            "or",
            [Condition("companyID", "in", [1, 2]), Condition("title", "exist")],
        ),
    ]


def test_parse_accepts_a_single_item_and_a_whole_query_body():
    single = parse_filter({"op": "gt", "field": "id", "value": 10})
    body = parse_filter({"Filter": [{"op": "gt", "field": "id", "value": 10}]})

    assert single == [Condition("id", "gt", 10)]
    assert body == [Condition("id", "gt", 10)]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("EQ", "eq"),
        ("NotEq", "noteq"),
        ("ne", "noteq"),
        ("neq", "noteq"),
        ("notEqual", "noteq"),
        ("startsWith", "beginsWith"),
        ("BEGINSWITH", "beginsWith"),
        ("endswith", "endsWith"),
        ("Contains", "contains"),
    ],
)
def test_operator_names_are_case_insensitive_and_misspellings_translated(
    given, expected
):
    parsed = parse_filter({"op": given, "field": "title", "value": "x"})

    assert parsed == [Condition("title", expected, "x")]


def test_is_null_and_is_not_null_become_not_exist_and_exist():
    parsed = parse_filter(
        [{"op": "isNull", "field": "title"}, {"op": "IsNotNull", "field": "status"}]
    )

    assert parsed == [Condition("title", "notExist"), Condition("status", "exist")]


def test_between_becomes_an_and_of_gte_and_lte():
    parsed = parse_filter({"op": "between", "field": "id", "value": [10, 20]})

    assert parsed == [
        Group("and", [Condition("id", "gte", 10), Condition("id", "lte", 20)])
    ]
    assert parsed == [between("id", 10, 20)]


def test_unknown_operator_is_refused_naming_it_and_listing_valid_ones():
    with pytest.raises(QueryError) as caught:
        parse_filter({"op": "like", "field": "title", "value": "x"})

    assert str(caught.value) == (
        "Unknown filter operator 'like' on field 'title'. Autotask silently "
        "ignores operators it does not know and would return unfiltered rows. "
        f"Valid operators: {VALID}."
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"op": "eq", "field": "pageNumber", "value": 2},
            "'pageNumber' cannot be filtered on. Autotask has no page numbers: "
            "results come 500 at a time in id order, and this source pages by "
            "id itself.",
        ),
        (
            {"op": "eq", "field": "id", "value": 2, "pageNumber": 2},
            "'pageNumber' is not a filter key. Autotask has no page numbers: "
            "results come 500 at a time in id order, and this source pages by "
            "id itself.",
        ),
        (
            {"filter": [{"op": "exist", "field": "id"}], "PageNumber": 3},
            "'pageNumber' is not a query key. Autotask has no page numbers: "
            "results come 500 at a time in id order, and this source pages by "
            "id itself.",
        ),
        (
            {"op": "gt", "field": "id"},
            "Operator 'gt' on field 'id' needs a value.",
        ),
        (
            {"op": "exist", "field": "id", "value": 1},
            "Operator 'exist' on field 'id' takes no value (got 1).",
        ),
        (
            {"op": "in", "field": "id", "value": 5},
            "Operator 'in' on field 'id' needs a non-empty list of values, got 5.",
        ),
        (
            {"op": "notIn", "field": "id", "value": []},
            "Operator 'notIn' on field 'id' needs a non-empty list of values, got [].",
        ),
        ({"op": "or", "items": []}, "An 'or' group needs a non-empty list in 'items'."),
        ({"op": "AND"}, "An 'and' group needs a non-empty list in 'items'."),
        (
            {"op": "between", "field": "id", "value": [1]},
            "'between' on field 'id' needs a value of two items [low, high], got [1].",
        ),
        (
            {"operator": "eq", "field": "id", "value": 1},
            "Unknown filter key 'operator'. Filter items take: op, field, value, "
            "udf, items.",
        ),
        (
            {"field": "id", "value": 1},
            "The filter item {'field': 'id', 'value': 1} has no 'op'.",
        ),
        ([], "The filter is empty: give at least one condition."),
        (
            "status eq 5",
            "A filter must be a JSON object or a list of objects, got 'status eq 5'.",
        ),
        (
            {
                "op": "eq",
                "field": "id",
                "value": 1,
                "items": [{"op": "exist", "field": "id"}],
            },
            "Only 'and' and 'or' groups take 'items'; 'eq' on field 'id' does not.",
        ),
    ],
)
def test_malformed_filters_are_refused_with_a_clear_message(raw, message):
    with pytest.raises(QueryError) as caught:
        parse_filter(raw)

    assert str(caught.value) == message


def test_constructors_hold_only_real_operators():
    with pytest.raises(QueryError) as caught:
        Group("xor", [Condition("id", "exist")])

    assert str(caught.value) == (
        "Unknown filter operator 'xor'. Autotask silently ignores operators it "
        f"does not know and would return unfiltered rows. Valid operators: {VALID}."
    )
    assert all_of(Condition("id", "exist")).op == "and"
    assert any_of(Condition("id", "exist")).op == "or"


# Validation against metadata.


def test_validate_rewrites_field_names_to_the_metadata_spelling():
    checked = validate(
        parse_filter(
            [
                {"op": "eq", "field": "STATUS", "value": 5},
                {"op": "or", "items": [{"op": "gt", "field": "companyid", "value": 1}]},
                {"op": "eq", "field": "customerranking", "value": "Gold", "udf": True},
            ]
        ),
        TICKET_FIELDS,
        TICKET_UDFS,
        entity="Tickets",
    )

    assert to_json(checked) == [
        {"op": "eq", "field": "status", "value": 5},
        {"op": "or", "items": [{"op": "gt", "field": "companyID", "value": 1}]},
        {"op": "eq", "field": "CustomerRanking", "value": "Gold", "udf": True},
    ]


def test_unknown_field_lists_close_matches():
    with pytest.raises(UnknownFieldError) as caught:
        validate(
            [Condition("stauts", "eq", 1)], TICKET_FIELDS, TICKET_UDFS, entity="Tickets"
        )

    assert (
        str(caught.value) == "Unknown field 'stauts' on Tickets. Did you mean: status?"
    )
    assert caught.value.close_matches == ["status"]
    assert caught.value.field == "stauts"


def test_unknown_field_without_close_matches_points_at_the_metadata():
    with pytest.raises(UnknownFieldError) as caught:
        validate([Condition("zzz", "exist")], TICKET_FIELDS, TICKET_UDFS)

    assert str(caught.value) == (
        "Unknown field 'zzz'. Check the names in entityInformation/fields."
    )


def test_non_queryable_field_is_refused_by_name():
    with pytest.raises(QueryError) as caught:
        validate(
            [Condition("CREATORTYPE", "eq", 1)], TICKET_FIELDS, [], entity="Tickets"
        )

    assert str(caught.value) == (
        "The field 'creatorType' of Tickets cannot be used in a filter: Autotask "
        "marks it not queryable."
    )


def test_udf_name_without_udf_flag_says_to_set_it():
    with pytest.raises(QueryError) as caught:
        validate(
            [Condition("Region", "eq", "EU")],
            TICKET_FIELDS,
            TICKET_UDFS,
            entity="Tickets",
        )

    assert str(caught.value) == (
        "'Region' is a user-defined field of Tickets; set \"udf\": true on its "
        "condition."
    )
    assert not isinstance(caught.value, UnknownFieldError)


def test_udf_flag_on_an_unknown_udf_is_an_unknown_field_with_close_matches():
    with pytest.raises(UnknownFieldError) as caught:
        validate(
            [Condition("Regoin", "eq", "EU", udf=True)],
            TICKET_FIELDS,
            TICKET_UDFS,
            entity="Tickets",
        )

    assert str(caught.value) == (
        "Unknown user-defined field 'Regoin' on Tickets. Did you mean: Region?"
    )


def test_udf_flag_on_a_standard_field_says_to_remove_it():
    with pytest.raises(QueryError) as caught:
        validate([Condition("title", "eq", "x", udf=True)], TICKET_FIELDS, TICKET_UDFS)

    assert str(caught.value) == (
        "'title' is a standard field of the entity, not a user-defined one; "
        'remove "udf": true from its condition.'
    )


def test_non_queryable_udf_is_refused():
    with pytest.raises(QueryError) as caught:
        validate(
            [Condition("hidden notes", "exist", udf=True)], TICKET_FIELDS, TICKET_UDFS
        )

    assert str(caught.value) == (
        "The user-defined field 'Hidden Notes' of the entity cannot be used in a "
        "filter: Autotask marks it not queryable."
    )


def test_more_than_one_udf_condition_is_refused():
    filter = [
        Condition("CustomerRanking", "eq", "Gold", udf=True),
        any_of(Condition("Region", "eq", "EU", udf=True), Condition("id", "gt", 1)),
    ]

    with pytest.raises(QueryError) as caught:
        validate(filter, TICKET_FIELDS, TICKET_UDFS)

    assert str(caught.value) == (
        "This filter has 2 user-defined field conditions (CustomerRanking, Region); "
        "Autotask allows one UDF condition per query."
    )


# Splitting `in` lists.


def test_oversize_top_level_in_splits_into_filters_whose_union_is_the_original():
    ids = list(range(1, 1202))
    status = Condition("status", "eq", 5)

    filters = split_in_lists([status, Condition("id", "in", ids)], limit=500)

    assert [len(f[1].value) for f in filters] == [500, 500, 201]
    assert all(f[0] == status for f in filters)
    assert [v for f in filters for v in f[1].value] == ids


def test_two_oversize_in_lists_give_every_combination_of_chunks():
    filters = split_in_lists(
        [Condition("id", "in", list(range(7))), Condition("status", "in", [1, 2, 3])],
        limit=3,
    )

    assert len(filters) == 3 * 1
    combos = {(tuple(f[0].value), tuple(f[1].value)) for f in filters}
    assert combos == {
        ((0, 1, 2), (1, 2, 3)),
        ((3, 4, 5), (1, 2, 3)),
        ((6,), (1, 2, 3)),
    }


def test_a_filter_within_the_limit_is_returned_unchanged():
    filter = [Condition("id", "in", list(range(500)))]

    assert split_in_lists(filter) == [filter]


def test_oversize_not_in_cannot_be_split():
    with pytest.raises(QueryError) as caught:
        split_in_lists([Condition("id", "notIn", list(range(501)))])

    assert str(caught.value) == (
        "The 'notIn' list on field 'id' has 501 values; Autotask allows 500 OR "
        "conditions per query: narrow it; a notIn list cannot be split into "
        "several queries."
    )


def test_oversize_in_inside_a_group_cannot_be_split():
    nested = any_of(Condition("id", "in", list(range(501))), Condition("id", "eq", 0))

    with pytest.raises(QueryError) as caught:
        split_in_lists([nested])

    assert str(caught.value) == (
        "The 'in' list on field 'id' has 501 values; Autotask allows 500 OR "
        "conditions per query: a longer in list is split into several queries "
        "only at the top level of a filter, so move it out of its and/or group."
    )


def test_too_many_or_branches_in_total_are_refused():
    groups = [
        any_of(*[Condition("id", "eq", i) for i in range(300)]),
        all_of(any_of(*[Condition("id", "eq", i) for i in range(201)])),
    ]

    with pytest.raises(QueryError) as caught:
        check_or_limits(groups)

    assert str(caught.value) == (
        "The filter has 501 OR branches; Autotask allows 500 OR conditions per "
        "query. Use fewer branches or an 'in' list."
    )


# Serialisation.


def test_aware_datetimes_serialise_as_utc_with_milliseconds_and_z():
    cet = timezone(timedelta(hours=2))
    value = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=cet)

    assert to_json(Condition("lastActivityDate", "gte", value)) == [
        {"op": "gte", "field": "lastActivityDate", "value": "2024-05-01T10:00:00.123Z"}
    ]


def test_dates_serialise_as_midnight_unshifted():
    assert to_json([Condition("dateWorked", "eq", date(2024, 5, 1))]) == [
        {"op": "eq", "field": "dateWorked", "value": "2024-05-01T00:00:00"}
    ]


def test_naive_datetimes_are_refused():
    with pytest.raises(QueryError) as caught:
        to_json([Condition("lastActivityDate", "gte", datetime(2024, 5, 1, 10))])

    assert str(caught.value) == (
        "The datetime 2024-05-01T10:00:00 for field 'lastActivityDate' has no "
        "timezone; give a timezone-aware datetime (e.g. tzinfo=UTC), since "
        "Autotask reads every time as UTC."
    )


def test_plain_values_lists_and_udf_flag_serialise_as_is():
    filter = [
        Condition("isActive", "eq", True),
        Condition("id", "in", [1, 2, datetime(2024, 1, 1, tzinfo=UTC)]),
        Condition("Region", "beginsWith", "E", udf=True),
        Condition("hours", "gt", Decimal("2.50")),
        Condition("title", "notExist"),
    ]

    assert to_json(filter) == [
        {"op": "eq", "field": "isActive", "value": True},
        {"op": "in", "field": "id", "value": [1, 2, "2024-01-01T00:00:00.000Z"]},
        {"op": "beginsWith", "field": "Region", "value": "E", "udf": True},
        {"op": "gt", "field": "hours", "value": 2.5},
        {"op": "notExist", "field": "title"},
    ]


def test_query_body_has_filter_max_records_and_include_fields():
    body = query_body(
        [Condition("id", "gt", 7)], max_records=100, include_fields=["id"]
    )

    assert body == {
        "filter": [{"op": "gt", "field": "id", "value": 7}],
        "MaxRecords": 100,
        "IncludeFields": ["id"],
    }
    assert query_body(Condition("id", "exist")) == {
        "filter": [{"op": "exist", "field": "id"}],
        "MaxRecords": 500,
    }


@pytest.mark.parametrize(
    ("filter", "max_records", "message"),
    [
        (
            [],
            500,
            "Autotask requires a filter; to read every row use "
            '{"op": "exist", "field": "id"}.',
        ),
        (
            [Condition("id", "exist")],
            501,
            "MaxRecords must be between 1 and 500, got 501.",
        ),
        ([Condition("id", "exist")], 0, "MaxRecords must be between 1 and 500, got 0."),
    ],
)
def test_query_body_refuses_what_autotask_would(filter, max_records, message):
    with pytest.raises(QueryError) as caught:
        query_body(filter, max_records=max_records)

    assert str(caught.value) == message


def test_query_body_refuses_an_unsplit_oversize_in_list():
    with pytest.raises(QueryError):
        query_body([Condition("id", "in", list(range(501)))])


def test_iter_conditions_walks_groups_depth_first():
    filter = [
        Condition("a", "exist"),
        any_of(Condition("b", "exist"), all_of(Condition("c", "exist"))),
    ]

    assert [c.field for c in iter_conditions(filter)] == ["a", "b", "c"]
