"""`autotask_source` used from a user's own dlt pipeline, configured by dlt."""

from __future__ import annotations

import dlt
import duckdb

from sandbox import (
    SANDBOX_INTEGRATION_CODE,
    SANDBOX_SECRET,
    SANDBOX_USERNAME,
    Sandbox,
    SandboxConfig,
)
from sources.autotask import autotask_source


def test_the_dlt_source_reads_credentials_from_dlt_config(tmp_path, monkeypatch):
    prefix = "SOURCES__AUTOTASK__CREDENTIALS__"
    monkeypatch.setenv(prefix + "USERNAME", SANDBOX_USERNAME)
    monkeypatch.setenv(prefix + "SECRET", SANDBOX_SECRET)
    monkeypatch.setenv(prefix + "INTEGRATION_CODE", SANDBOX_INTEGRATION_CODE)
    database = tmp_path / "mine.duckdb"

    with Sandbox(SandboxConfig(seed=8, scale=600)) as sandbox:
        pipeline = dlt.pipeline(
            "my_autotask",
            destination=dlt.destinations.duckdb(str(database)),
            dataset_name="psa",
            pipelines_dir=str(tmp_path / "pipelines"),
        )
        source = autotask_source(
            entities=["Tickets", "Companies"], zone_lookup_url=sandbox.zone_lookup_url
        )
        pipeline.run(source)
        expected = {e: sandbox.tenant.count(e) for e in ("Tickets", "Companies")}

    with duckdb.connect(str(database), read_only=True) as conn:
        landed = {
            "Tickets": conn.execute("SELECT count(*) FROM psa.tickets").fetchone()[0],
            "Companies": conn.execute("SELECT count(*) FROM psa.companies").fetchone()[
                0
            ],
        }
    assert landed == expected
    assert sorted(source.resources) == [
        "companies",
        "deleted_ticket_logs",
        "entity_fields",
        "picklist_values",
        "tickets",
    ]
