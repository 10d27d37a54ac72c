"""Seeded row generation: any row of any entity from (seed, entity, index).

Nothing is stored per row. A row is a `SeedRow`, a dict that computes each
field the first time it is read, from a splitmix64 hash of the seed, the
entity, the row index and the field name. Filters therefore compute only
the fields they test, and a tenant of a million Tickets costs no memory.

What the generator guarantees:

- ids ascend with the index, with small deterministic gaps
  (`base + index * 3 + 0..1`), so an id maps back to its index in O(1);
- creation stamps grow with the id across the three years before the
  anchor; change stamps lie between creation and the anchor, and are null
  together on about 1 % of rows ("null cursors");
- picklist fields hold weighted, active codes from `metadata.PICKLISTS`;
  `subIssueType` always belongs to the row's `issueType`;
- references point at seeded rows of the referenced entity (a child's
  parent reference is never null, so child lists have rows); a contact,
  contract, configuration item and project belong to a company, and a
  ticket's contact, contract, item and project belong to the ticket's
  company;
- UDF values are strings (or null), typed by the UDF definition; rows
  seeded before the tenant defined its UDFs (`metadata.UDF_SINCE`, the
  oldest half of Tickets) have none, so some pages carry no UDF value.
"""

from __future__ import annotations

import bisect
import hashlib
import time
from collections.abc import Callable
from itertools import accumulate

from .config import ANCHOR_MS, HISTORY_MS
from .metadata import (
    PICKLIST_PARENTS,
    UDF_SINCE,
    PicklistValue,
    UdfSpec,
    picklist,
    udfs,
)
from .spec import EntitySpec, FieldSpec
from .vocabulary import (
    CITIES,
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    FIRST_NAMES,
    LAST_NAMES,
    STATES,
    WORDS,
)
from .wire import format_datetime

MASK = (1 << 64) - 1
ID_STRIDE = 3
DAY_MS = 24 * 3600 * 1000
HISTORY_START_MS = ANCHOR_MS - HISTORY_MS

Generator = Callable[["SeedRow"], object]


# Core entities' row counts per Ticket (the `scale`), and fixed ones.
CORE_RATIOS = {
    "Companies": 1 / 20,
    "Contacts": 1 / 5,
    "Tickets": 1.0,
    "TicketNotes": 2.0,
    "TimeEntries": 1.5,
    "Projects": 1 / 50,
    "Tasks": 1 / 10,
    "Contracts": 1 / 20,
    "ConfigurationItems": 1 / 4,
}
FIXED_COUNTS = {"Resources": 50, "DeletedTicketLogs": 5}

# References that a row always has (others are null on ~25 % of rows).
_ALWAYS_SET = frozenset(
    {"companyID", "ticketID", "taskID", "projectID", "resourceID", "productID"}
)
# Entities whose `companyID` is index % companies, so members are cheap to
# enumerate: company c owns indices c, c + n, c + 2n, ...
_COMPANY_MEMBERS = ("Contacts", "Contracts", "ConfigurationItems", "Projects")


def mix(value: int) -> int:
    """splitmix64 finaliser: a cheap, well-spread 64-bit hash."""
    value = (value + 0x9E3779B97F4A7C15) & MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK
    return value ^ (value >> 31)


def salt(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())


def unit(value: int) -> float:
    """A hash as a float in [0, 1)."""
    return (value >> 11) * (1.0 / (1 << 53))


def now_ms() -> int:
    return int(time.time() * 1000)


class SeedRow(dict):
    """A row whose fields are computed on first read and then remembered."""

    __slots__ = ("plan", "index", "key")

    def __init__(self, plan: EntityPlan, index: int) -> None:
        super().__init__()
        self.plan = plan
        self.index = index
        self.key = mix(plan.salt ^ index)

    def __missing__(self, name: str) -> object:
        value = self.plan.generators[name](self)
        self[name] = value
        return value

    def h(self, field_salt: int) -> int:
        return mix(self.key ^ field_salt)


