"""Autotask's wire formats: trimmed UTC datetimes, four-place decimals."""

from __future__ import annotations

import json

import pytest

from sandbox.spec import FieldSpec
from sandbox.wire import RowCodec, format_datetime, parse_datetime

STAMP = 1_670_404_545_000  # 2022-12-07T09:15:45Z


@pytest.mark.parametrize(
    ("millis", "text"),
    [
        (0, "2022-12-07T09:15:45Z"),
        (200, "2022-12-07T09:15:45.2Z"),
        (270, "2022-12-07T09:15:45.27Z"),
        (407, "2022-12-07T09:15:45.407Z"),
    ],
)
def test_datetimes_trim_trailing_zeros_of_the_fraction(millis, text):
    assert format_datetime(STAMP + millis) == text


@pytest.mark.parametrize(
    "text",
    [
        "2022-12-07T09:15:45Z",
        "2022-12-07T09:15:45",
        "2022-12-07T09:15:45.000Z",
        "2022-12-07T09:15:45.0000000",
        "2022-12-07T10:15:45+01:00",
        "2022-12-07 09:15:45",
    ],
)
def test_filter_datetimes_parse_as_utc_with_or_without_z(text):
    assert parse_datetime(text) == STAMP


def test_date_only_and_fractional_filter_values():
    assert parse_datetime("2022-12-07") == STAMP - (9 * 3600 + 15 * 60 + 45) * 1000
    assert parse_datetime("2022-12-07T09:15:45.2071234Z") == STAMP + 207


def test_unparseable_datetime_raises():
    with pytest.raises(ValueError, match="not a datetime: 'soon'"):
        parse_datetime("soon")


def test_rows_print_decimals_with_four_places_and_keep_key_order():
    codec = RowCodec(
        [
            FieldSpec("id", "long"),
            FieldSpec("estimatedHours", "decimal"),
            FieldSpec("title", "string"),
            FieldSpec("isActive", "boolean"),
            FieldSpec("createDate", "datetime"),
            FieldSpec("contactID", "integer"),
        ],
        ["Ranking"],
    )
    row = {
        "id": 7,
        "estimatedHours": 3.5,
        "title": 'A "quoted" café',
        "isActive": False,
        "createDate": STAMP + 200,
        "contactID": None,
        "userDefinedFields": ("Gold",),
    }

    text = codec.json(row)

    assert text == (
        '{"id":7,"estimatedHours":3.5000,"title":"A \\"quoted\\" café",'
        '"isActive":false,"createDate":"2022-12-07T09:15:45.2Z","contactID":null,'
        '"userDefinedFields":[{"name":"Ranking","value":"Gold"}]}'
    )
    assert json.loads(text) == codec.plain(row)
