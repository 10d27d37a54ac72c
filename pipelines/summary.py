"""The run summary an operator reads at the end of `autotask-sync`."""

from __future__ import annotations

from .sync import SyncReport

COLUMNS = (
    "entity",
    "mode",
    "rows",
    "pages",
    "requests",
    "retries",
    "seconds",
    "status",
)


def _row(progress, report: SyncReport) -> tuple[str, ...]:
    requests, retries = report.entity_requests(progress.entity)
    return (
        progress.entity,
        progress.mode,
        f"{progress.rows:,}",
        f"{progress.pages:,}",
        f"{requests:,}",
        f"{retries:,}",
        f"{progress.seconds:.1f}",
        progress.status,
    )


def format_summary(report: SyncReport) -> str:
    """A fixed-width table per entity, then totals, deletes and budget."""
    rows = [COLUMNS] + [_row(p, report) for p in report.entities]
    rows.append(
        (
            "total",
            "",
            f"{sum(p.rows for p in report.entities):,}",
            f"{sum(p.pages for p in report.entities):,}",
            f"{report.requests_total:,}",
            f"{report.retries_total:,}",
            f"{report.seconds:.1f}",
            "complete" if report.complete else "incomplete",
        )
    )
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(width) if i < 2 or i == len(COLUMNS) - 1 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())

    if any(report.deleted.values()):
        deleted = ", ".join(
            f"{e} {n:,}" for e, n in sorted(report.deleted.items()) if n
        )
        lines.append(f"Rows deleted by tombstones: {deleted}")
    if report.budget_allowed is not None:
        lines.append(
            f"Budget: {report.budget_spent:,} of the {report.budget_allowed:,} "
            "requests this run was allowed"
        )
    for progress in report.entities:
        if progress.status in ("incomplete", "failed"):
            lines.append(f"{progress.status}: {progress.entity}: {progress.message}")
    return "\n".join(lines)
