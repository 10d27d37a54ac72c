"""The benchmark's results: one record per contender, a table and a JSON file.

A contender that landed a different number of rows than the sandbox holds
is `wrong`: its seconds are kept for the record, but it gets no rows per
second and no ratio, so it can never look fast. A contender that raised is
`failed`, with the error's text. The ratio is a contender's wall seconds
over autotask-sync's: above 1 is slower than autotask-sync.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REFERENCE = "autotask-sync"

COLUMNS = (
    ("contender", 28),
    ("seconds", 9),
    ("rows", 10),
    ("rows/s", 9),
    ("requests", 9),
    ("peak MB", 8),
    ("RSS +MB", 8),
    ("x autotask-sync", 16),
)


@dataclass
class ContenderResult:
    name: str
    kind: str
    description: str
    status: str = "ok"
    message: str = ""
    seconds: float | None = None
    seconds_samples: list[float] = field(default_factory=list)
    rows: int = 0
    rows_by_entity: dict[str, int] = field(default_factory=dict)
    expected_rows: int = 0
    rows_per_second: float | None = None
    requests: int | None = None
    requests_by_route: dict[str, int] = field(default_factory=dict)
    peak_python_mb: float | None = None
    rss_growth_mb: float | None = None
    duckdb_mb: float | None = None
    entity_seconds: dict[str, float] | None = None
    ratio_to_autotask_sync: float | None = None

    def judge(self, expected: dict[str, int]) -> None:
        """Set status, rows per second and the message from what landed."""
        self.expected_rows = sum(expected.values())
        if self.status == "failed":
            return
        differing = {
            entity: (self.rows_by_entity.get(entity, 0), rows)
            for entity, rows in expected.items()
            if self.rows_by_entity.get(entity, 0) != rows
        }
        if differing:
            self.status = "wrong"
            self.message = "; ".join(
                f"{entity}: landed {got:,} of {want:,}"
                for entity, (got, want) in differing.items()
            )
            return
        if self.seconds:
            self.rows_per_second = self.rows / self.seconds


def set_ratios(results: list[ContenderResult]) -> None:
    """Each correct contender's seconds over autotask-sync's (when correct)."""
    reference = next((r for r in results if r.name == REFERENCE), None)
    if reference is None or reference.status != "ok" or not reference.seconds:
        return
    for result in results:
        if result.status == "ok" and result.seconds is not None:
            result.ratio_to_autotask_sync = result.seconds / reference.seconds


def _number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def format_table(results: list[ContenderResult]) -> str:
    """A fixed-width table, one line per contender, notes below it."""
    header = " ".join(
        name.ljust(width) if i == 0 else name.rjust(width)
        for i, (name, width) in enumerate(COLUMNS)
    )
    lines = [header, "-" * len(header)]
    notes = []
    for result in results:
        ratio = _number(result.ratio_to_autotask_sync, 2)
        if result.status != "ok":
            ratio = result.status.upper()
            notes.append(f"{result.name}: {result.status}: {result.message}")
        cells = (
            result.name,
            _number(result.seconds, 2),
            _number(result.rows),
            _number(result.rows_per_second),
            _number(result.requests),
            _number(result.peak_python_mb, 1),
            _number(result.rss_growth_mb, 1),
            ratio,
        )
        lines.append(
            " ".join(
                str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
                for i, (cell, (_, width)) in enumerate(zip(cells, COLUMNS, strict=True))
            )
        )
    return "\n".join(lines + ([""] + notes if notes else []))


def format_big_tenant(big: dict[str, Any]) -> str:
    def page(name: str) -> str:
        timing = big[name]
        return (
            f"{timing['seconds']:.3f} s ({timing['rows']} rows, "
            f"next page: {'yes' if timing['has_next_page'] else 'no'})"
        )

    return "\n".join(
        [
            f"Sandbox alone at {big['tickets']:,} Tickets:",
            f"  start            {big['start_seconds']:.3f} s, "
            f"RSS +{_number(big['rss_after_start_mb'], 1)} MB",
            f"  first page       {page('first_page')}",
            f"  last page        {page('last_page')}",
            f"  incremental page {page('incremental_page')}",
            f"  RSS after pages  +{_number(big['rss_after_pages_mb'], 1)} MB",
        ]
    )


def results_document(
    *,
    started_at: str,
    finished_at: str,
    machine: dict[str, Any],
    config: dict[str, Any],
    expected_rows: dict[str, int],
    results: list[ContenderResult],
    big_tenant: dict[str, Any] | None,
) -> dict[str, Any]:
    """The JSON document written to `bench/results/<timestamp>.json`."""
    return {
        "started_at": started_at,
        "finished_at": finished_at,
        "machine": machine,
        "config": config,
        "expected_rows": expected_rows,
        "contenders": [asdict(result) for result in results],
        "big_tenant": big_tenant,
    }


def write_results(document: dict[str, Any], folder: Path, stamp: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stamp}.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path
