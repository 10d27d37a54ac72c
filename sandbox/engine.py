"""The query engine: Autotask's filter language, evaluated over a tenant.

Contract (what the real API does, as far as it is known):

- body keys are case-insensitive (`filter`/`Filter`, `MaxRecords`,
  `IncludeFields`); a filter is required; `MaxRecords` is 1..500, default
  500;
- top-level items are AND-ed; `and`/`or` groups nest;
- field names are case-insensitive; an unknown field is a 500
  "Unable to find <field> in the <Internal> Entity."; a UDF is found only
  with `udf: true`, and only one UDF condition is allowed per query;
- an UNKNOWN operator drops its condition silently (the result is less
  filtered), exactly like Autotask;
- string comparisons ignore case; null values match no comparison (so
  `noteq`/`notIn` exclude nulls, as in SQL); `exist`/`notExist` test null;
- `in`/`notIn` lists and `or` groups are limited to 500 members;
- TicketHistory accepts only one `ticketID eq` condition (SOAP-era rule the
  REST API kept);
- results come in ascending id; id bounds among the top-level conditions
  (eq, gt, gte, lt, lte on `id`) start the scan at the right index, so a
  page of `id > last` costs only that page.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from .metadata import is_queryable, udfs
from .spec import EntitySpec, FieldSpec
from .tenant import Tenant
from .wire import parse_datetime

PAGE_SIZE = 500
MAX_OR_CONDITIONS = 500

Predicate = Callable[[dict], bool]

COMPARISONS = {
    "eq": operator.eq,
    "noteq": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
TEXT_OPS = {
    "beginswith": str.startswith,
    "endswith": str.endswith,
    "contains": operator.contains,
}
LIST_OPS = ("in", "notin")
NULL_OPS = ("exist", "notexist")
GROUP_OPS = ("and", "or")
FIELD_OPS = frozenset({*COMPARISONS, *TEXT_OPS, *LIST_OPS, *NULL_OPS})

# Entities whose filter must be exactly one `eq` on this field.
SINGLE_EQ_ENTITIES = {"TicketHistory": "ticketID"}

OR_LIMIT_ERROR = (
    "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."
)


class QueryError(Exception):
    """A query Autotask rejects; `status` is what the API answers with."""

    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Query:
    """A validated query: predicate, id bounds, page size, projection."""

    entity: EntitySpec
    predicate: Predicate
    low: int | None
    high: int | None
    id_only: bool
    max_records: int
    include: list[FieldSpec] | None


@dataclass
class _Condition:
    predicate: Predicate
    id_bound: tuple[str, int] | None = None


def _keys(document: dict) -> dict:
    return {str(k).lower(): v for k, v in document.items()}


def parse_query(entity: EntitySpec, body: object) -> Query:
    """Validate a QueryModel body against `entity`; raise `QueryError`."""
    if not isinstance(body, dict):
        raise QueryError("The query body must be a JSON object.")
    body = _keys(body)

    max_records = _max_records(body.get("maxrecords"))
    include = _include_fields(entity, body.get("includefields"))
    items = body.get("filter")
    if isinstance(items, dict):
        items = [items]
    if not items or not isinstance(items, list):
        raise QueryError(
            "A filter is required: send at least one condition, "
            'e.g. {"op":"exist","field":"id"}.'
        )

    _check_single_eq(entity, items)
    compiler = _Compiler(entity)
    conditions = [c for c in (compiler.compile(item) for item in items) if c]
    low, high = _id_bounds(conditions)
    predicates = [c.predicate for c in conditions]
    return Query(
        entity=entity,
        predicate=lambda row: all(p(row) for p in predicates),
        low=low,
        high=high,
        id_only=all(c.id_bound is not None for c in conditions),
        max_records=max_records,
        include=include,
    )


def _check_single_eq(entity: EntitySpec, items: list) -> None:
    field = SINGLE_EQ_ENTITIES.get(entity.name)
    if field is None:
        return
    only = _keys(items[0]) if len(items) == 1 and isinstance(items[0], dict) else {}
    if str(only.get("op", "")).lower() != "eq" or str(
        only.get("field", "")
    ).lower() != (field.lower()):
        raise QueryError(
            f"{entity.name} queries accept exactly one filter condition: "
            f"{field} eq <id>."
        )


def _max_records(value: object) -> int:
    if value is None:
        return PAGE_SIZE
    if isinstance(value, bool) or not isinstance(value, int):
        raise QueryError(f"MaxRecords must be an integer, got {value!r}.")
    if not 1 <= value <= PAGE_SIZE:
        raise QueryError(f"MaxRecords must be between 1 and 500, got {value}.")
    return value


def _include_fields(entity: EntitySpec, value: object) -> list[FieldSpec] | None:
    if not value:
        return None
    if not isinstance(value, list):
        raise QueryError("IncludeFields must be a list of field names.")
    wanted = set()
    for name in value:
        spec = entity.field(str(name))
        if spec is None:
            raise QueryError(_unknown_field(entity, name))
        wanted.add(spec.name)
    return [f for f in entity.fields if f.name in wanted]


def _unknown_field(entity: EntitySpec, name: object) -> str:
    return f"Unable to find {name} in the {entity.internal_name} Entity."


def _id_bounds(conditions: list[_Condition]) -> tuple[int | None, int | None]:
    low = high = None
    for condition in conditions:
        if condition.id_bound is None:
            continue
        op, value = condition.id_bound
        if op in ("eq", "gt", "gte"):
            bound = value + 1 if op == "gt" else value
            low = bound if low is None else max(low, bound)
        if op in ("eq", "lt", "lte"):
            bound = value - 1 if op == "lt" else value
            high = bound if high is None else min(high, bound)
    return low, high


class _Compiler:
    """Turns filter items into predicates over raw rows."""

    def __init__(self, entity: EntitySpec) -> None:
        self.entity = entity
        self.udfs = {u.name.lower(): (i, u) for i, u in enumerate(udfs(entity.name))}
        self.udf_conditions = 0

    def compile(self, item: object) -> _Condition | None:
        if not isinstance(item, dict):
            raise QueryError("Each filter item must be a JSON object.")
        item = _keys(item)
        op = str(item.get("op", "")).lower()

        if op in GROUP_OPS:
            return self._group(op, item.get("items"))
        if op not in FIELD_OPS:
            return None
        if item.get("udf") is True:
            return self._udf(op, item)
        return self._field(op, item)

    def _group(self, op: str, items: object) -> _Condition | None:
        if not isinstance(items, list) or not items:
            raise QueryError(
                f"Invalid query syntax. The '{op}' condition has no items."
            )
        if op == "or" and len(items) > MAX_OR_CONDITIONS:
            raise QueryError(OR_LIMIT_ERROR)

        children = [c.predicate for c in (self.compile(i) for i in items) if c]
        if not children:
            return None
        if op == "and":
            return _Condition(lambda row: all(p(row) for p in children))
        return _Condition(lambda row: any(p(row) for p in children))

    def _field(self, op: str, item: dict) -> _Condition:
        name = item.get("field")
        field = self.entity.field(str(name)) if name is not None else None
        if field is None:
            raise QueryError(_unknown_field(self.entity, name))
        if not is_queryable(self.entity.name, field.name):
            raise QueryError(
                f"The field {field.name} in the {self.entity.internal_name} "
                "Entity cannot be used in a query filter."
            )

        key = field.name
        test = _test(op, item.get("value"), field.data_type, field.name)
        id_bound = None
        if key == "id" and op in ("eq", "gt", "gte", "lt", "lte"):
            id_bound = (op, _convert(item.get("value"), "long", "id"))
        elif key == "id" and op == "exist":
            id_bound = ("exist", 0)
        return _Condition(lambda row: test(row[key]), id_bound)

    def _udf(self, op: str, item: dict) -> _Condition:
        name = str(item.get("field"))
        found = self.udfs.get(name.lower())
        if found is None:
            raise QueryError(_unknown_field(self.entity, name))
        self.udf_conditions += 1
        if self.udf_conditions > 1:
            raise QueryError(
                "Only one user-defined field can be used in a query filter."
            )

        position, udf = found
        data_type = {"number": "decimal", "datetime": "datetime"}.get(
            udf.type, "string"
        )
        test = _test(op, item.get("value"), data_type, udf.name)
        converter = _udf_converter(data_type)
        return _Condition(
            lambda row: test(converter(row["userDefinedFields"][position]))
        )


def _udf_converter(data_type: str) -> Callable[[str | None], object]:
    if data_type == "decimal":
        return lambda v: None if v is None else float(v)
    if data_type == "datetime":
        return lambda v: None if v is None else parse_datetime(v)
    return lambda v: v


def _convert(value: object, data_type: str, name: str) -> object:
    """A filter value in the field's raw form; QueryError when impossible."""
    try:
        if data_type == "string":
            return str(value).casefold()
        if data_type == "datetime":
            return parse_datetime(str(value))
        if data_type == "boolean":
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0"):
                    raise ValueError(value)
                return value.lower() in ("true", "1")
            return bool(value)
        if data_type == "decimal":
            return float(value)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return int(value)
    except (TypeError, ValueError):
        raise QueryError(
            f"Unable to convert the value {value!r} for the field {name} "
            f"to {data_type}."
        ) from None


