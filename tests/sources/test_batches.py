"""Pages become typed Arrow tables that match the field metadata."""

from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa

from sources.autotask.batches import largest_timestamp, page_to_table
from sources.autotask.schema import entity_schema

FIELDS = [
    {"name": "id", "dataType": "long"},
    {"name": "title", "dataType": "string"},
    {"name": "estimatedHours", "dataType": "decimal"},
    {"name": "isVisible", "dataType": "boolean"},
    {"name": "lastActivityDate", "dataType": "datetime"},
]
UDFS = [
    {"name": "Customer Ranking", "type": "list"},
    {"name": "Hours Budget", "type": "number"},
    {"name": "Renewal Date", "type": "datetime"},
]
SCHEMA = entity_schema("Tickets", FIELDS, UDFS)


def test_a_page_becomes_a_table_typed_by_metadata_with_udf_columns():
    table = page_to_table(
        SCHEMA,
        [
            {
                "id": 7,
                "title": "Printer on fire",
                "estimatedHours": 3.5,
                "isVisible": True,
                "lastActivityDate": "2022-12-07T09:15:45.2Z",
                "userDefinedFields": [
                    {"name": "Customer Ranking", "value": "Golden"},
                    {"name": "Hours Budget", "value": "12.5"},
                    {"name": "Renewal Date", "value": "2025-03-01T00:00:00Z"},
                ],
            },
            {
                "id": 9,
                "title": None,
                "estimatedHours": None,
                "isVisible": False,
                "lastActivityDate": None,
            },
        ],
    )

    assert table.schema == pa.schema(
        [
            pa.field("id", pa.int64(), nullable=False),
            ("title", pa.string()),
            ("estimatedHours", pa.decimal128(19, 4)),
            ("isVisible", pa.bool_()),
            ("lastActivityDate", pa.timestamp("us", tz="UTC")),
            ("udf_customer_ranking", pa.string()),
            ("udf_hours_budget", pa.float64()),
            ("udf_renewal_date", pa.timestamp("us", tz="UTC")),
        ]
    )
    assert table.to_pylist()[0] == {
        "id": 7,
        "title": "Printer on fire",
        "estimatedHours": Decimal("3.5000"),
        "isVisible": True,
        "lastActivityDate": datetime(2022, 12, 7, 9, 15, 45, 200000, tzinfo=UTC),
        "udf_customer_ranking": "Golden",
        "udf_hours_budget": 12.5,
        "udf_renewal_date": datetime(2025, 3, 1, tzinfo=UTC),
    }
    assert table.to_pylist()[1]["lastActivityDate"] is None


def test_a_value_that_does_not_fit_its_type_keeps_the_page_as_text():
    table = page_to_table(SCHEMA, [{"id": 1, "isVisible": "sometimes"}])

    assert table.schema.field("isVisible").type == pa.string()
    assert table.column("isVisible").to_pylist() == ["sometimes"]


def test_the_largest_stamp_of_a_page_is_a_utc_datetime():
    table = page_to_table(
        SCHEMA,
        [
            {"id": 1, "lastActivityDate": "2024-01-02T23:30:00.123Z"},
            {"id": 2, "lastActivityDate": "2024-01-02T23:30:00Z"},
            {"id": 3, "lastActivityDate": None},
        ],
    )

    assert largest_timestamp(table, "lastActivityDate") == datetime(
        2024, 1, 2, 23, 30, 0, 123000, tzinfo=UTC
    )
