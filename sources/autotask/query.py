"""The filter model of Autotask queries: build, check and serialise.

Autotask silently ignores an operator it does not know (the query returns
unfiltered rows) and answers HTTP 500 for unknown fields, so every filter
is checked here before a request is made:

- `Condition` and `Group` only hold Autotask's real operators;
- `parse_filter` reads user JSON in Autotask's shape, translating common
  misspellings (`ne`, `startsWith`, `isNull`, `between` ...) and refusing
  anything else with the list of valid operators;
- `validate` checks field names against `entityInformation/fields` and the
  entity's UDFs and rewrites them to the metadata's spelling;
- `split_in_lists` turns a top-level `in` over the 500 OR limit into
  several queries whose union is the original;
- `to_json` / `query_body` serialise, with datetimes in UTC (`Z`) and
  date-only values unshifted.

A filter is a list of items (Autotask AND-s the top level).
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeAlias

from .exceptions import QueryError, UnknownFieldError
from .settings import MAX_OR_CONDITIONS, PAGE_SIZE

COMPARISON_OPERATORS = (
    "eq",
    "noteq",
    "gt",
    "gte",
    "lt",
    "lte",
    "beginsWith",
    "endsWith",
    "contains",
)
PRESENCE_OPERATORS = ("exist", "notExist")
LIST_OPERATORS = ("in", "notIn")
CONDITION_OPERATORS = COMPARISON_OPERATORS + PRESENCE_OPERATORS + LIST_OPERATORS
GROUP_OPERATORS = ("and", "or")
OPERATORS = CONDITION_OPERATORS + GROUP_OPERATORS

# Spellings people bring from other APIs, mapped to Autotask's operator.
OPERATOR_ALIASES = {
    "ne": "noteq",
    "neq": "noteq",
    "notequal": "noteq",
    "startswith": "beginsWith",
    "isnull": "notExist",
    "isnotnull": "exist",
}

FILTER_KEYS = ("op", "field", "value", "udf", "items")

_CANONICAL = {op.casefold(): op for op in OPERATORS}
_PAGING_HINT = (
    "Autotask has no page numbers: results come 500 at a time in id order, "
    "and this source pages by id itself."
)


def _canonical_operator(op: Any, field_name: Any = None) -> str:
    """Autotask's spelling of `op`, or a `QueryError` listing the valid ones."""
    folded = str(op).casefold()
    if folded in _CANONICAL:
        return _CANONICAL[folded]
    if folded in OPERATOR_ALIASES:
        return OPERATOR_ALIASES[folded]
    where = f" on field {field_name!r}" if field_name else ""
    raise QueryError(
        f"Unknown filter operator {op!r}{where}. Autotask silently ignores "
        "operators it does not know and would return unfiltered rows. "
        f"Valid operators: {', '.join(OPERATORS)}."
    )


@dataclass(frozen=True)
class Condition:
    """One test on one field; `udf=True` when the field is a UDF's name.

    Construction checks the operator and the value's shape, so a
    `Condition` always serialises to something Autotask will honour.
    """

    field: str
    op: str
    value: Any = None
    udf: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.field, str) or not self.field.strip():
            raise QueryError(
                f"A filter condition needs a field name, got {self.field!r}."
            )
        if self.field.casefold() == "pagenumber":
            raise QueryError(f"'pageNumber' cannot be filtered on. {_PAGING_HINT}")
        if not isinstance(self.udf, bool):
            raise QueryError(f"'udf' on field {self.field!r} must be true or false.")

        op = _canonical_operator(self.op, self.field)
        if op in GROUP_OPERATORS:
            raise QueryError(
                f"{op!r} is a group operator: give it 'items', not a field "
                f"({self.field!r})."
            )
        object.__setattr__(self, "op", op)

        if op in COMPARISON_OPERATORS and self.value is None:
            raise QueryError(f"Operator {op!r} on field {self.field!r} needs a value.")
        if op in PRESENCE_OPERATORS and self.value is not None:
            raise QueryError(
                f"Operator {op!r} on field {self.field!r} takes no value "
                f"(got {self.value!r})."
            )
        if op in LIST_OPERATORS:
            if not isinstance(self.value, list | tuple) or not self.value:
                raise QueryError(
                    f"Operator {op!r} on field {self.field!r} needs a non-empty "
                    f"list of values, got {self.value!r}."
                )
            object.__setattr__(self, "value", list(self.value))


