"""Column types, picklists and UDF columns from `entityInformation/fields`.

Autotask describes every entity's fields at runtime, so tables are typed from
that metadata before the first row arrives, empty tables included. The map
from Autotask `dataType` to dlt type is fixed on purpose: changing a hinted
type on an existing column breaks later loads, so a new mapping needs a
migration, not an edit.

UDF values always arrive as strings in a `userDefinedFields` list of
`{name, value}`; they are pivoted into one typed `udf_<name>` column each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.common.schema.typing import TColumnSchema, TTableSchemaColumns

# Autotask money and hours carry four decimal places.
DECIMAL_HINT: TColumnSchema = {"data_type": "decimal", "precision": 19, "scale": 4}

FIELD_TYPES: dict[str, TColumnSchema] = {
    "integer": {"data_type": "bigint"},
    "long": {"data_type": "bigint"},
    "short": {"data_type": "bigint"},
    "string": {"data_type": "text"},
    "decimal": DECIMAL_HINT,
    "double": {"data_type": "double"},
    "boolean": {"data_type": "bool"},
    "datetime": {"data_type": "timestamp", "timezone": True},
    "date": {"data_type": "timestamp", "timezone": True},
}

# UDF `type` strings seen in real tenants; list UDFs hold the item's value.
UDF_TYPES: dict[str, TColumnSchema] = {
    "string": {"data_type": "text"},
    "list": {"data_type": "text"},
    "number": {"data_type": "double"},
    "double": {"data_type": "double"},
    "decimal": DECIMAL_HINT,
    "integer": {"data_type": "bigint"},
    "datetime": {"data_type": "timestamp", "timezone": True},
    "date": {"data_type": "timestamp", "timezone": True},
    "boolean": {"data_type": "bool"},
}

UDF_LIST_KEY = "userDefinedFields"
UDF_PREFIX = "udf_"

_naming = NamingConvention()


@dataclass(frozen=True)
class UdfColumn:
    """Where one UDF lands and how its string value is converted."""

    name: str
    column: str
    udf_type: str


@dataclass(frozen=True)
class EntitySchema:
    """An entity's column hints, and where each UDF lands."""

    entity: str
    columns: TTableSchemaColumns
    datetime_fields: tuple[str, ...]
    udfs: dict[str, UdfColumn]


def parse_datetime(value: str) -> datetime:
    """Parse Autotask's UTC stamps, whose fractional seconds vary in length."""
    return datetime.fromisoformat(value)


def convert_udf_value(value: str | None, udf_type: str) -> Any:
    """Turn a UDF's string value into its declared type; bad values become None.

    A UDF value Autotask itself stored badly must not fail the whole load, so
    an unparseable value lands as NULL rather than as a variant column.
    """
    if value is None or value == "":
        return None
    kind = udf_type.lower()
    try:
        if kind in ("number", "double"):
            return float(value)
        if kind == "decimal":
            return Decimal(value)
        if kind == "integer":
            return int(value)
        if kind in ("datetime", "date"):
            return parse_datetime(value)
        if kind == "boolean":
            return value.strip().lower() in ("true", "1", "yes")
    except (ValueError, InvalidOperation):
        return None
    return value


def udf_column_name(udf_name: str, taken: set[str]) -> str:
    """A stable `udf_*` column for a UDF label, unique within the table."""
    base = UDF_PREFIX + _naming.normalize_identifier(udf_name)
    column, suffix = base, 2
    while column in taken:
        column = f"{base}_{suffix}"
        suffix += 1
    return column