class EntityPlan:
    """How to generate one entity's rows; `count` seeded rows exist."""

    def __init__(self, spec: EntitySpec, seed: int, count: int) -> None:
        self.spec = spec
        self.count = count
        self.salt = salt(f"{seed}:{spec.name}")
        self.id_base = 29_000_000 + (mix(self.salt) % 500) * 10_000
        self.udfs: tuple[UdfSpec, ...] = udfs(spec.name)
        self.generators: dict[str, Generator] = {}

    def id_of(self, index: int) -> int:
        return self.id_base + index * ID_STRIDE + (mix(self.salt ^ index) & 1)

    def index_at_or_after(self, row_id: int) -> int:
        """The smallest index whose id is >= `row_id` (may be past the end)."""
        index = (row_id - self.id_base) // ID_STRIDE
        if index < 0:
            return 0
        return index if self.id_of(index) >= row_id else index + 1

    def index_of(self, row_id: int) -> int | None:
        index = (row_id - self.id_base) // ID_STRIDE
        if index < 0 or self.id_of(index) != row_id:
            return None
        return index

    def row(self, index: int) -> SeedRow:
        return SeedRow(self, index)

    def materialize(self, index: int, created_ms: int | None = None) -> dict:
        """A plain dict holding every field (and UDFs) of row `index`.

        `created_ms` overrides the creation instant (rows created through the
        admin API are created "now"), so fields derived from it follow.
        """
        row = SeedRow(self, index)
        if created_ms is not None:
            row["@created"] = created_ms
            row["@stampsNull"] = False
        values = {f.name: row[f.name] for f in self.spec.fields}
        if self.spec.has_udfs:
            values["userDefinedFields"] = row["userDefinedFields"]
        return values


class _Weighted:
    """Weighted choice among a picklist's seeded (weight > 0) values."""

    def __init__(self, values: tuple[PicklistValue, ...]) -> None:
        chosen = [v for v in values if v.weight > 0]
        self.codes = [v.value for v in chosen]
        self.cumulative = list(accumulate(v.weight for v in chosen))
        self.total = self.cumulative[-1]

    def pick(self, hashed: int) -> int:
        return self.codes[bisect.bisect_right(self.cumulative, hashed % self.total)]


def _sentence(hashed: int, low: int, high: int) -> str:
    words = []
    for i in range(low + hashed % (high - low + 1)):
        if i and i % 8 == 0:
            hashed = mix(hashed)
        words.append(WORDS[(hashed >> (7 * (i % 8) + 3)) % len(WORDS)])
    return " ".join(words).capitalize()


def _is_date_only(name: str) -> bool:
    if name == "dateWorked":
        return True
    prefixes = ("create", "last", "completed", "deleted", "resolved")
    return name.endswith("Date") and not name.startswith(prefixes)


