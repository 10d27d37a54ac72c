"""The contenders: autotask-sync, two peers, and the simulator's floor.

Every contender does the same job, a full sync of `Target.entities` from
the sandbox at `Target.base_url` into a fresh DuckDB file under
`Target.workdir`, and is judged on the same evidence: `landed()` counts the
rows it left behind per entity, after the measured run, so the counting
costs no contender anything. The two floor contenders land nothing; they
count the rows they paged and threw away.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb

from sandbox import SANDBOX_INTEGRATION_CODE, SANDBOX_SECRET, SANDBOX_USERNAME

PAGE_SIZE = 500


@dataclass(frozen=True)
class Target:
    """One contender's job: the tenant, the entities and a folder of its own."""

    base_url: str
    zone_lookup_url: str
    entities: tuple[str, ...]
    workdir: Path

    @property
    def api_url(self) -> str:
        return f"{self.base_url}V1.0/"


class Contender(Protocol):
    key: str
    name: str
    kind: str
    description: str

    def run(self, target: Target) -> None: ...

    def landed(self, target: Target) -> dict[str, int]: ...


def auth_headers() -> dict[str, str]:
    """The sandbox tenant's three Autotask auth headers."""
    return {
        "ApiIntegrationCode": SANDBOX_INTEGRATION_CODE,
        "UserName": SANDBOX_USERNAME,
        "Secret": SANDBOX_SECRET,
    }


def count_tables(path: Path, tables: dict[str, str]) -> dict[str, int]:
    """Rows per entity in a DuckDB file, `tables` mapping entity to table;
    a missing file or table counts as 0 rows landed."""
    if not path.exists():
        return dict.fromkeys(tables, 0)
    with duckdb.connect(str(path), read_only=True) as conn:
        present = {
            f"{schema}.{name}"
            for schema, name in conn.execute(
                "SELECT schema_name, table_name FROM duckdb_tables()"
            ).fetchall()
        }
        return {
            entity: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if table in present
            else 0
            for entity, table in tables.items()
        }


def all_contenders() -> list[Contender]:
    """Every contender, autotask-sync first: the others' ratios refer to it."""
    from .autotask_sync import AutotaskSync
    from .dlt_rest_client import DltRestClientPeer
    from .hand_rolled import HandRolledPeer
    from .sandbox_floor import SandboxFloor

    return [
        AutotaskSync(),
        DltRestClientPeer(),
        HandRolledPeer(),
        SandboxFloor(parallel=False),
        SandboxFloor(parallel=True),
    ]