def _test(op: str, value: object, data_type: str, name: str) -> Predicate:
    """A test of one raw field value (None = null)."""
    if op == "exist":
        return lambda v: v is not None
    if op == "notexist":
        return lambda v: v is None

    fold = str.casefold if data_type == "string" else None
    if op in LIST_OPS:
        if not isinstance(value, list):
            raise QueryError(f"The '{op}' condition on {name} needs a list value.")
        if len(value) > MAX_OR_CONDITIONS:
            raise QueryError(OR_LIMIT_ERROR)
        members = {_convert(v, data_type, name) for v in value}
        if op == "in":
            return lambda v: v is not None and (fold(v) if fold else v) in members
        return lambda v: v is not None and (fold(v) if fold else v) not in members

    if value is None:
        raise QueryError(f"The '{op}' condition on {name} needs a value.")
    if op in TEXT_OPS:
        text = str(value).casefold()
        method = TEXT_OPS[op]
        return lambda v: v is not None and method(_text(v), text)

    expected = _convert(value, data_type, name)
    compare = COMPARISONS[op]
    if fold:
        return lambda v: v is not None and compare(v.casefold(), expected)
    return lambda v: v is not None and compare(v, expected)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).casefold()


def run_page(
    tenant: Tenant, query: Query, after_id: int | None = None
) -> tuple[list[dict], bool]:
    """The next page of matching raw rows after `after_id`, and whether more
    rows match beyond it."""
    low = query.low
    if after_id is not None:
        low = after_id + 1 if low is None else max(low, after_id + 1)

    page: list[dict] = []
    for row in tenant.scan(query.entity.name, low, query.high):
        if query.predicate(row):
            if len(page) == query.max_records:
                return page, True
            page.append(row)
    return page, False


def count(tenant: Tenant, query: Query) -> int:
    """How many rows match; id-only filters are counted without a scan."""
    if query.id_only:
        if query.low is not None and query.high is not None and query.low > query.high:
            return 0
        return tenant.count_between(query.entity.name, query.low, query.high)
    return sum(
        1
        for row in tenant.scan(query.entity.name, query.low, query.high)
        if query.predicate(row)
    )