@dataclass(frozen=True)
class Group:
    """`and` / `or` over nested conditions and groups."""

    op: str
    items: list[Condition | Group] = field(default_factory=list)

    def __post_init__(self) -> None:
        op = _canonical_operator(self.op)
        if op not in GROUP_OPERATORS:
            raise QueryError(
                f"{op!r} is not a group operator; groups are 'and' and 'or'."
            )
        object.__setattr__(self, "op", op)

        items = list(self.items)
        if not items:
            raise QueryError(f"An {op!r} group needs at least one item in 'items'.")
        for item in items:
            if not isinstance(item, Condition | Group):
                raise QueryError(
                    f"Items of an {op!r} group must be conditions or groups, "
                    f"got {item!r}."
                )
        object.__setattr__(self, "items", items)


FilterItem: TypeAlias = Condition | Group
Filter: TypeAlias = list[FilterItem]


def all_of(*items: FilterItem) -> Group:
    """An `and` group."""
    return Group("and", list(items))


def any_of(*items: FilterItem) -> Group:
    """An `or` group."""
    return Group("or", list(items))


def between(field_name: str, low: Any, high: Any) -> Group:
    """`low <= field <= high`, as Autotask has no `between` operator."""
    return Group(
        "and", [Condition(field_name, "gte", low), Condition(field_name, "lte", high)]
    )


# Reading user JSON.


def parse_filter(obj: Any) -> Filter:
    """The filter model from user JSON in Autotask's shape.

    Accepts one filter item (a dict), a list of them, or a whole query body
    with a `filter` key. Keys and operator names are case-insensitive.
    Raises `QueryError` naming what is wrong and how to fix it.
    """
    if isinstance(obj, Mapping):
        keys = {str(k).casefold(): k for k in obj}
        if "filter" in keys and "pagenumber" in keys:
            raise QueryError(f"'pageNumber' is not a query key. {_PAGING_HINT}")
        obj = obj[keys["filter"]] if "filter" in keys else [obj]
    if not isinstance(obj, list | tuple):
        raise QueryError(
            f"A filter must be a JSON object or a list of objects, got {obj!r}."
        )
    if not obj:
        raise QueryError("The filter is empty: give at least one condition.")
    return [_parse_item(item) for item in obj]


def _parse_item(raw: Any) -> FilterItem:
    if not isinstance(raw, Mapping):
        raise QueryError(f"A filter item must be a JSON object, got {raw!r}.")
    item = _normalised_keys(raw)
    if "op" not in item:
        raise QueryError(f"The filter item {dict(raw)!r} has no 'op'.")

    field_name = item.get("field")
    op_name = str(item["op"]).casefold()
    op = (
        "between"
        if op_name == "between"
        else _canonical_operator(item["op"], field_name)
    )

    if op in GROUP_OPERATORS:
        if "field" in item:
            raise QueryError(
                f"An {op!r} group takes 'items', not a field ({field_name!r})."
            )
        items = item.get("items")
        if not isinstance(items, list) or not items:
            raise QueryError(f"An {op!r} group needs a non-empty list in 'items'.")
        return Group(op, [_parse_item(child) for child in items])

    if "items" in item:
        raise QueryError(
            f"Only 'and' and 'or' groups take 'items'; {item['op']!r} on "
            f"field {field_name!r} does not."
        )
    if field_name is None:
        raise QueryError(f"Operator {item['op']!r} needs a 'field'.")
    udf = item.get("udf", False)
    value = item.get("value")

    if op == "between":
        return _between(field_name, value, udf)
    return Condition(field_name, op, value, udf)


