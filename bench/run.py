"""`python -m bench.run`: every contender's full sync of one sandbox tenant.

For each contender, in order (autotask-sync first):

1. a timed pass (`--repeat` times, median reported): sandbox stats reset,
   a full sync into a fresh DuckDB file, wall seconds and sampled RSS,
   then the requests the sandbox saw and the rows that landed;
2. a traced pass (unless `--no-memory-pass`): the same sync again into
   another fresh file under tracemalloc, for the peak of Python memory.

Every contender first syncs a tiny tenant once (unless `--no-warmup`), so
lazy imports and one-time setup are not charged to whoever runs first.
Then the sandbox alone is measured at `--big-scale` Tickets (unless
`--skip-big`). The table goes to stdout, the JSON to
`--results-dir/<UTC timestamp>.json`.

Exit codes: 0 done; 1 autotask-sync landed a wrong row count or failed;
2 usage.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sources.autotask.catalogue import canonical_entity
from sources.autotask.exceptions import UnknownEntityError

from .big_tenant import measure_big_tenant
from .contenders import Contender, Target, all_contenders
from .measure import MB, timed, traced_peak_mb
from .report import (
    REFERENCE,
    ContenderResult,
    format_big_tenant,
    format_table,
    results_document,
    set_ratios,
    write_results,
)
from .sandboxes import BENCH_HOURLY_LIMIT, BenchSandbox, InProcessSandbox, start_sandbox

DEFAULT_SCALE = 20_000
DEFAULT_ENTITIES = "Tickets,TicketNotes,TimeEntries"
DEFAULT_BIG_SCALE = 1_000_000
WARMUP_SCALE = 20
RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("dlt", "duckdb", "httpx", "pyarrow", "requests")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    keys = [c.key for c in all_contenders()]
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Full sync of one sandbox tenant by autotask-sync and its "
        "peers, side by side in one process.",
    )
    parser.add_argument("--scale", type=int, default=DEFAULT_SCALE, help="tickets")
    parser.add_argument(
        "--entities",
        default=DEFAULT_ENTITIES,
        help="comma-separated entity names (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--contenders",
        default=",".join(keys),
        help=f"comma-separated subset of: {', '.join(keys)}",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="timed passes per contender (median)"
    )
    parser.add_argument(
        "--no-memory-pass",
        action="store_true",
        help="skip the tracemalloc pass (it runs each sync again, ~6x slower)",
    )
    parser.add_argument("--no-warmup", action="store_true")
    parser.add_argument(
        "--sandbox",
        choices=("in-process", "child-process"),
        default="in-process",
        help="where the sandbox runs (default: %(default)s)",
    )
    parser.add_argument(
        "--hourly-limit",
        type=int,
        default=BENCH_HOURLY_LIMIT,
        help="the sandbox's hourly request limit (default: lifted)",
    )
    parser.add_argument("--big-scale", type=int, default=DEFAULT_BIG_SCALE)
    parser.add_argument(
        "--skip-big", action="store_true", help="skip the big sandbox measurement"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the DuckDB files here (default: a temporary folder, removed)",
    )
    args = parser.parse_args(argv)

    if args.scale < 1 or args.repeat < 1 or args.big_scale < 1000:
        parser.error("--scale and --repeat must be >= 1, --big-scale >= 1000")
    chosen = [k.strip() for k in args.contenders.split(",") if k.strip()]
    unknown = sorted(set(chosen) - set(keys))
    if unknown or not chosen:
        parser.error(f"unknown contenders {unknown}; choose from {', '.join(keys)}")
    args.contenders = chosen
    try:
        names = [n for n in args.entities.split(",") if n.strip()]
        args.entities = tuple(dict.fromkeys(canonical_entity(n) for n in names))
    except UnknownEntityError as error:
        parser.error(str(error))
    if not args.entities:
        parser.error("--entities names no entity")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    started_at = datetime.now(UTC)
    contenders = [c for c in all_contenders() if c.key in args.contenders]

    with _workspace(args.workdir) as workdir:
        if not args.no_warmup:
            _warm_up(contenders, args.entities, workdir / "warmup")
        sandbox = start_sandbox(args.sandbox, args.seed, args.scale, args.hourly_limit)
        try:
            expected = {entity: sandbox.count(entity) for entity in args.entities}
            print(
                f"Sandbox ({sandbox.placement}) at scale {args.scale:,}: "
                + ", ".join(f"{e} {n:,}" for e, n in expected.items()),
                flush=True,
            )
            results = []
            for contender in contenders:
                result = _bench(contender, sandbox, expected, workdir, args)
                print(
                    f"  {result.name}: {result.status}, {_seconds(result.seconds)}",
                    flush=True,
                )
                results.append(result)
        finally:
            sandbox.stop()

    set_ratios(results)
    big = None
    if not args.skip_big:
        print(f"Sandbox alone at {args.big_scale:,} Tickets...", flush=True)
        big = measure_big_tenant(args.big_scale, args.seed).to_json()

    print()
    print(format_table(results))
    if big is not None:
        print()
        print(format_big_tenant(big))

    finished_at = datetime.now(UTC)
    document = results_document(
        started_at=started_at.isoformat(timespec="seconds"),
        finished_at=finished_at.isoformat(timespec="seconds"),
        machine=_machine(),
        config={
            "scale": args.scale,
            "seed": args.seed,
            "entities": list(args.entities),
            "contenders": args.contenders,
            "sandbox": args.sandbox,
            "hourly_limit": args.hourly_limit,
            "repeat": args.repeat,
            "memory_pass": not args.no_memory_pass,
            "warmup": not args.no_warmup,
            "big_scale": None if args.skip_big else args.big_scale,
        },
        expected_rows=expected,
        results=results,
        big_tenant=big,
    )
    path = write_results(
        document, args.results_dir, started_at.strftime("%Y%m%dT%H%M%SZ")
    )
    print(f"\nResults: {path}")

    reference = next((r for r in results if r.name == REFERENCE), None)
    return 1 if reference is not None and reference.status != "ok" else 0


def _bench(
    contender: Contender,
    sandbox: BenchSandbox,
    expected: dict[str, int],
    workdir: Path,
    args: argparse.Namespace,
) -> ContenderResult:
    """Run one contender's passes; its errors become a `failed` result."""
    result = ContenderResult(contender.name, contender.kind, contender.description)
    folder = workdir / contender.key

    try:
        for index in range(args.repeat):
            target = _target(sandbox, args.entities, folder / f"timed-{index}")
            sandbox.reset_stats()
            _, timing = timed(lambda target=target: contender.run(target))
            result.seconds_samples.append(timing.seconds)
            if timing.rss_growth_mb is not None:
                result.rss_growth_mb = max(
                    result.rss_growth_mb or 0.0, timing.rss_growth_mb
                )
            if index == 0:
                stats = sandbox.stats()
                result.requests = stats["requests_total"]
                result.requests_by_route = stats["requests_by_route"]
                result.duckdb_mb = _duckdb_mb(target.workdir)
                entity_seconds = getattr(contender, "entity_seconds", None)
                result.entity_seconds = dict(entity_seconds) if entity_seconds else None
            _keep_landing(result, contender.landed(target), expected)

        if not args.no_memory_pass:
            target = _target(sandbox, args.entities, folder / "traced")
            result.peak_python_mb = traced_peak_mb(lambda: contender.run(target))
            _keep_landing(result, contender.landed(target), expected)
    except Exception as error:
        result.status = "failed"
        result.message = f"{type(error).__name__}: {error}"

    if result.seconds_samples:
        result.seconds = statistics.median(result.seconds_samples)
    result.judge(expected)
    return result