class PlanBuilder:
    """Fills each plan's generators once every entity's count is known."""

    def __init__(self, plans: dict[str, EntityPlan]) -> None:
        self.plans = plans

    def build(self, plan: EntityPlan) -> None:
        gens = plan.generators
        gens["@created"] = self._created(plan)
        gens["@stampsNull"] = lambda row: row.h(0x51A7) % 100 == 0
        for field in plan.spec.fields:
            gens[field.name] = self._field(plan, field)
        gens["userDefinedFields"] = self._udfs(plan)
        self._core(plan)

    # -- building blocks -------------------------------------------------

    def _target(self, name: str) -> EntityPlan | None:
        target = self.plans.get(name)
        return target if target is not None and target.count > 0 else None

    def _pick_id(self, target: EntityPlan, hashed: int) -> int:
        return target.id_of(hashed % target.count)

    def _member(
        self, owner_index: int, owner_count: int, member: str, hashed: int
    ) -> int | None:
        """The id of one `member` row owned by owner `owner_index`, or None."""
        target = self._target(member)
        if target is None or owner_index >= target.count:
            return None
        members = (target.count - owner_index + owner_count - 1) // owner_count
        return target.id_of(owner_index + owner_count * (hashed % members))

    def _created(self, plan: EntityPlan) -> Generator:
        span = HISTORY_MS / max(plan.count, 1)

        def created(row: SeedRow) -> int:
            hashed = row.h(0xC4EA7E)
            stamp = HISTORY_START_MS + int((row.index + unit(hashed)) * span)
            return stamp - stamp % 1000 if hashed & 1 else stamp

        return created

    # -- generic fields --------------------------------------------------

    def _field(self, plan: EntityPlan, field: FieldSpec) -> Generator:
        fs = salt(field.name)
        if field.name == "id":
            return lambda row: plan.id_of(row.index)

        values = picklist(plan.spec.name, field.name)
        if values is not None:
            return self._picklist(plan, field, values, fs)
        if field.reference is not None and self._target(field.reference):
            return self._reference(plan, field, fs)
        if field.data_type == "datetime":
            return self._datetime(plan, field, fs)
        if field.data_type == "decimal":
            return self._decimal(field, fs)
        if field.data_type == "boolean":
            return self._boolean(field, fs)
        if field.data_type == "string":
            return self._string(plan, field, fs)
        return self._integer(field, fs)

    def _picklist(
        self,
        plan: EntityPlan,
        field: FieldSpec,
        values: tuple[PicklistValue, ...],
        fs: int,
    ) -> Generator:
        parent = PICKLIST_PARENTS.get((plan.spec.name, field.name))
        if parent is None:
            weighted = _Weighted(values)
            return lambda row: weighted.pick(row.h(fs))

        by_parent: dict[int, _Weighted] = {}
        for code in {v.parent for v in values if v.weight > 0}:
            by_parent[code] = _Weighted(tuple(v for v in values if v.parent == code))

        def dependent(row: SeedRow):
            choices = by_parent.get(row[parent])
            return None if choices is None else choices.pick(row.h(fs))

        return dependent

    def _reference(self, plan: EntityPlan, field: FieldSpec, fs: int) -> Generator:
        target = self._target(field.reference)
        parent_fields = {link.field for link in plan.spec.parents}
        always = field.name in _ALWAYS_SET or field.name in parent_fields
        null_rate = 0 if always else 25

        def reference(row: SeedRow):
            hashed = row.h(fs)
            if hashed % 100 < null_rate:
                return None
            return self._pick_id(target, hashed >> 8)

        return reference

    def _datetime(self, plan: EntityPlan, field: FieldSpec, fs: int) -> Generator:
        name = field.name
        if name == plan.spec.create_stamp:
            return lambda row: row["@created"]
        if name in plan.spec.change_stamps:

            def change_stamp(row: SeedRow):
                if row["@stampsNull"]:
                    return None
                created = row["@created"]
                share = unit(row.h(fs)) ** 2
                return min(created + int((ANCHOR_MS - created) * share), ANCHOR_MS - 1)

            return change_stamp

        if name.startswith(("completed", "resolved")) and plan.spec.field("status"):

            def completed(row: SeedRow):
                if row["status"] != 5:
                    return None
                created = row["@created"]
                share = unit(row.h(fs)) ** 3
                return created + int(max(ANCHOR_MS - created, 0) * share)

            return completed

        date_only = _is_date_only(name)

        def any_datetime(row: SeedRow):
            hashed = row.h(fs)
            if hashed % 100 < 25:
                return None
            stamp = HISTORY_START_MS + int(unit(hashed) * HISTORY_MS)
            if date_only:
                return stamp - stamp % DAY_MS
            return stamp - stamp % 1000 if hashed & 2 else stamp

        return any_datetime

    def _decimal(self, field: FieldSpec, fs: int) -> Generator:
        lowered = field.name.lower()
        if "hours" in lowered:
            scale, modulo = 4, 160
        elif any(w in lowered for w in ("percent", "pct", "margin", "rating")):
            scale, modulo = 100, 10_000
        else:
            scale, modulo = 100, 1_000_000

        def decimal(row: SeedRow):
            hashed = row.h(fs)
            if hashed % 100 < 30:
                return None
            return ((hashed >> 8) % modulo) / scale

        return decimal

    def _boolean(self, field: FieldSpec, fs: int) -> Generator:
        if field.name == "isActive":
            return lambda row: row.h(fs) % 10 != 0
        return lambda row: bool(row.h(fs) & 1)

    def _integer(self, field: FieldSpec, fs: int) -> Generator:
        if field.name.startswith(("is", "has")):
            return lambda row: 0 if row.h(fs) % 10 == 0 else 1
        modulo = 100_000 if field.data_type == "long" else 1_000

        def integer(row: SeedRow):
            hashed = row.h(fs)
            return None if hashed % 100 < 30 else (hashed >> 8) % modulo

        return integer

    def _string(self, plan: EntityPlan, field: FieldSpec, fs: int) -> Generator:
        lowered = field.name.lower()
        if "email" in lowered:
            return self._email(fs)
        text = _string_rule(plan.spec.name, lowered)

        def string(row: SeedRow):
            return text(row, row.h(fs))

        return string

    def _email(self, fs: int) -> Generator:
        def email(row: SeedRow):
            hashed = row.h(fs)
            first = FIRST_NAMES[hashed % len(FIRST_NAMES)]
            last = LAST_NAMES[(hashed >> 8) % len(LAST_NAMES)]
            return f"{first}.{last}{row.index}@example.com".lower()

        return email

    def _udfs(self, plan: EntityPlan) -> Generator:
        if not plan.udfs:
            return lambda row: ()
        makers = [(_udf_value(udf), salt("udf:" + udf.name)) for udf in plan.udfs]
        blank = (None,) * len(makers)
        defined_from = int(plan.count * UDF_SINCE.get(plan.spec.name, 0.0))

        def values(row: SeedRow) -> tuple[str | None, ...]:
            if row.index < defined_from:
                return blank
            return tuple(make(row.h(us)) for make, us in makers)

        return values

    # -- consistency between core entities -------------------------------

    def _core(self, plan: EntityPlan) -> None:
        gens = plan.generators
        name = plan.spec.name
        companies = self._target("Companies")

        if name in _COMPANY_MEMBERS and companies and "companyID" in gens:
            gens["companyID"] = lambda row: companies.id_of(row.index % companies.count)
            if name == "ConfigurationItems" and "contactID" in gens:
                gens["contactID"] = self._company_member(
                    lambda row: row.index % companies.count, "Contacts", 50
                )
        if name == "Tasks" and (projects := self._target("Projects")):
            gens["projectID"] = lambda row: projects.id_of(row.index % projects.count)
        if name == "Tickets" and companies:
            self._ticket(plan, companies)
        if name == "TimeEntries":
            self._time_entry(plan)
        if name == "DeletedTicketLogs":
            self._tombstone(plan)

    def _company_member(
        self, company_index: Callable[[SeedRow], int], member: str, share: int
    ) -> Generator:
        companies = self.plans["Companies"]
        ms = salt("member:" + member)

        def member_id(row: SeedRow):
            hashed = row.h(ms)
            if hashed % 100 >= share:
                return None
            return self._member(
                company_index(row), companies.count, member, hashed >> 8
            )

        return member_id

    def _ticket(self, plan: EntityPlan, companies: EntityPlan) -> None:
        gens = plan.generators
        cs = salt("ticket:company")
        gens["@company"] = lambda row: row.h(cs) % companies.count
        gens["companyID"] = lambda row: companies.id_of(row["@company"])

        def company(row: SeedRow) -> int:
            return row["@company"]

        for field, member, share in (
            ("contactID", "Contacts", 90),
            ("contractID", "Contracts", 60),
            ("configurationItemID", "ConfigurationItems", 40),
            ("projectID", "Projects", 5),
        ):
            gens[field] = self._company_member(company, member, share)

        def ticket_number(row: SeedRow) -> str:
            day = format_datetime(row["@created"])[:10].replace("-", "")
            return f"T{day}.{row.index % 10_000:04d}"

        gens["ticketNumber"] = ticket_number

    def _time_entry(self, plan: EntityPlan) -> None:
        gens = plan.generators
        tickets, tasks = self._target("Tickets"), self._target("Tasks")
        ts = salt("time:ticket")

        def ticket_id(row: SeedRow):
            hashed = row.h(ts)
            if tickets is None or (tasks is not None and hashed % 100 >= 75):
                return None
            return self._pick_id(tickets, hashed >> 8)

        def task_id(row: SeedRow):
            if row["ticketID"] is not None or tasks is None:
                return None
            return self._pick_id(tasks, row.h(ts) >> 8)

        gens["ticketID"] = ticket_id
        gens["taskID"] = task_id

    def _tombstone(self, plan: EntityPlan) -> None:
        """Seeded tombstones name tickets that no longer exist (below the
        Tickets id range)."""
        tickets = self.plans["Tickets"]
        gens = plan.generators
        gens["ticketID"] = lambda row: tickets.id_base - 100 * (plan.count - row.index)
        gens["ticketNumber"] = lambda row: f"T20240101.{9000 + row.index:04d}"
        gens["ticketTitle"] = lambda row: _sentence(row.h(0x7171E), 3, 7)
        gens["deletedDateTime"] = lambda row: row["@created"]


