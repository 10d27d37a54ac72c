"""Field metadata to typed columns, UDF pivoting and picklist rows."""

from datetime import UTC, datetime
from decimal import Decimal

from sources.autotask.schema import (
    convert_udf_value,
    entity_schema,
    picklist_rows,
    udf_column_name,
)

FIELDS = [
    {"name": "id", "dataType": "long"},
    {
        "name": "status",
        "dataType": "integer",
        "isPickList": True,
        "picklistValues": [
            {
                "value": "1",
                "label": "New",
                "isActive": True,
                "isDefaultValue": True,
                "isSystem": True,
                "sortOrder": 1,
                "parentValue": "",
            },
            {
                "value": "5",
                "label": "Complete",
                "isActive": True,
                "isDefaultValue": False,
                "isSystem": True,
                "sortOrder": 2,
                "parentValue": "",
            },
        ],
    },
    {
        "name": "subIssueType",
        "dataType": "integer",
        "isPickList": True,
        "picklistParentValueField": "IssueType",
        "picklistValues": [
            {
                "value": "31",
                "label": "Printer",
                "isActive": False,
                "isDefaultValue": False,
                "isSystem": False,
                "sortOrder": 1,
                "parentValue": "3",
            },
        ],
    },
    {"name": "title", "dataType": "string"},
    {"name": "estimatedHours", "dataType": "decimal"},
    {"name": "isVisible", "dataType": "boolean"},
    {"name": "lastActivityDate", "dataType": "datetime"},
    {"name": "mystery", "dataType": "hologram"},
]
UDFS = [
    {
        "name": "Customer Ranking",
        "type": "list",
        "isPickList": True,
        "picklistValues": [{"value": "Golden", "label": "Golden", "isActive": True}],
    },
    {"name": "Renewal Date", "type": "datetime"},
    {"name": "Hours Budget", "type": "number"},
    {"name": "Is VIP", "type": "boolean"},
]


def test_columns_take_their_types_from_field_metadata():
    columns = entity_schema("Tickets", FIELDS, UDFS).columns

    assert {name: c["data_type"] for name, c in columns.items()} == {
        "id": "bigint",
        "status": "bigint",
        "subIssueType": "bigint",
        "title": "text",
        "estimatedHours": "decimal",
        "isVisible": "bool",
        "lastActivityDate": "timestamp",
        "udf_customer_ranking": "text",
        "udf_renewal_date": "timestamp",
        "udf_hours_budget": "double",
        "udf_is_vip": "bool",
    }
    assert columns["id"]["primary_key"] is True
    assert columns["id"]["nullable"] is False
    assert (
        columns["estimatedHours"]["precision"],
        columns["estimatedHours"]["scale"],
    ) == (19, 4)


def test_udf_values_convert_by_declared_type_and_bad_values_become_null():
    assert convert_udf_value("2024-03-01T00:00:00Z", "datetime") == datetime(
        2024, 3, 1, tzinfo=UTC
    )
    assert convert_udf_value("true", "boolean") is True
    assert convert_udf_value("0", "boolean") is False
    assert convert_udf_value("12.3400", "decimal") == Decimal("12.3400")
    assert convert_udf_value("not a number", "number") is None
    assert convert_udf_value("", "string") is None


def test_udf_columns_stay_unique_when_labels_collide():
    taken = {"udf_renewal_date"}

    assert udf_column_name("Renewal Date", taken) == "udf_renewal_date_2"
    assert (
        udf_column_name("UDF: Contract (Custom)", set()) == "udf_udf_contract_customx"
    )


def test_picklist_rows_carry_labels_activity_and_parent_values():
    rows = picklist_rows("Tickets", FIELDS, UDFS)

    assert [(r["field"], r["value"], r["label"]) for r in rows] == [
        ("status", "1", "New"),
        ("status", "5", "Complete"),
        ("subIssueType", "31", "Printer"),
        ("Customer Ranking", "Golden", "Golden"),
    ]
    printer = rows[2]
    assert (printer["is_active"], printer["parent_value"], printer["parent_field"]) == (
        False,
        "3",
        "IssueType",
    )
    assert rows[3]["is_udf"] is True
