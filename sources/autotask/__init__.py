"""A dlt source for the Autotask PSA REST API.

One resource per Autotask entity, each walked in `id` order with POST queries
of 500 rows, incremental on the entity's change stamp and merged on `id`,
under a client that keeps 3 requests in flight per endpoint and spends only
a share of the tenant's hourly budget. Columns are typed from
`entityInformation/fields`; picklist labels land in `picklist_values`.

Use it from your own pipeline::

    import dlt
    from sources.autotask import autotask_source

    pipeline = dlt.pipeline("autotask", destination="duckdb", dataset_name="autotask")
    pipeline.run(autotask_source(entities=["Tickets", "Companies"]))

Credentials come from `[sources.autotask.credentials]` in `.dlt/secrets.toml`
(`username`, `secret`, `integration_code`) or the matching environment
variables. Deletes from `DeletedTicketLogs` are applied by
`sources.autotask.deletes.apply_tombstones(pipeline)` after a load.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dlt
from dlt.common.configuration import configspec
from dlt.common.configuration.specs import CredentialsConfiguration
from dlt.common.typing import TSecretStrValue

from .client import AutotaskClient, AutotaskCredentials
from .run import AutotaskRun, RunOptions
from .settings import DEFAULT_BUDGET_SHARE, ZONE_LOOKUP_URL

__all__ = [
    "AutotaskClient",
    "AutotaskCredentials",
    "AutotaskRun",
    "RunOptions",
    "autotask_source",
]


@configspec
class AutotaskCredentialsConfiguration(CredentialsConfiguration):
    """The API user's three credentials, resolved by dlt as secrets."""

    username: str = None
    secret: TSecretStrValue = None
    integration_code: TSecretStrValue = None


@dlt.source(name="autotask", section="autotask", max_table_nesting=0)
def autotask_source(
    entities: Sequence[str] = ("core",),
    credentials: AutotaskCredentialsConfiguration = dlt.secrets.value,
    base_url: str | None = None,
    zone_lookup_url: str = ZONE_LOOKUP_URL,
    budget_share: float = DEFAULT_BUDGET_SHARE,
) -> Any:
    """The chosen entities (names or groups such as `core` and `all`)."""
    run = AutotaskRun(
        AutotaskCredentials(
            credentials.username, credentials.secret, credentials.integration_code
        ),
        RunOptions(
            entities=tuple(entities),
            base_url=base_url,
            zone_lookup_url=zone_lookup_url,
            budget_share=budget_share,
        ),
    )
    run.prepare()
    return run.resources()