def _string_rule(entity: str, lowered: str) -> Callable[[SeedRow, int], str | None]:
    """The text generator for a string field, chosen by its name."""
    if "phone" in lowered or "fax" in lowered:
        return lambda row, h: (
            None
            if h % 100 < 30
            else f"+1 555-{h % 900 + 100}-{(h >> 10) % 9000 + 1000}"
        )
    if lowered == "firstname":
        return lambda row, h: FIRST_NAMES[h % len(FIRST_NAMES)]
    if "initial" in lowered:
        return lambda row, h: None if h % 100 < 60 else chr(65 + h % 26)
    if lowered == "lastname":
        return lambda row, h: LAST_NAMES[h % len(LAST_NAMES)]
    if "url" in lowered or lowered == "webaddress":
        return lambda row, h: (
            None if h % 100 < 40 else f"https://www.example.com/{WORDS[h % len(WORDS)]}"
        )
    if "city" in lowered:
        return lambda row, h: CITIES[h % len(CITIES)]
    if lowered == "state" or lowered.endswith("state"):
        return lambda row, h: STATES[h % len(STATES)]
    if "zip" in lowered or "postal" in lowered:
        return lambda row, h: f"{h % 90_000 + 10_000}"
    if "address" in lowered:
        return lambda row, h: (
            None
            if h % 100 < 20
            else f"{h % 9000 + 100} {WORDS[(h >> 16) % len(WORDS)].title()} Street"
        )
    if lowered == "companyname":
        return lambda row, h: (
            f"{COMPANY_WORDS[h % len(COMPANY_WORDS)]} "
            f"{WORDS[(h >> 8) % len(WORDS)].title()} "
            f"{COMPANY_SUFFIXES[(h >> 16) % len(COMPANY_SUFFIXES)]}"
        )
    if lowered.endswith("number"):
        prefix = entity[0].upper()
        return lambda row, h: None if h % 100 < 10 else f"{prefix}{row.index:07d}"
    if any(w in lowered for w in ("description", "notes", "resolution", "summary")):
        return lambda row, h: None if h % 100 < 30 else _sentence(h >> 8, 6, 20)
    if "title" in lowered or "subject" in lowered or lowered.endswith("name"):
        return lambda row, h: _sentence(h >> 8, 2, 6)
    return lambda row, h: (
        None if h % 100 < 50 else f"{WORDS[(h >> 8) % len(WORDS)]}-{(h >> 16) % 1000}"
    )


