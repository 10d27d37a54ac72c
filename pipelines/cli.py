"""`autotask-sync`: copy an Autotask tenant into DuckDB or Postgres.

Exit codes: 0 the run finished; 1 an error (the message says what to fix),
or some entities failed while the others loaded; 2 bad command-line usage;
3 the run's share of the hourly request budget ran out (what was loaded is
kept, and the next run resumes); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import timedelta

import dlt
from dlt.pipeline.exceptions import PipelineStepFailed

from sources.autotask.catalogue import GROUPS, canonical_entity, queryable_entities
from sources.autotask.client import AutotaskCredentials
from sources.autotask.exceptions import AutotaskError, CredentialsError, QueryError
from sources.autotask.query import Filter, parse_filter
from sources.autotask.run import RunOptions
from sources.autotask.settings import (
    DEFAULT_BUDGET_SHARE,
    DEFAULT_METADATA_MAX_AGE,
    DEFAULT_OVERLAP,
    ZONE_LOOKUP_URL,
)

from .summary import format_summary
from .sync import DEFAULT_DUCKDB_FILE, SyncSettings, run_sync

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_BUDGET = 0, 1, 2, 3
EXIT_INTERRUPTED = 130

CREDENTIAL_KEYS = {
    "username": "sources.autotask.credentials.username",
    "secret": "sources.autotask.credentials.secret",
    "integration_code": "sources.autotask.credentials.integration_code",
}

EPILOG = """\
credentials (never pass them on the command line):
  .dlt/secrets.toml  [sources.autotask.credentials]
                     username, secret, integration_code
  or environment     SOURCES__AUTOTASK__CREDENTIALS__USERNAME
                     SOURCES__AUTOTASK__CREDENTIALS__SECRET
                     SOURCES__AUTOTASK__CREDENTIALS__INTEGRATION_CODE

postgres: --destination postgres reads DESTINATION__POSTGRES__CREDENTIALS
  (postgresql://user:password@host:5432/database) or .dlt/secrets.toml.

exit codes: 0 done, 1 error (or some entities failed; the others are
  loaded), 2 usage, 3 hourly budget share used up (loaded rows are kept;
  the next run resumes where this one stopped), 130 interrupted.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autotask-sync",
        description="Copy an Autotask PSA tenant into DuckDB (default) or Postgres.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="sync",
        choices=("sync", "entities"),
        help="sync (default) or list the entities and how each is synced",
    )
    parser.add_argument(
        "--entities",
        default="core",
        help="comma-separated entity names or groups (%(default)s by default; "
        f"groups: {', '.join(GROUPS)}, all). Names are case-insensitive, but "
        "an entity spelled as Autotask spells it wins over a group: Projects "
        "is the entity, projects the group",
    )
    parser.add_argument(
        "--destination",
        choices=("duckdb", "postgres"),
        default="duckdb",
        help="where to load (default: %(default)s)",
    )
    parser.add_argument(
        "--duckdb-file",
        default=DEFAULT_DUCKDB_FILE,
        help="DuckDB database file (default: %(default)s)",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="drop the chosen tables and their cursors, then read everything again",
    )
    parser.add_argument(
        "--base-url",
        help="the zone's API URL, e.g. https://webservices15.autotask.net/"
        "ATServicesRest/ (default: looked up from the API user name)",
    )
    parser.add_argument(
        "--zone-lookup-url",
        default=ZONE_LOOKUP_URL,
        help="where the zone is looked up (default: Autotask's; the sandbox "
        "serves its own)",
    )
    parser.add_argument(
        "--budget-share",
        type=float,
        default=DEFAULT_BUDGET_SHARE,
        help="share of the tenant's remaining hourly requests this run may use "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--overlap-seconds",
        type=int,
        default=int(DEFAULT_OVERLAP.total_seconds()),
        help="re-read rows stamped this long before the last cursor "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="ENTITY=JSON",
        help="only rows of ENTITY matching an Autotask filter, e.g. "
        """'Tickets={"op":"eq","field":"queueID","value":8}'; repeatable. """
        "Operators: eq noteq gt gte lt lte beginsWith endsWith contains exist "
        "notExist in notIn, groups and/or.",
    )
    parser.add_argument(
        "--metadata-max-age-hours",
        type=float,
        default=DEFAULT_METADATA_MAX_AGE.total_seconds() / 3600,
        help="reuse cached field metadata younger than this; 0 reads it every "
        "run (default: %(default)s)",
    )
    parser.add_argument("--pipelines-dir", help="where dlt keeps pipeline state")
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="progress on stderr: INFO shows each entity's walk (default: %(default)s)",
    )
    return parser


