"""Constants of the Autotask source, in one place.

The first group is Autotask's own limits (documented by Autotask and
observed on real tenants); the rest are this source's defaults, each of
which a caller can override where it is used.
"""

from __future__ import annotations

from datetime import timedelta

# Autotask's limits.
API_VERSION = "V1.0"
PAGE_SIZE = 500
THREADS_PER_ENDPOINT = 3
HOURLY_REQUEST_LIMIT = 10_000
MAX_OR_CONDITIONS = 500
ZONE_LOOKUP_URL = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"

# HTTP client defaults.
REQUEST_TIMEOUT_SECONDS = 30.0
USER_AGENT = "autotask-sync/0.1"
RETRY_MAX_ATTEMPTS = 8
RETRY_BASE_DELAY_SECONDS = 0.5
RETRY_MAX_DELAY_SECONDS = 30.0
RETRY_MAX_ELAPSED_SECONDS = 300.0
RETRY_JITTER = 0.1

# Run defaults.
DEFAULT_BUDGET_SHARE = 0.5
DEFAULT_OVERLAP = timedelta(minutes=2)
# Field metadata cached locally is re-read after this long, or at once when
# rows show a field it lacks.
DEFAULT_METADATA_MAX_AGE = timedelta(hours=24)
METADATA_WORKERS = 8
# A walk with at least this many rows left after its first page is split
# into id ranges walked in parallel (one count request decides).
SPLIT_MIN_ROWS = PAGE_SIZE * 6
PROGRESS_INTERVAL_SECONDS = 30.0