def _udf_value(udf: UdfSpec) -> Callable[[int], str | None]:
    if udf.type == "list":
        weighted = _Weighted(udf.picklist)
        return lambda h: None if h % 100 < 20 else str(weighted.pick(h >> 8))
    if udf.type == "number":
        return lambda h: None if h % 100 < 20 else f"{(h >> 8) % 10_000 / 10:g}"
    if udf.type == "datetime":

        def datetime_value(h: int) -> str | None:
            if h % 100 < 20:
                return None
            stamp = HISTORY_START_MS + int(unit(h) * HISTORY_MS)
            return format_datetime(stamp - stamp % DAY_MS)

        return datetime_value
    if udf.type == "boolean":
        return lambda h: None if h % 100 < 20 else ("true" if h & 256 else "false")
    return lambda h: None if h % 100 < 20 else _sentence(h >> 8, 2, 8)


def row_count(spec: EntitySpec, scale: int) -> int:
    """How many seeded rows `spec` has for a tenant of `scale` Tickets."""
    if not spec.operations["query"]:
        return 0
    if spec.name in CORE_RATIOS:
        return max(1, int(scale * CORE_RATIOS[spec.name]))
    if spec.name in FIXED_COUNTS:
        return FIXED_COUNTS[spec.name]
    return 5 + mix(salt(spec.name)) % 16


def build_plans(
    entities: list[EntitySpec], seed: int, scale: int
) -> dict[str, EntityPlan]:
    plans = {e.name: EntityPlan(e, seed, row_count(e, scale)) for e in entities}
    builder = PlanBuilder(plans)
    for plan in plans.values():
        builder.build(plan)
    return plans
