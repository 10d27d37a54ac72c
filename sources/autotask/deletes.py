"""Applying Autotask's tombstones to the tables they delete from.

Autotask records deleted tickets in `DeletedTicketLogs`, which the pipeline
loads incrementally like any other entity. After each load, every target row
named by a tombstone is deleted. The statement is idempotent and uses the
whole tombstone table, so a run that crashed between loading tombstones and
applying them is repaired by the next run.
"""

from __future__ import annotations

import logging
from typing import Any

from dlt.common.normalizers.naming.snake_case import NamingConvention

from .catalogue import TOMBSTONES
from .run import table_name

logger = logging.getLogger("autotask_sync")

_naming = NamingConvention()


def apply_tombstones(pipeline: Any) -> dict[str, int]:
    """Delete tombstoned rows from their tables; returns rows deleted per entity.

    Tables that do not exist yet (their entity was never synced) are skipped.
    """
    tables = (
        set(pipeline.default_schema.tables) if pipeline.default_schema_name else set()
    )
    deleted: dict[str, int] = {}
    with pipeline.sql_client() as client:
        for tombstone, (target, column) in TOMBSTONES.items():
            tombstone_table, target_table = table_name(tombstone), table_name(target)
            if not {tombstone_table, target_table} <= tables:
                continue
            target_sql = client.make_qualified_table_name(target_table)
            tombstone_sql = client.make_qualified_table_name(tombstone_table)
            id_column = _naming.normalize_identifier(column)
            matched = f"id IN (SELECT {id_column} FROM {tombstone_sql})"
            rows = client.execute_sql(
                f"SELECT count(*) FROM {target_sql} WHERE {matched}"
            )
            count = rows[0][0] if rows else 0
            if count:
                client.execute_sql(f"DELETE FROM {target_sql} WHERE {matched}")
                logger.info("%s: deleted %s rows named by %s", target, count, tombstone)
            deleted[target] = count
    return deleted
