"""Pages of Autotask records to typed Arrow tables.

A page becomes one `pyarrow.Table` whose columns carry the types the entity's
field metadata declares, so dlt writes it straight to parquet instead of
normalising 500 Python dicts row by row. Conversions are columnar where
Arrow can do them (ISO stamps to UTC timestamps, numbers to decimals); only
UDFs, which arrive as a list of `{name, value}` per record, are pivoted in
Python.

A value that does not fit its declared type (a tenant's data is older than
its metadata) does not fail the page: that column falls back to text for
this page, and dlt's schema evolution records it as a variant column.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .schema import UDF_LIST_KEY, EntitySchema, convert_udf_value

ARROW_TYPES: dict[str, pa.DataType] = {
    "bigint": pa.int64(),
    "text": pa.string(),
    "double": pa.float64(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def arrow_type(column: dict[str, Any]) -> pa.DataType:
    if column["data_type"] == "decimal":
        return pa.decimal128(column["precision"], column["scale"])
    return ARROW_TYPES[column["data_type"]]


def _typed_array(values: list[Any], target: pa.DataType) -> pa.Array:
    """Build one column; stamps and decimals go through Arrow's own casts."""
    if pa.types.is_timestamp(target):
        return pa.array(values).cast(target)
    if pa.types.is_decimal(target):
        return pc.cast(pa.array(values, pa.float64()), target, safe=False)
    return pa.array(values, target)


def _column(values: list[Any], target: pa.DataType) -> pa.Array:
    try:
        return _typed_array(values, target)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def page_to_table(schema: EntitySchema, items: list[dict[str, Any]]) -> pa.Table:
    """One page of records as a typed table: metadata fields, then UDFs.

    With no records it is the entity's empty table, which makes dlt create
    the table, typed, on the same Arrow path later pages take.
    """
    arrays: dict[str, pa.Array] = {}
    udf_columns = {udf.column for udf in schema.udfs.values()}
    for name, column in schema.columns.items():
        if name not in udf_columns:
            values = [item.get(name) for item in items]
            arrays[name] = _column(values, arrow_type(column))

    extra = {key for item in items[:1] for key in item} - set(schema.columns)
    for name in sorted(extra - {UDF_LIST_KEY}):
        array = _column([item.get(name) for item in items], pa.string())
        if array.null_count < len(array):
            arrays[name] = array

    udf_values = {udf.name: [None] * len(items) for udf in schema.udfs.values()}
    for index, item in enumerate(items):
        for entry in item.get(UDF_LIST_KEY) or ():
            values = udf_values.get(entry.get("name"))
            if values is not None:
                values[index] = entry.get("value")
    for udf in schema.udfs.values():
        converted = [convert_udf_value(v, udf.udf_type) for v in udf_values[udf.name]]
        arrays[udf.column] = _column(converted, arrow_type(schema.columns[udf.column]))

    fields = [
        pa.field(name, array.type, nullable=name != "id")
        for name, array in arrays.items()
    ]
    return pa.Table.from_arrays(list(arrays.values()), schema=pa.schema(fields))


def unknown_names(schema: EntitySchema, items: list[dict[str, Any]]) -> set[str]:
    """Fields and UDF names in the records that the entity's metadata lacks."""
    unknown: set[str] = set()
    for item in items:
        unknown.update(key for key in item if key not in schema.columns)
        for entry in item.get(UDF_LIST_KEY) or ():
            if entry.get("name") not in schema.udfs:
                unknown.add(str(entry.get("name")))
    unknown.discard(UDF_LIST_KEY)
    return unknown


def largest_timestamp(table: pa.Table, column: str) -> Any:
    """The largest non-null value of a timestamp column, as a datetime."""
    if column not in table.column_names:
        return None
    if not pa.types.is_timestamp(table[column].type):
        return None
    return pc.max(table[column]).as_py()
