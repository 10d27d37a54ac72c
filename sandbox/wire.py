"""How values look on the wire: Autotask's datetime and decimal formats.

Rows are held "raw": datetimes as integer epoch milliseconds (UTC), decimals
as floats, UDFs as a tuple of values in definition order. This module is the
one place that turns raw rows into JSON text and into the plain dicts a
client would get from parsing that text.

Guarantees:

- datetimes are UTC with `Z`, fractional seconds trimmed of trailing zeros
  (`2022-12-07T09:15:45.2Z`, `2022-12-06T13:00:00Z`);
- decimals carry exactly four places (`3.5000`), which Python's `json`
  cannot do, so rows are emitted by hand;
- keys follow the entity's spec order, `id` first, `userDefinedFields`
  last, every field present;
- in a page (`items_json`), `userDefinedFields` is omitted from every row
  when no row of the page has a UDF value, as Autotask documents, and
  otherwise present on every row (null values included). With
  IncludeFields the rows carry `"userDefinedFields": []`, as a captured
  real response does.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring

from .spec import FieldSpec

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def format_datetime(epoch_ms: int) -> str:
    """Epoch milliseconds as Autotask prints them."""
    seconds, millis = divmod(epoch_ms, 1000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    if millis:
        text += "." + f"{millis:03d}".rstrip("0")
    return text + "Z"


def parse_datetime(text: str) -> int:
    """Epoch milliseconds of an ISO-8601 text; no offset means UTC.

    Accepts a date alone, seconds or not, any number of fractional digits,
    `Z` or a numeric offset, as Autotask's filter parser does.
    """
    match = _ISO.match(text.strip())
    if not match:
        raise ValueError(f"not a datetime: {text!r}")

    year, month, day, hour, minute, second, fraction, zone = match.groups()
    epoch = calendar.timegm(
        (
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            0,
            0,
            0,
        )
    )
    millis = int((fraction or "0")[:3].ljust(3, "0"))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return epoch * 1000 + millis


def _encode_value(data_type: str) -> Callable[[object], str]:
    if data_type == "datetime":
        return lambda v: "null" if v is None else '"' + format_datetime(v) + '"'
    if data_type == "decimal":
        return lambda v: "null" if v is None else f"{v:.4f}"
    if data_type == "boolean":
        return lambda v: "null" if v is None else ("true" if v else "false")
    if data_type == "string":
        return lambda v: "null" if v is None else encode_basestring(v)
    return lambda v: "null" if v is None else str(int(v))


def _plain_value(data_type: str) -> Callable[[object], object]:
    if data_type == "datetime":
        return lambda v: None if v is None else format_datetime(v)
    if data_type == "decimal":
        return lambda v: None if v is None else round(float(v), 4)
    return lambda v: v


class RowCodec:
    """Turns an entity's raw rows into JSON text or plain dicts.

    `fields` limits the output to those fields (IncludeFields); UDF entities
    then still carry `userDefinedFields`, empty, as Autotask does.
    """

    def __init__(
        self,
        fields: Sequence[FieldSpec],
        udf_names: Sequence[str] | None,
        *,
        include_udfs: bool = True,
    ) -> None:
        self._names = [f.name for f in fields]
        self._keys = [encode_basestring(f.name) + ":" for f in fields]
        self._encoders = [_encode_value(f.data_type) for f in fields]
        self._plain = [_plain_value(f.data_type) for f in fields]
        self._udf_keys = (
            [encode_basestring(n) for n in udf_names] if udf_names is not None else None
        )
        self._udf_names = list(udf_names) if udf_names is not None else None
        self._include_udfs = include_udfs

    def json(self, row: dict, *, udfs: bool = True) -> str:
        """One row; `udfs=False` leaves out `userDefinedFields`."""
        parts = [
            key + encode(row[name])
            for key, name, encode in zip(
                self._keys, self._names, self._encoders, strict=True
            )
        ]
        if udfs and self._udf_keys is not None:
            parts.append('"userDefinedFields":' + self._udf_json(row))
        return "{" + ",".join(parts) + "}"

    def items_json(self, rows: Sequence[dict]) -> str:
        """The rows of one page, comma-separated, under the page rule for
        `userDefinedFields` (see the module docstring)."""
        udfs = (
            self._udf_keys is None
            or not self._include_udfs
            or any(
                value is not None for row in rows for value in row["userDefinedFields"]
            )
        )
        return ",".join(self.json(row, udfs=udfs) for row in rows)

    def plain(self, row: dict) -> dict:
        result = {
            name: convert(row[name])
            for name, convert in zip(self._names, self._plain, strict=True)
        }
        if self._udf_names is not None:
            result["userDefinedFields"] = self._udf_plain(row)
        return result

    def _udf_json(self, row: dict) -> str:
        if not self._include_udfs or not self._udf_keys:
            return "[]"
        values = row["userDefinedFields"]
        items = [
            '{"name":'
            + key
            + ',"value":'
            + ("null" if value is None else encode_basestring(value))
            + "}"
            for key, value in zip(self._udf_keys, values, strict=True)
        ]
        return "[" + ",".join(items) + "]"

    def _udf_plain(self, row: dict) -> list[dict]:
        if not self._include_udfs or not self._udf_names:
            return []
        values = row["userDefinedFields"]
        return [
            {"name": name, "value": value}
            for name, value in zip(self._udf_names, values, strict=True)
        ]


def dumps(document: object) -> str:
    """Compact JSON for envelopes and metadata (no decimals in there)."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)
