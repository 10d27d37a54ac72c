"""One sync run: the client, the budget, field metadata and the dlt resources.

A run is built in two steps so that bad input fails before any request and
the tenant's budget is read before any data request:

1. `AutotaskRun(...)` resolves entity names (unknown names fail here).
2. `prepare()` reads `ThresholdInformation` (the run's share of what is left
   becomes its request budget, and the response's `Date` becomes the run's
   start clock), then each entity's field and UDF metadata.

`source()` then returns the dlt source: one resource per entity, merged on
`id`, plus the `picklist_values` and `entity_fields` tables. Per-entity
progress lives on the run so a caller can print a summary afterwards.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.extract.source import DltSource

from . import cursor
from .batches import largest_timestamp, page_to_table, unknown_names
from .catalogue import (
    PER_PARENT,
    EntitySpec,
    SyncMode,
    load_catalogue,
    resolve_entities,
)
from .client import AutotaskClient, AutotaskCredentials, QueryPage, RetryPolicy
from .exceptions import ApiError, BudgetExhaustedError, QueryError
from .limits import EndpointLimiter, RequestBudget
from .metadata import MetadataStore, TMetadata
from .paging import WalkPosition, walk_pages, walk_parent_pages
from .query import (
    Condition,
    Filter,
    query_body,
    split_in_lists,
    to_json,
    validate,
)
from .ranges import IdRange, plan_ranges, walk_ranges
from .schema import (
    FIELD_COLUMNS,
    PICKLIST_COLUMNS,
    EntitySchema,
    entity_schema,
    field_rows,
    parse_datetime,
    picklist_rows,
)
from .settings import (
    DEFAULT_BUDGET_SHARE,
    DEFAULT_METADATA_MAX_AGE,
    DEFAULT_OVERLAP,
    METADATA_WORKERS,
    PROGRESS_INTERVAL_SECONDS,
    REQUEST_TIMEOUT_SECONDS,
    SPLIT_MIN_ROWS,
    THREADS_PER_ENDPOINT,
    ZONE_LOOKUP_URL,
)

logger = logging.getLogger("autotask_sync")

# Rows the entity's last finished walk saw; a walk that small is not split.
LAST_WALK_ROWS_KEY = "last_walk_rows"

_naming = NamingConvention()


def table_name(entity: str) -> str:
    """The destination table of an entity: `TicketNotes` -> `ticket_notes`."""
    return _naming.normalize_table_identifier(entity)


@dataclass
class RunOptions:
    """What to sync and how carefully; every field has a safe default."""

    entities: tuple[str, ...] = ("core",)
    base_url: str | None = None
    zone_lookup_url: str = ZONE_LOOKUP_URL
    overlap: timedelta = DEFAULT_OVERLAP
    budget_share: float = DEFAULT_BUDGET_SHARE
    retry: RetryPolicy | None = None
    timeout: float = REQUEST_TIMEOUT_SECONDS
    filters: dict[str, Filter] = field(default_factory=dict)
    metadata_max_age: timedelta = DEFAULT_METADATA_MAX_AGE


@dataclass
class EntityProgress:
    """Rows, pages and time of one entity in this run, and how it ended."""

    entity: str
    mode: str
    rows: int = 0
    pages: int = 0
    seconds: float = 0.0
    status: str = "pending"
    message: str = ""
    started: float = field(default=0.0, repr=False)
    last_log: float = field(default=0.0, repr=False)


class AutotaskRun:
    """Everything one sync run shares between its resources."""

    def __init__(
        self,
        credentials: AutotaskCredentials,
        options: RunOptions | None = None,
        *,
        client: AutotaskClient | None = None,
    ) -> None:
        self.options = options or RunOptions()
        self.specs: list[EntitySpec] = resolve_entities(self.options.entities)
        self._check_filter_entities()
        self.client = client or AutotaskClient(
            credentials,
            base_url=self.options.base_url,
            zone_lookup_url=self.options.zone_lookup_url,
            limiter=EndpointLimiter(THREADS_PER_ENDPOINT),
            retry=self.options.retry,
            timeout=self.options.timeout,
        )
        self.started_at: datetime | None = None
        self.budget: RequestBudget | None = None
        self.schemas: dict[str, EntitySchema] = {}
        self.filters: dict[str, list[Filter]] = {}
        self.metadata: dict[str, TMetadata] = {}
        self.metadata_store: MetadataStore | None = None
        self._cached_metadata: set[str] = set()
        self.progress = {
            spec.name: EntityProgress(spec.name, spec.mode.value) for spec in self.specs
        }

    def _check_filter_entities(self) -> None:
        """User filters must name synced entities that take a free filter."""
        chosen = {spec.name: spec for spec in self.specs}
        for entity in self.options.filters:
            spec = chosen.get(entity)
            if spec is None:
                raise QueryError(
                    f"A filter is given for {entity}, which this run does not "
                    f"sync; add {entity} to --entities or drop the filter."
                )
            if spec.mode is SyncMode.PER_PARENT:
                raise QueryError(
                    f"{entity} accepts no filter of its own; it is read per "
                    "changed parent."
                )

    def prepare(self, metadata_cache: Path | None = None) -> None:
        """Read the tenant's budget and every chosen entity's metadata.

        With `metadata_cache`, metadata younger than `metadata_max_age` is
        taken from that file instead of two requests per entity.
        """
        threshold = self.client.threshold_information()
        # Autotask sends a Date header; a proxy that drops it leaves the
        # local clock, which the overlap must then cover.
        self.started_at = self.client.server_time() or datetime.now(UTC)
        self.budget = RequestBudget.from_threshold(threshold, self.options.budget_share)
        self.client.budget = self.budget
        logger.info(
            "Tenant budget: %s of %s requests used this hour; this run may use %s",
            threshold.get("currentTimeframeRequestCount"),
            threshold.get("externalRequestThreshold"),
            self.budget.remaining,
        )

        self.metadata_store = MetadataStore(
            self.client, metadata_cache, self.options.metadata_max_age
        )
        with ThreadPoolExecutor(METADATA_WORKERS) as pool:
            for spec, answer in zip(
                self.specs, pool.map(self._metadata, self.specs), strict=True
            ):
                if answer is None:
                    continue
                metadata, cached = answer
                self._use_metadata(spec, metadata)
                if cached:
                    self._cached_metadata.add(spec.name)
        self.metadata_store.save()
        if self._cached_metadata:
            logger.info(
                "Field metadata of %s entities taken from the cache",
                len(self._cached_metadata),
            )

        for entity, user_filter in self.options.filters.items():
            if entity not in self.metadata:
                continue
            fields, udfs = self.metadata[entity]
            checked = validate(user_filter, fields, udfs, entity=entity)
            self.filters[entity] = split_in_lists(checked)

    def _metadata(self, spec: EntitySpec) -> tuple[TMetadata, bool] | None:
        """The entity's metadata; None when Autotask keeps refusing it.

        One entity the API user may not read, or that keeps failing, must
        not sink the run: it is marked failed and the others go on.
        """
        try:
            return self.metadata_store.get(spec.name, spec.has_udfs)
        except ApiError as exc:
            self._fail(self.progress[spec.name], exc)
            return None

    def _use_metadata(self, spec: EntitySpec, metadata: TMetadata) -> EntitySchema:
        fields, udfs = metadata
        self.metadata[spec.name] = metadata
        self.schemas[spec.name] = entity_schema(spec.name, fields, udfs)
        return self.schemas[spec.name]

    def _schema_for(self, spec: EntitySpec, items: list[dict]) -> EntitySchema:
        """The entity's schema, re-read once if cached metadata misses a field."""
        schema = self.schemas[spec.name]
        if spec.name not in self._cached_metadata:
            return schema
        unknown = unknown_names(schema, items)
        if not unknown:
            return schema
        logger.info(
            "%s: rows carry fields the cached metadata lacks (%s); re-reading it",
            spec.name,
            ", ".join(sorted(unknown)[:5]),
        )
        self._cached_metadata.discard(spec.name)
        schema = self._use_metadata(
            spec, self.metadata_store.fetch(spec.name, spec.has_udfs)
        )
        self.metadata_store.save()
        return schema

    def resources(self) -> list[Any]:
        """One resource per entity, plus picklist values and field metadata."""
        if self.started_at is None:
            raise RuntimeError("AutotaskRun.prepare() must run before resources()")
        resources = [
            self._entity_resource(spec)
            for spec in self.specs
            if spec.name in self.schemas
        ]
        return resources + [self._picklist_resource(), self._fields_resource()]

    def source(self) -> DltSource:
        """The dlt source for this run; call `prepare()` first."""
        resources = self.resources()

        def autotask() -> list[Any]:
            return resources

        return dlt.source(name="autotask", section="autotask", max_table_nesting=0)(
            autotask
        )()

    def _entity_resource(self, spec: EntitySpec) -> Any:
        name = table_name(spec.name)
        rows = self._per_parent_rows if spec.mode is SyncMode.PER_PARENT else None
        return dlt.resource(
            (rows or self._entity_rows)(spec, name),
            name=name,
            write_disposition="merge",
            primary_key="id",
            columns=self.schemas[spec.name].columns,
            parallelized=True,
        )

    def _entity_rows(self, spec: EntitySpec, resource_name: str) -> Iterator[Any]:
        state = dlt.current.resource_state(resource_name)
        if cursor.follow_filter(state, self._filter_fingerprint(spec)):
            state.pop(LAST_WALK_ROWS_KEY, None)
            logger.info(
                "%s: the filter differs from the last run's; reading every "
                "matching row again",
                spec.name,
            )
        walk = cursor.begin_walk(state, self.started_at, self.options.overlap)
        stamp_bound = []
        if spec.mode is not SyncMode.FULL and walk.lower_bound is not None:
            stamp_bound.append(Condition(spec.cursor, "gte", walk.lower_bound))
        parts = self.filters.get(spec.name) or [[]]
        schema = self.schemas[spec.name]
        largest_stamp = None
        progress = self._start(spec)
        logger.info(
            "%s: walking %s%s%s",
            spec.name,
            f"rows stamped since {walk.lower_bound.isoformat()}"
            if stamp_bound
            else "all rows",
            " matching the given filter" if spec.name in self.filters else "",
            f" from id {walk.after_id}" if walk.after_id is not None else "",
        )

        may_split = len(parts) == 1 and (
            state.get(LAST_WALK_ROWS_KEY, SPLIT_MIN_ROWS) >= SPLIT_MIN_ROWS
        )
        try:
            for part in range(walk.part, len(parts)):
                resume = walk if part == walk.part else None
                conditions = [*stamp_bound, *parts[part]]
                pages = self._walk_part(spec, conditions, resume, may_split)
                for page, after_id, ranges in pages:
                    table = None
                    if page.items:
                        schema = self._schema_for(spec, page.items)
                        table = page_to_table(schema, page.items)
                    if table is not None and spec.cursor:
                        stamp = largest_timestamp(table, spec.cursor)
                        if stamp is not None:
                            largest_stamp = max(stamp, largest_stamp or stamp)
                    cursor.record_progress(state, walk, after_id, part, ranges)
                    progress.rows += len(page.items)
                    progress.pages += 1
                    self._tick(progress)
                    if table is not None:
                        yield table
        except BudgetExhaustedError as exc:
            self._stop(progress, exc)
            return
        except ApiError as exc:
            self._fail(progress, exc)
            return

        cursor.finish_walk(state, walk, largest_stamp)
        state[LAST_WALK_ROWS_KEY] = progress.rows
        self._finish(progress)
        if progress.rows == 0:
            yield page_to_table(schema, [])

    def _filter_fingerprint(self, spec: EntitySpec) -> str | None:
        """The user's filter for the entity as stable text, or None."""
        parts = self.filters.get(spec.name)
        if not parts:
            return None
        return json.dumps([to_json(part) for part in parts], sort_keys=True)

    def _walk_part(
        self,
        spec: EntitySpec,
        conditions: list[Any],
        resume: cursor.Walk | None,
        may_split: bool,
    ) -> Iterator[tuple[QueryPage, int | None, list | None]]:
        """Pages of one query, with the position to record after each.

        A walk starts alone; when its first page shows a big remainder it
        continues as id ranges walked in parallel within the endpoint's
        slots. A resumed split walk goes straight back to its ranges.
        """
        if resume is not None and resume.ranges is not None:
            ranges = [IdRange.from_state(value) for value in resume.ranges]
        else:
            position = WalkPosition(after_id=resume.after_id if resume else None)
            ranges = None
            for page in walk_pages(self.client, spec.name, conditions, position):
                yield page, position.after_id, None
                if may_split and position.pages == 1 and page.next_page_url:
                    ranges = self._plan_split(spec, conditions, page)
                    if ranges is not None:
                        break
            if ranges is None:
                return

        for index, page in walk_ranges(self.client, spec.name, conditions, ranges):
            if page.items:
                ranges[index].after_id = page.items[-1]["id"]
            yield page, None, [id_range.to_state() for id_range in ranges]

    def _plan_split(
        self, spec: EntitySpec, conditions: list[Any], first: QueryPage
    ) -> list[IdRange] | None:
        """Id ranges for the rest of a big walk, or None to go on alone."""
        last_id = first.items[-1]["id"]
        body = query_body([*conditions, Condition("id", "gt", last_id)])
        remaining = self.client.count(spec.name, body)
        if remaining < SPLIT_MIN_ROWS:
            return None
        logger.info(
            "%s: %s rows left; walking %s id ranges side by side",
            spec.name,
            remaining,
            THREADS_PER_ENDPOINT,
        )
        return plan_ranges(
            first.items[0]["id"],
            last_id,
            len(first.items),
            remaining,
            THREADS_PER_ENDPOINT,
        )

    def _per_parent_rows(self, spec: EntitySpec, resource_name: str) -> Iterator[Any]:
        """Rows of a per-parent entity, for parent rows changed since last run.

        The parent is walked with only `id` and its change stamp, under this
        entity's own cursor, and each changed parent's rows are read with
        the single filter the entity accepts. The first run has nothing to
        compare against, so it only starts the cursor: history of earlier
        changes is not backfilled.
        """
        parent, parent_field = PER_PARENT[spec.name]
        parent_spec = load_catalogue()[parent]
        state = dlt.current.resource_state(resource_name)
        walk = cursor.begin_walk(state, self.started_at, self.options.overlap)
        progress = self._start(spec)

        if walk.lower_bound is None:
            cursor.finish_walk(state, walk, self.started_at)
            self._finish(progress, "first run: reading from the next run on")
            yield page_to_table(self.schemas[spec.name], [])
            return

        schema = self.schemas[spec.name]
        conditions = [Condition(parent_spec.cursor, "gte", walk.lower_bound)]
        parents = WalkPosition(after_id=walk.after_id)
        include = ["id", parent_spec.cursor]
        done_id, largest_stamp = walk.after_id, None
        try:
            for page in walk_pages(
                self.client, parent, conditions, parents, include_fields=include
            ):
                for row in page.items:
                    for child in walk_parent_pages(
                        self.client, spec.name, parent_field, row["id"]
                    ):
                        progress.pages += 1
                        progress.rows += len(child.items)
                        self._tick(progress)
                        if child.items:
                            schema = self._schema_for(spec, child.items)
                            yield page_to_table(schema, child.items)
                    done_id = row["id"]
                    stamp = row.get(parent_spec.cursor)
                    if stamp is not None:
                        stamp = parse_datetime(stamp)
                        largest_stamp = max(stamp, largest_stamp or stamp)
                cursor.record_progress(state, walk, done_id)
        except (BudgetExhaustedError, ApiError) as exc:
            cursor.record_progress(state, walk, done_id)
            if isinstance(exc, BudgetExhaustedError):
                self._stop(progress, exc)
            else:
                self._fail(progress, exc)
            return

        cursor.finish_walk(state, walk, largest_stamp)
        self._finish(progress)
        if progress.rows == 0:
            yield page_to_table(schema, [])

    def _start(self, spec: EntitySpec) -> EntityProgress:
        progress = self.progress[spec.name]
        progress.started = progress.last_log = time.monotonic()
        progress.status = "running"
        return progress

    def _tick(self, progress: EntityProgress) -> None:
        """Log progress on long walks, at most every PROGRESS_INTERVAL_SECONDS."""
        now = time.monotonic()
        progress.seconds = now - progress.started
        if now - progress.last_log < PROGRESS_INTERVAL_SECONDS:
            return
        progress.last_log = now
        logger.info(
            "%s: %s rows, %s pages so far; run budget left %s requests",
            progress.entity,
            progress.rows,
            progress.pages,
            self.budget.remaining if self.budget else None,
        )

    def _stop(self, progress: EntityProgress, exc: BudgetExhaustedError) -> None:
        progress.status = "incomplete"
        progress.message = str(exc)
        progress.seconds = time.monotonic() - progress.started
        logger.warning(
            "%s: stopped after %s rows: %s", progress.entity, progress.rows, exc
        )

    def _fail(self, progress: EntityProgress, exc: ApiError) -> None:
        """Give up on one entity; its progress so far is kept for the next run."""
        progress.status = "failed"
        progress.message = str(exc)
        if progress.started:
            progress.seconds = time.monotonic() - progress.started
        logger.error(
            "%s: failed after %s rows: %s", progress.entity, progress.rows, exc
        )

    def _finish(self, progress: EntityProgress, note: str = "") -> None:
        progress.status = "complete"
        progress.message = note
        progress.seconds = time.monotonic() - progress.started
        logger.info(
            "%s: done, %s rows in %s pages, %.1fs%s",
            progress.entity,
            progress.rows,
            progress.pages,
            progress.seconds,
            f" ({note})" if note else "",
        )

    def _picklist_resource(self) -> Any:
        return self._metadata_resource(
            "picklist_values",
            picklist_rows,
            ("entity", "field", "value"),
            PICKLIST_COLUMNS,
        )

    def _fields_resource(self) -> Any:
        return self._metadata_resource(
            "entity_fields", field_rows, ("entity", "field"), FIELD_COLUMNS
        )

    def _metadata_resource(
        self,
        name: str,
        make_rows: Any,
        primary_key: tuple[str, ...],
        columns: dict[str, Any],
    ) -> Any:
        """A table built from this run's metadata, replaced per entity."""
        rows = [
            row
            for entity, (fields, udfs) in self.metadata.items()
            for row in make_rows(entity, fields, udfs)
        ]
        return dlt.resource(
            _rows_or_empty_table(rows),
            name=name,
            write_disposition="merge",
            primary_key=primary_key,
            merge_key="entity",
            columns=columns,
        )


def _rows_or_empty_table(rows: list[dict[str, Any]]) -> Iterator[Any]:
    """Yield the rows, or create the table empty when there are none."""
    if rows:
        yield rows
    else:
        yield dlt.mark.materialize_table_schema()
