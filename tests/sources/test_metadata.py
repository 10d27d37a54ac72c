"""The local metadata cache: fresh entries reused, old ones re-read."""

import json
from datetime import UTC, datetime, timedelta

from sources.autotask.batches import unknown_names
from sources.autotask.metadata import MetadataStore
from sources.autotask.schema import entity_schema

FIELDS = [{"name": "id", "dataType": "long"}, {"name": "title", "dataType": "string"}]
UDFS = [{"name": "Customer Ranking", "type": "string"}]


class CountingClient:
    """Stands in for AutotaskClient's two metadata calls, counting them."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def entity_fields(self, entity):
        self.calls.append(f"{entity}/fields")
        return FIELDS

    def user_defined_fields(self, entity):
        self.calls.append(f"{entity}/userDefinedFields")
        return UDFS


def test_metadata_is_read_once_then_taken_from_the_cache(tmp_path):
    cache = tmp_path / "metadata.json"
    client = CountingClient()
    first = MetadataStore(client, cache, timedelta(hours=24))
    assert first.get("Tickets", has_udfs=True) == ((FIELDS, UDFS), False)
    first.save()

    second = MetadataStore(client, cache, timedelta(hours=24))

    assert second.get("Tickets", has_udfs=True) == ((FIELDS, UDFS), True)
    assert client.calls == ["Tickets/fields", "Tickets/userDefinedFields"]


def test_metadata_older_than_the_maximum_age_is_read_again(tmp_path):
    cache = tmp_path / "metadata.json"
    saved_at = (datetime.now(UTC) - timedelta(hours=25)).isoformat()
    entry = {"saved_at": saved_at, "fields": FIELDS, "udfs": UDFS}
    cache.write_text(json.dumps({"entities": {"Tickets": entry}}))
    client = CountingClient()

    store = MetadataStore(client, cache, timedelta(hours=24))

    assert store.get("Tickets", has_udfs=False) == ((FIELDS, []), False)
    assert client.calls == ["Tickets/fields"]


def test_a_zero_maximum_age_never_reads_or_writes_the_cache(tmp_path):
    cache = tmp_path / "metadata.json"
    store = MetadataStore(CountingClient(), cache, timedelta(0))

    store.get("Tickets", has_udfs=True)
    store.save()

    assert not cache.exists()


def test_rows_with_a_field_or_udf_the_metadata_lacks_are_noticed():
    schema = entity_schema("Tickets", FIELDS, UDFS)
    items = [
        {"id": 1, "title": "a", "userDefinedFields": [{"name": "Customer Ranking"}]},
        {"id": 2, "title": "b", "priority": 3, "userDefinedFields": [{"name": "New"}]},
    ]

    assert unknown_names(schema, items) == {"priority", "New"}
    assert unknown_names(schema, items[:1]) == set()
