"""The simulated tenant: seeded rows plus an overlay of admin-API changes.

Seeded rows are never stored (see `generate`). What the admin API changes is
kept per entity as:

- `overlay`: id -> full row, for updated rows and created rows;
- `deleted`: ids removed (seeded or created);
- `created`: how many rows were appended past the seeded ones.

Created rows take the next indices after the seeded ones, so their ids are
above every existing id, and every scan stays in ascending id order.

Thread safety: writers hold one lock; readers take none. A reader sees each
row either before or after a change, never half-changed, because a changed
row is a new dict swapped in whole, the overlay entry is written before the
created count grows, and an id joins `deleted` before its overlay entry
goes.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

from .config import ANCHOR_MS
from .generate import EntityPlan, build_plans, now_ms
from .metadata import PICKLIST_PARENTS, picklist
from .spec import Catalogue, EntitySpec, load_catalogue
from .vocabulary import WORDS
from .wire import RowCodec

# Deleting a row of the key entity writes a tombstone row into the value.
TOMBSTONES = {"Tickets": "DeletedTicketLogs"}
_MUTATION_KEYS = frozenset(
    {"entity", "create", "update", "delete", "update_ids", "delete_ids"}
)


class MutationError(ValueError):
    """An admin-API mutation that names no entity or carries bad counts."""


class Tenant:
    """Every queryable entity of one seeded tenant of `scale` Tickets."""

    def __init__(
        self, seed: int = 1, scale: int = 1200, catalogue: Catalogue | None = None
    ) -> None:
        self.seed = seed
        self.scale = scale
        self.catalogue = catalogue or load_catalogue()
        self.plans = build_plans(self.catalogue.queryable(), seed, scale)
        self._plans_lower = {name.lower(): p for name, p in self.plans.items()}
        self._created = dict.fromkeys(self.plans, 0)
        self._overlay: dict[str, dict[int, dict]] = {n: {} for n in self.plans}
        self._deleted: dict[str, set[int]] = {n: set() for n in self.plans}
        self._codecs = {
            name: self._codec(plan.spec, plan) for name, plan in self.plans.items()
        }
        self._lock = threading.Lock()
        self._mutations = 0

    # -- reading ---------------------------------------------------------

    def plan(self, entity: str) -> EntityPlan:
        """The plan of a queryable entity, by any letter case."""
        plan = self._plans_lower.get(entity.lower())
        if plan is None:
            raise KeyError(f"{entity!r} is not a queryable entity of the sandbox")
        return plan

    def udf_names(self, entity: str) -> list[str]:
        return [u.name for u in self.plan(entity).udfs]

    def count(self, entity: str) -> int:
        plan = self.plan(entity)
        name = plan.spec.name
        return plan.count + self._created[name] - len(self._deleted[name])

    def counts(self) -> dict[str, int]:
        """Rows per entity, for entities that have any."""
        counts = {name: self.count(name) for name in self.plans}
        return {name: n for name, n in counts.items() if n > 0}

    def get(self, entity: str, row_id: int) -> dict | None:
        """The raw row with this id, or None when it does not exist."""
        plan = self.plan(entity)
        name = plan.spec.name
        if row_id in self._deleted[name]:
            return None
        row = self._overlay[name].get(row_id)
        if row is not None:
            return row
        index = plan.index_of(row_id)
        if index is None or index >= plan.count:
            return None
        return plan.row(index)

    def scan(
        self, entity: str, low: int | None = None, high: int | None = None
    ) -> Iterator[dict]:
        """Raw rows with `low <= id <= high`, ascending by id.

        Starts at `low`'s index directly, so walking `id > last` costs only
        the rows it returns. Rows created during the scan may appear.
        """
        plan = self.plan(entity)
        name = plan.spec.name
        overlay, deleted = self._overlay[name], self._deleted[name]
        index = 0 if low is None else plan.index_at_or_after(low)

        while index < plan.count + self._created[name]:
            row_id = plan.id_of(index)
            if high is not None and row_id > high:
                return
            if row_id not in deleted:
                row = overlay.get(row_id)
                if row is None and index < plan.count:
                    row = plan.row(index)
                if row is not None:
                    yield row
            index += 1

    def children(self, entity: str, field: str, parent_id: int) -> Iterator[dict]:
        """Raw rows whose `field` is `parent_id`, ascending by id (a full
        scan of the child entity: fine at test scales, slow at millions)."""
        for row in self.scan(entity):
            if row[field] == parent_id:
                yield row

    def count_between(self, entity: str, low: int | None, high: int | None) -> int:
        """Rows with `low <= id <= high`, by index arithmetic (no scan)."""
        plan = self.plan(entity)
        name = plan.spec.name
        total = plan.count + self._created[name]
        start = 0 if low is None else min(plan.index_at_or_after(low), total)
        stop = total if high is None else min(plan.index_at_or_after(high + 1), total)
        with self._lock:
            gone = sum(
                1
                for row_id in self._deleted[name]
                if (low is None or row_id >= low) and (high is None or row_id <= high)
            )
        return max(stop - start, 0) - gone

    def codec(self, entity: str) -> RowCodec:
        """The codec for whole rows of `entity`."""
        return self._codecs[self.plan(entity).spec.name]

    def rows(self, entity: str) -> Iterator[dict]:
        """Every row as a query returns it (parsed JSON), ascending by id."""
        codec = self.codec(entity)
        for row in self.scan(entity):
            yield codec.plain(row)

    @staticmethod
    def _codec(spec: EntitySpec, plan: EntityPlan) -> RowCodec:
        udf_names = [u.name for u in plan.udfs] if spec.has_udfs else None
        return RowCodec(spec.fields, udf_names)

    # -- changing --------------------------------------------------------

    def mutate(self, ops: dict | list[dict]) -> dict:
        """Apply admin-API mutations; see `sandbox.admin` for the contract."""
        ops = [ops] if isinstance(ops, dict) else list(ops)
        for op in ops:
            self._check(op)

        with self._lock:
            return {"results": [self._apply(op) for op in ops]}

    def _check(self, op: object) -> None:
        if not isinstance(op, dict) or "entity" not in op:
            raise MutationError("each mutation must be an object naming an 'entity'")
        unknown = set(op) - _MUTATION_KEYS
        if unknown:
            raise MutationError(f"unknown mutation keys: {sorted(unknown)}")
        try:
            self.plan(str(op["entity"]))
        except KeyError as error:
            raise MutationError(error.args[0]) from None
        for key in ("create", "update", "delete"):
            value = op.get(key, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise MutationError(f"'{key}' must be a non-negative integer")
        for key in ("update_ids", "delete_ids"):
            ids = op.get(key, [])
            if not isinstance(ids, list) or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in ids
            ):
                raise MutationError(f"'{key}' must be a list of integer ids")

    def _apply(self, op: dict) -> dict:
        plan = self.plan(op["entity"])
        name = plan.spec.name
        self._mutations += 1
        rng = random.Random(f"{self.seed}:{name}:{self._mutations}")
        now = max(now_ms(), ANCHOR_MS + 1)

        created = [self._create(plan, now) for _ in range(op.get("create", 0))]
        # Randomly chosen rows are distinct from those the same operation
        # created, updated or deletes by id.
        update_ids = self._existing(name, op.get("update_ids", []))
        delete_ids = self._existing(name, op.get("delete_ids", []))
        taken = {*created, *update_ids, *delete_ids}
        update_ids = sorted(
            update_ids + self._choose(plan, op.get("update", 0), rng, taken)
        )
        for row_id in update_ids:
            self._update(plan, row_id, rng, now)
        delete_ids = sorted(
            delete_ids + self._choose(plan, op.get("delete", 0), rng, taken)
        )
        for row_id in delete_ids:
            self._delete(plan, row_id, rng, now)
        return {
            "entity": name,
            "created": created,
            "updated": update_ids,
            "deleted": delete_ids,
        }

    def _existing(self, entity: str, ids: list[int]) -> list[int]:
        return [i for i in dict.fromkeys(ids) if self.get(entity, i) is not None]

    def _choose(
        self, plan: EntityPlan, n: int, rng: random.Random, taken: set[int]
    ) -> list[int]:
        """`n` distinct live ids not in `taken`, picked by `rng`."""
        name = plan.spec.name
        live = self.count(name) - sum(1 for i in taken if self.get(name, i) is not None)
        if n >= live:
            chosen = [r["id"] for r in self.scan(name) if r["id"] not in taken]
            taken.update(chosen)
            return chosen

        chosen: list[int] = []
        total = plan.count + self._created[name]
        while len(chosen) < n:
            row_id = plan.id_of(rng.randrange(total))
            if row_id not in taken and self.get(name, row_id) is not None:
                taken.add(row_id)
                chosen.append(row_id)
        return chosen

    def _create(self, plan: EntityPlan, now: int, values: dict | None = None) -> int:
        name = plan.spec.name
        index = plan.count + self._created[name]
        row = plan.materialize(index, created_ms=now)
        for stamp in plan.spec.change_stamps:
            row[stamp] = now
        row.update(values or {})
        self._overlay[name][row["id"]] = row
        self._created[name] += 1
        return row["id"]

    def _update(self, plan: EntityPlan, row_id: int, rng: random.Random, now: int):
        name = plan.spec.name
        current = self.get(name, row_id)
        row = {f.name: current[f.name] for f in plan.spec.fields}
        if plan.spec.has_udfs:
            row["userDefinedFields"] = current["userDefinedFields"]

        candidates = _editable_fields(plan)
        for field in rng.sample(candidates, min(2, len(candidates))):
            row[field.name] = _edited(plan, field, row[field.name], rng)
        for stamp in plan.spec.change_stamps:
            row[stamp] = now
        self._overlay[name][row_id] = row

    def _delete(self, plan: EntityPlan, row_id: int, rng: random.Random, now: int):
        name = plan.spec.name
        row = self.get(name, row_id)
        self._deleted[name].add(row_id)
        self._overlay[name].pop(row_id, None)

        tombstones = TOMBSTONES.get(name)
        if tombstones is None:
            return
        resources = self.plans["Resources"]
        self._create(
            self.plans[tombstones],
            now,
            {
                "ticketID": row_id,
                "ticketNumber": row["ticketNumber"],
                "ticketTitle": row["title"],
                "deletedByResourceID": resources.id_of(rng.randrange(resources.count)),
                "deletedDateTime": now,
            },
        )


def _editable_fields(plan: EntityPlan) -> list:
    """Plain value fields an update may change: no id, stamp or reference,
    and no dependent picklist (editing one side would break the pair)."""
    spec = plan.spec
    paired = {f for (e, f) in PICKLIST_PARENTS if e == spec.name}
    paired |= {p for (e, _), p in PICKLIST_PARENTS.items() if e == spec.name}
    return [
        f
        for f in spec.fields
        if f.name != "id"
        and f.name != spec.create_stamp
        and f.name not in spec.change_stamps
        and f.reference is None
        and f.name not in paired
        and f.data_type != "datetime"
    ]


def _edited(plan: EntityPlan, field, value, rng: random.Random):
    """A different value of the same type."""
    values = picklist(plan.spec.name, field.name)
    if values is not None:
        codes = [v.value for v in values if v.is_active and v.value != value]
        return rng.choice(codes) if codes else value
    if field.data_type == "string":
        return f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} (edited)"
    if field.data_type == "boolean":
        return not value
    if field.data_type == "decimal":
        return round((value or 0) + 1.25, 4)
    if field.name.startswith(("is", "has")):
        return 0 if value else 1
    return (value or 0) + 1