def _keep_landing(
    result: ContenderResult, landed: dict[str, int], expected: dict[str, int]
) -> None:
    """Keep the first landing, or any later one that is wrong, so one wrong
    pass among several marks the contender wrong."""
    if not result.rows_by_entity or (
        result.rows_by_entity == expected and landed != expected
    ):
        result.rows_by_entity = landed
        result.rows = sum(landed.values())


def _target(sandbox: BenchSandbox, entities: tuple[str, ...], folder: Path) -> Target:
    folder.mkdir(parents=True, exist_ok=True)
    return Target(sandbox.base_url, sandbox.zone_lookup_url, entities, folder)


def _warm_up(
    contenders: list[Contender], entities: tuple[str, ...], folder: Path
) -> None:
    """One unmeasured sync of a tiny tenant per contender; errors are left
    for the measured passes to record."""
    sandbox = InProcessSandbox(1, WARMUP_SCALE, BENCH_HOURLY_LIMIT)
    try:
        for contender in contenders:
            try:
                contender.run(_target(sandbox, entities, folder / contender.key))
            except Exception:
                continue
    finally:
        sandbox.stop()


@contextmanager
def _workspace(workdir: Path | None) -> Iterator[Path]:
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        yield workdir.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="autotask-bench-") as folder:
        yield Path(folder)


def _duckdb_mb(folder: Path) -> float | None:
    files = list(folder.glob("*.duckdb"))
    if not files:
        return None
    return sum(f.stat().st_size for f in files) / MB


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _machine() -> dict:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "git": _git_revision(),
    }


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    ).stdout.strip()


def _git_revision() -> str | None:
    """The measured tree's commit, `+dirty` when tracked files have changes."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head


if __name__ == "__main__":
    sys.exit(main())