def entity_schema(
    entity: str, fields: list[dict[str, Any]], udfs: list[dict[str, Any]]
) -> EntitySchema:
    """Build column hints from field and UDF metadata as the API returns it."""
    columns: TTableSchemaColumns = {}
    datetime_fields = []
    for meta in fields:
        name = meta["name"]
        hint = dict(FIELD_TYPES.get(str(meta.get("dataType", "")).lower(), {}))
        if not hint:
            continue
        hint["name"] = name
        hint["nullable"] = name != "id"
        if name == "id":
            hint["primary_key"] = True
        columns[name] = hint
        if hint["data_type"] == "timestamp":
            datetime_fields.append(name)

    taken = {_naming.normalize_identifier(name) for name in columns}
    udf_columns: dict[str, UdfColumn] = {}
    for meta in udfs:
        udf_type = str(meta.get("type") or "string").lower()
        column = udf_column_name(meta["name"], taken)
        taken.add(column)
        udf_columns[meta["name"]] = UdfColumn(meta["name"], column, udf_type)
        columns[column] = {
            "name": column,
            "nullable": True,
            **UDF_TYPES.get(udf_type, {"data_type": "text"}),
        }

    return EntitySchema(entity, columns, tuple(datetime_fields), udf_columns)


PICKLIST_COLUMNS: TTableSchemaColumns = {
    "entity": {"data_type": "text", "nullable": False},
    "field": {"data_type": "text", "nullable": False},
    "is_udf": {"data_type": "bool"},
    "value": {"data_type": "text", "nullable": False},
    "label": {"data_type": "text"},
    "is_active": {"data_type": "bool"},
    "is_default": {"data_type": "bool"},
    "is_system": {"data_type": "bool"},
    "sort_order": {"data_type": "bigint"},
    "parent_value": {"data_type": "text"},
    "parent_field": {"data_type": "text"},
}

FIELD_COLUMNS: TTableSchemaColumns = {
    "entity": {"data_type": "text", "nullable": False},
    "field": {"data_type": "text", "nullable": False},
    "is_udf": {"data_type": "bool"},
    "label": {"data_type": "text"},
    "data_type": {"data_type": "text"},
    "length": {"data_type": "bigint"},
    "is_required": {"data_type": "bool"},
    "is_read_only": {"data_type": "bool"},
    "is_queryable": {"data_type": "bool"},
    "is_reference": {"data_type": "bool"},
    "reference_entity_type": {"data_type": "text"},
    "is_pick_list": {"data_type": "bool"},
}


def picklist_rows(
    entity: str, fields: Iterable[dict[str, Any]], udfs: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per picklist value of the entity's fields and list UDFs."""
    rows = []
    for meta, is_udf in [(f, False) for f in fields] + [(u, True) for u in udfs]:
        if not meta.get("isPickList"):
            continue
        for value in meta.get("picklistValues") or ():
            rows.append(
                {
                    "entity": entity,
                    "field": meta["name"],
                    "is_udf": is_udf,
                    "value": str(value.get("value")),
                    "label": value.get("label"),
                    "is_active": value.get("isActive"),
                    "is_default": value.get("isDefaultValue"),
                    "is_system": value.get("isSystem"),
                    "sort_order": value.get("sortOrder"),
                    "parent_value": value.get("parentValue") or None,
                    "parent_field": meta.get("picklistParentValueField") or None,
                }
            )
    return rows


def field_rows(
    entity: str, fields: Iterable[dict[str, Any]], udfs: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The entity's field metadata, for analysts who need to read it in SQL."""
    rows = []
    for meta, is_udf in [(f, False) for f in fields] + [(u, True) for u in udfs]:
        rows.append(
            {
                "entity": entity,
                "field": meta["name"],
                "is_udf": is_udf,
                "label": meta.get("label"),
                "data_type": meta.get("type") if is_udf else meta.get("dataType"),
                "length": meta.get("length"),
                "is_required": meta.get("isRequired"),
                "is_read_only": meta.get("isReadOnly"),
                "is_queryable": meta.get("isQueryable"),
                "is_reference": meta.get("isReference"),
                "reference_entity_type": meta.get("referenceEntityType") or None,
                "is_pick_list": meta.get("isPickList"),
            }
        )
    return rows
