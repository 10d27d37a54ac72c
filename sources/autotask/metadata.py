"""Entity field and UDF metadata, read from Autotask or from a local cache.

Reading `entityInformation/fields` (and `userDefinedFields`) for every entity
on every run would double the cost of a quiet incremental run. The metadata
is therefore kept in a JSON file beside the pipeline's state and re-read
when it is older than its maximum age, or at once when a page shows a field
or UDF the cached metadata does not know (an admin added one), so that no
value of a new field is dropped.

The cache holds only what Autotask publishes about the tenant's schema:
field names, types and picklist values. No credentials, no rows.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .client import AutotaskClient

logger = logging.getLogger("autotask_sync")

TMetadata = tuple[list[dict[str, Any]], list[dict[str, Any]]]


class MetadataStore:
    """Fields and UDFs per entity, with an optional on-disk cache."""

    def __init__(
        self,
        client: AutotaskClient,
        cache_path: Path | None = None,
        max_age: timedelta = timedelta(0),
    ) -> None:
        self.client = client
        self.cache_path = cache_path
        self.max_age = max_age
        self._lock = threading.Lock()
        self._cached = self._load() if cache_path and max_age > timedelta(0) else {}

    def _load(self) -> dict[str, Any]:
        try:
            document = json.loads(self.cache_path.read_text())
        except (OSError, ValueError):
            return {}
        now = datetime.now(UTC)
        fresh = {}
        for entity, entry in document.get("entities", {}).items():
            saved_at = datetime.fromisoformat(entry["saved_at"])
            if now - saved_at <= self.max_age:
                fresh[entity] = entry
        return fresh

    def get(self, entity: str, has_udfs: bool) -> tuple[TMetadata, bool]:
        """The entity's metadata, and whether it came from the cache."""
        with self._lock:
            entry = self._cached.get(entity)
        if entry is not None:
            return (entry["fields"], entry["udfs"]), True
        return self.fetch(entity, has_udfs), False

    def fetch(self, entity: str, has_udfs: bool) -> TMetadata:
        """Read the entity's metadata from Autotask and remember it."""
        fields = self.client.entity_fields(entity)
        udfs = self.client.user_defined_fields(entity) if has_udfs else []
        with self._lock:
            self._cached[entity] = {
                "saved_at": datetime.now(UTC).isoformat(),
                "fields": fields,
                "udfs": udfs,
            }
        return fields, udfs

    def save(self) -> None:
        """Write the cache file, if there is one."""
        if self.cache_path is None or self.max_age <= timedelta(0):
            return
        with self._lock:
            document = {"entities": dict(self._cached)}
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.cache_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(document))
        temporary.replace(self.cache_path)