def read_credentials() -> AutotaskCredentials:
    """Credentials from dlt's providers: secrets.toml or environment."""
    values = {name: dlt.secrets.get(key) for name, key in CREDENTIAL_KEYS.items()}
    missing = [CREDENTIAL_KEYS[name] for name, value in values.items() if not value]
    if missing:
        env_names = [key.upper().replace(".", "__") for key in missing]
        raise CredentialsError(
            "Missing Autotask credentials: "
            + ", ".join(missing)
            + ". Put them in .dlt/secrets.toml or set "
            + ", ".join(env_names)
            + "."
        )
    return AutotaskCredentials(
        username=str(values["username"]),
        secret=str(values["secret"]),
        integration_code=str(values["integration_code"]),
    )


def parse_filters(raw_filters: list[str]) -> dict[str, Filter]:
    """`ENTITY=JSON` pairs to checked filters; bad ones fail before any request."""
    filters: dict[str, Filter] = {}
    for raw in raw_filters:
        entity, separator, text = raw.partition("=")
        if not separator:
            raise QueryError(
                f"--filter {raw!r} needs the form ENTITY=JSON, e.g. "
                """'Tickets={"op":"eq","field":"status","value":5}'."""
            )
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise QueryError(
                f"--filter for {entity} is not valid JSON: {exc}"
            ) from None
        name = canonical_entity(entity)
        filters[name] = [*filters.get(name, []), *parse_filter(document)]
    return filters


def list_entities() -> str:
    """Every queryable entity, how it is synced, on which field, and why."""
    lines = [f"{'entity':45} {'mode':12} {'cursor':21} reason"]
    for spec in queryable_entities():
        lines.append(
            f"{spec.name:45} {spec.mode.value:12} {spec.cursor or '-':21} {spec.reason}"
        )
    groups = ", ".join(f"{name} ({len(names)})" for name, names in GROUPS.items())
    lines.append(f"\ngroups for --entities: {groups}, all")
    return "\n".join(lines)


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level),
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")


def usage_error(args: argparse.Namespace) -> str | None:
    """What is wrong with the option values, before anything else runs."""
    if not 0 < args.budget_share <= 1:
        return "--budget-share must be above 0 and at most 1"
    if args.overlap_seconds < 0:
        return "--overlap-seconds cannot be negative (it would skip changed rows)"
    if args.metadata_max_age_hours < 0:
        return "--metadata-max-age-hours cannot be negative"
    if not [name for name in args.entities.split(",") if name.strip()]:
        return "--entities names no entity; give names or groups, e.g. core"
    return None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)

    if args.command == "entities":
        print(list_entities())
        return EXIT_OK
    problem = usage_error(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE

    try:
        report = run_sync(read_credentials(), *run_settings(args))
    except AutotaskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except PipelineStepFailed as exc:
        print(
            f"error: the {exc.step} step failed: {exc.exception}\n"
            "What was extracted but not loaded is loaded by the next run.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(
            "interrupted: nothing of this run's extract is kept; what earlier "
            "runs loaded is untouched. Run again to sync.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR

    print(format_summary(report))
    if report.failed:
        names = ", ".join(p.entity for p in report.failed)
        print(
            f"error: {len(report.failed)} entities failed ({names}); the others "
            "were loaded. Their messages are above; progress is kept.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if not report.complete:
        print(
            "The run stopped early to stay within its share of the hourly budget; "
            "loaded rows are kept and the next run resumes.",
            file=sys.stderr,
        )
        return EXIT_BUDGET
    return EXIT_OK


def run_settings(args: argparse.Namespace) -> tuple[RunOptions, SyncSettings]:
    """The run's options and destination settings from the command line.

    The base URL falls back to `[sources.autotask] base_url` in dlt's config.
    """
    options = RunOptions(
        entities=tuple(name for name in args.entities.split(",") if name.strip()),
        filters=parse_filters(args.filter),
        base_url=args.base_url or dlt.config.get("sources.autotask.base_url"),
        zone_lookup_url=args.zone_lookup_url,
        overlap=timedelta(seconds=args.overlap_seconds),
        budget_share=args.budget_share,
        metadata_max_age=timedelta(hours=args.metadata_max_age_hours),
    )
    settings = SyncSettings(
        destination=args.destination,
        duckdb_path=args.duckdb_file,
        full_refresh=args.full_refresh,
        pipelines_dir=args.pipelines_dir,
    )
    return options, settings


if __name__ == "__main__":
    sys.exit(main())