def _normalised_keys(raw: Mapping[Any, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for key, value in raw.items():
        folded = str(key).casefold()
        if folded == "pagenumber":
            raise QueryError(f"'pageNumber' is not a filter key. {_PAGING_HINT}")
        if folded not in FILTER_KEYS:
            raise QueryError(
                f"Unknown filter key {key!r}. Filter items take: "
                f"{', '.join(FILTER_KEYS)}."
            )
        item[folded] = value
    return item


def _between(field_name: str, value: Any, udf: bool) -> Group:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise QueryError(
            f"'between' on field {field_name!r} needs a value of two items "
            f"[low, high], got {value!r}."
        )
    low, high = value
    return Group(
        "and",
        [
            Condition(field_name, "gte", low, udf),
            Condition(field_name, "lte", high, udf),
        ],
    )


# Checking against the entity's metadata.


def validate(
    filter: Sequence[FilterItem],
    fields: Sequence[Mapping[str, Any]],
    udfs: Sequence[Mapping[str, Any]] = (),
    *,
    entity: str | None = None,
) -> Filter:
    """Check every field against the entity's metadata; return a rewritten copy.

    `fields` is `entityInformation/fields`, `udfs` is
    `entityInformation/userDefinedFields`. Field names are matched
    case-insensitively and rewritten to the metadata's spelling. Raises
    `UnknownFieldError` (with close matches) or `QueryError` for a field
    that is not queryable, a UDF used without `udf: true`, or more than one
    UDF condition (Autotask allows one per query).
    """
    standard = {str(f["name"]).casefold(): f for f in fields}
    defined = {str(u["name"]).casefold(): u for u in udfs}
    checked = [_validate_item(item, standard, defined, entity) for item in filter]

    used = [c.field for c in iter_conditions(checked) if c.udf]
    if len(used) > 1:
        raise QueryError(
            f"This filter has {len(used)} user-defined field conditions "
            f"({', '.join(used)}); Autotask allows one UDF condition per query."
        )
    return checked


def _validate_item(
    item: FilterItem,
    standard: dict[str, Mapping[str, Any]],
    defined: dict[str, Mapping[str, Any]],
    entity: str | None,
) -> FilterItem:
    if isinstance(item, Group):
        return replace(
            item,
            items=[_validate_item(i, standard, defined, entity) for i in item.items],
        )

    owner = entity or "the entity"
    folded = item.field.casefold()
    known = defined if item.udf else standard
    meta = known.get(folded)

    if meta is None and not item.udf and folded in defined:
        raise QueryError(
            f"{item.field!r} is a user-defined field of {owner}; set "
            '"udf": true on its condition.'
        )
    if meta is None and item.udf and folded in standard:
        raise QueryError(
            f"{item.field!r} is a standard field of {owner}, not a user-defined "
            'one; remove "udf": true from its condition.'
        )
    if meta is None:
        names = [str(m["name"]) for m in known.values()]
        raise UnknownFieldError(
            item.field, _close_matches(item.field, names), entity=entity, udf=item.udf
        )
    if meta.get("isQueryable") is False:
        kind = "user-defined field" if item.udf else "field"
        raise QueryError(
            f"The {kind} {meta['name']!r} of {owner} cannot be used in a filter: "
            "Autotask marks it not queryable."
        )
    return replace(item, field=str(meta["name"]))


def _close_matches(name: str, candidates: list[str]) -> list[str]:
    folded = {c.casefold(): c for c in candidates}
    matches = difflib.get_close_matches(name.casefold(), folded, n=5, cutoff=0.6)
    return [folded[m] for m in matches]


def iter_conditions(filter: Iterable[FilterItem]) -> Iterator[Condition]:
    """Every condition of the filter, depth first."""
    for item in filter:
        if isinstance(item, Group):
            yield from iter_conditions(item.items)
        else:
            yield item


# Staying under the OR limit.


def split_in_lists(
    filter: Sequence[FilterItem], limit: int = MAX_OR_CONDITIONS
) -> list[Filter]:
    """Split top-level `in` lists over `limit` into several filters.

    The union of the returned filters' rows equals the original filter's.
    With several oversize top-level `in` lists every combination of chunks
    is returned. A `notIn` over the limit, an `in` over the limit inside a
    group, or more than `limit` OR branches in total cannot be split and
    raise `QueryError`.
    """
    choices: list[list[FilterItem]] = []
    for item in filter:
        if isinstance(item, Condition) and item.op == "in" and len(item.value) > limit:
            chunks = [
                item.value[start : start + limit]
                for start in range(0, len(item.value), limit)
            ]
            choices.append([replace(item, value=chunk) for chunk in chunks])
        else:
            choices.append([item])

    filters = [list(combination) for combination in itertools.product(*choices)]
    for split in filters:
        check_or_limits(split, limit)
    return filters


def check_or_limits(
    filter: Sequence[FilterItem], limit: int = MAX_OR_CONDITIONS
) -> None:
    """Raise `QueryError` when Autotask would refuse the filter's OR count.

    Autotask allows at most `limit` OR conditions: the values of one
    `in`/`notIn` list, and the branches of all `or` groups together.
    """
    for condition in iter_conditions(filter):
        if condition.op in LIST_OPERATORS and len(condition.value) > limit:
            advice = (
                "a longer in list is split into several queries only at the top "
                "level of a filter, so move it out of its and/or group"
                if condition.op == "in"
                else "narrow it; a notIn list cannot be split into several queries"
            )
            raise QueryError(
                f"The {condition.op!r} list on field {condition.field!r} has "
                f"{len(condition.value)} values; Autotask allows {limit} OR "
                f"conditions per query: {advice}."
            )

    branches = sum(len(group.items) for group in _iter_or_groups(filter))
    if branches > limit:
        raise QueryError(
            f"The filter has {branches} OR branches; Autotask allows {limit} OR "
            "conditions per query. Use fewer branches or an 'in' list."
        )


def _iter_or_groups(filter: Iterable[FilterItem]) -> Iterator[Group]:
    for item in filter:
        if isinstance(item, Group):
            if item.op == "or":
                yield item
            yield from _iter_or_groups(item.items)


# Serialising.


def to_json(filter: Sequence[FilterItem] | FilterItem) -> list[dict[str, Any]]:
    """Autotask's JSON shape of the filter (a list of filter items)."""
    items = [filter] if isinstance(filter, Condition | Group) else list(filter)
    return [_item_json(item) for item in items]


def _item_json(item: FilterItem) -> dict[str, Any]:
    if isinstance(item, Group):
        return {"op": item.op, "items": [_item_json(i) for i in item.items]}

    out: dict[str, Any] = {"op": item.op, "field": item.field}
    if item.op not in PRESENCE_OPERATORS:
        out["value"] = json_value(item.value, item.field)
    if item.udf:
        out["udf"] = True
    return out


def json_value(value: Any, field_name: str = "") -> Any:
    """One filter value as Autotask reads it.

    Timezone-aware datetimes become UTC ISO strings with milliseconds and
    `Z`; naive ones are refused (Autotask reads every time as UTC, so a
    local time would be silently shifted). Dates become midnight with no
    zone so date-only fields are never shifted.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise QueryError(
                f"The datetime {value.isoformat()} for field {field_name!r} has no "
                "timezone; give a timezone-aware datetime (e.g. tzinfo=UTC), since "
                "Autotask reads every time as UTC."
            )
        utc = value.astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S") + f".{utc.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.strftime("%Y-%m-%dT00:00:00")
    if isinstance(value, list | tuple):
        return [json_value(v, field_name) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise QueryError(
        f"The value {value!r} for field {field_name!r} cannot be sent to Autotask; "
        "use a string, number, boolean, date, aware datetime or a list of them."
    )


def query_body(
    filter: Sequence[FilterItem] | FilterItem,
    max_records: int = PAGE_SIZE,
    include_fields: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The POST body of a query: `filter`, `MaxRecords` and `IncludeFields`.

    Refuses an empty filter (Autotask requires one; use
    `Condition("id", "exist")` for every row), `max_records` outside
    1..500 and filters over the OR limit, before any request.
    """
    items = [filter] if isinstance(filter, Condition | Group) else list(filter)
    if not items:
        raise QueryError(
            "Autotask requires a filter; to read every row use "
            '{"op": "exist", "field": "id"}.'
        )
    if not 1 <= max_records <= PAGE_SIZE:
        raise QueryError(
            f"MaxRecords must be between 1 and {PAGE_SIZE}, got {max_records}."
        )
    check_or_limits(items)

    body: dict[str, Any] = {"filter": to_json(items), "MaxRecords": max_records}
    if include_fields is not None:
        body["IncludeFields"] = list(include_fields)
    return body
