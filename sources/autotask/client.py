"""The HTTP client of the Autotask REST API: zone, auth, limits, retries.

What it guarantees:

- **Zone.** The tenant's API host is looked up once (`zoneInformation`,
  sent without credentials) unless `base_url` is given, and looked up
  again once when Autotask answers 401, in case the tenant moved zones.
- **Credentials stay home.** Auth headers go only to the zone's scheme,
  host and port, and only over https (plain http is allowed on loopback,
  for the sandbox); `nextPageUrl` is held to the same rule. Anything else
  raises `InsecureDestinationError` before a byte is sent. Credential
  values never appear in exception text or log records.
- **Limits.** Every authenticated request takes a slot of its endpoint
  (`EndpointLimiter`, 3 in flight) and spends one unit of the run's
  `RequestBudget`, retries and metadata calls included. Zone lookups are
  exempt, as they are on Autotask's side.
- **Retries.** 429s, the thread-threshold error, 5xx, connection resets,
  timeouts and 200s with an empty or broken JSON body are retried with
  backoff inside `RetryPolicy.max_elapsed`. Answers that cannot improve
  (unknown field, bad query, bad credentials, missing permissions) raise
  at once, mapped onto `exceptions`.

Known limits: only the read side of the API is wrapped (query, count,
metadata, get by id); a `Retry-After` longer than what is left of
`max_elapsed` ends the retries at once rather than sleeping past it; a 429
whose text does not mention the thread threshold is taken to be the hourly
threshold (Autotask documents no other 429); permanent 500s are recognised
by their text, so an unfamiliar permanent text is retried until the retry
budget ends.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from .exceptions import (
    ApiError,
    BudgetExhaustedError,
    ConfigurationError,
    CredentialsError,
    InsecureDestinationError,
    QueryError,
    TransientApiError,
    UnknownEntityError,
    UnknownFieldError,
)
from .limits import EndpointLimiter, RequestBudget, endpoint_key
from .settings import (
    API_VERSION,
    REQUEST_TIMEOUT_SECONDS,
    RETRY_BASE_DELAY_SECONDS,
    RETRY_JITTER,
    RETRY_MAX_ATTEMPTS,
    RETRY_MAX_DELAY_SECONDS,
    RETRY_MAX_ELAPSED_SECONDS,
    USER_AGENT,
    ZONE_LOOKUP_URL,
)

logger = logging.getLogger("autotask_sync.client")


class _QueryStringFilter(logging.Filter):
    """Drops query strings from httpx's own request log lines.

    httpx logs every request's full URL at INFO; the zone lookup's query
    string carries the API user name and `nextPageUrl` ones carry whole
    filters. Credentials never reach that line (they travel in headers).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > 1 and isinstance(args[1], httpx.URL):
            record.args = (args[0], args[1].copy_with(query=None), *args[2:])
        return True


def _install_httpx_log_filter() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _QueryStringFilter) for f in httpx_logger.filters):
        httpx_logger.addFilter(_QueryStringFilter())


_install_httpx_log_filter()

ZONE_LOOKUP_KEY = "zoneinformation"

# Lower-cased fragments of 500 answers that no retry can fix.
_QUERY_ERROR_TEXTS = (
    "invalid query syntax",
    "queryable",
    "user-defined field",
    "user defined field",
    "udf",
    "maxrecords",
    "filter",
    "unable to convert",
)
_UNKNOWN_FIELD = re.compile(r"unable to find (\S+) in the (\S+) entity", re.I)
_ENTITY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


@dataclass(frozen=True)
class AutotaskCredentials:
    """The API user's credentials; `repr`/`str` never show the secrets."""

    username: str
    secret: str = field(repr=False)
    integration_code: str = field(repr=False)
    impersonation_resource_id: int | None = None

    def __post_init__(self) -> None:
        missing = [
            name
            for name in ("username", "secret", "integration_code")
            if not str(getattr(self, name) or "").strip()
        ]
        if missing:
            raise CredentialsError(
                f"Missing Autotask credentials: {', '.join(missing)}. Set them in "
                "[sources.autotask.credentials] of .dlt/secrets.toml or the "
                "environment."
            )

    def __repr__(self) -> str:
        return (
            f"AutotaskCredentials(username={self.username!r}, secret='***', "
            "integration_code='***', impersonation_resource_id="
            f"{'***' if self.impersonation_resource_id is not None else None})"
        )

    __str__ = __repr__

    def headers(self) -> dict[str, str]:
        """The auth headers Autotask expects on every call but the zone lookup."""
        headers = {
            "ApiIntegrationCode": str(self.integration_code),
            "UserName": str(self.username),
            "Secret": str(self.secret),
        }
        if self.impersonation_resource_id is not None:
            headers["ImpersonationResourceId"] = str(self.impersonation_resource_id)
        return headers

    def values_to_mask(self) -> tuple[str, ...]:
        """Every credential value long enough to be scrubbed from texts."""
        raw = (
            self.username,
            self.secret,
            self.integration_code,
            self.impersonation_resource_id,
        )
        return tuple(str(v) for v in raw if v is not None and len(str(v)) >= 4)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or HTTP-date).

    Returns `None` when the header is absent or unreadable, 0 for a date in
    the past.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max((when - now).total_seconds(), 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry answers that usually pass.

    `sleep`, `clock` and `rand` are injectable so tests run without waiting.
    """

    max_attempts: int = RETRY_MAX_ATTEMPTS
    base_delay: float = RETRY_BASE_DELAY_SECONDS
    max_delay: float = RETRY_MAX_DELAY_SECONDS
    max_elapsed: float = RETRY_MAX_ELAPSED_SECONDS
    jitter: float = RETRY_JITTER
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = random.random

    def delay_for(
        self,
        attempt: int,
        retry_after: str | None = None,
        now: datetime | None = None,
    ) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based).

        `Retry-After` wins when present; otherwise exponential backoff from
        `base_delay`, capped at `max_delay`. Either is stretched by up to
        `jitter` (a fraction) so parallel workers do not retry in step.
        """
        wait = parse_retry_after(retry_after, now)
        if wait is None:
            wait = min(self.max_delay, self.base_delay * 2 ** max(attempt - 1, 0))
        return wait * (1 + self.jitter * self.rand())


@dataclass(frozen=True)
class QueryPage:
    """One page of a query: up to 500 items in ascending `id` order."""

    items: list[dict[str, Any]]
    next_page_url: str | None
    server_date: datetime | None


class ClientStats:
    """Thread-safe request counters per endpoint key, for run summaries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._retries: Counter[str] = Counter()
        self._statuses: dict[str, Counter[str]] = {}
        self._errors: dict[str, Counter[str]] = {}
        self._zone_lookups = 0

    def record(self, key: str, status: int | None, error: str | None = None) -> None:
        with self._lock:
            if key == ZONE_LOOKUP_KEY:
                self._zone_lookups += 1
                return
            self._requests[key] += 1
            if status is not None:
                self._statuses.setdefault(key, Counter())[str(status)] += 1
            if error is not None:
                self._errors.setdefault(key, Counter())[error] += 1

    def record_retry(self, key: str) -> None:
        with self._lock:
            if key != ZONE_LOOKUP_KEY:
                self._retries[key] += 1

    def snapshot(self) -> dict[str, Any]:
        """Plain dicts: totals, plus `entities` keyed by endpoint key."""
        with self._lock:
            keys = sorted(set(self._requests) | set(self._retries))
            entities = {
                key: {
                    "requests": self._requests[key],
                    "retries": self._retries[key],
                    "statuses": dict(self._statuses.get(key, {})),
                    "errors": dict(self._errors.get(key, {})),
                }
                for key in keys
            }
            statuses: Counter[str] = Counter()
            errors: Counter[str] = Counter()
            for counts in self._statuses.values():
                statuses.update(counts)
            for counts in self._errors.values():
                errors.update(counts)
            return {
                "requests": sum(self._requests.values()),
                "retries": sum(self._retries.values()),
                "statuses": dict(statuses),
                "errors": dict(errors),
                "zone_lookups": self._zone_lookups,
                "entities": entities,
            }


@dataclass
class _Failure:
    """An answer worth retrying, and how to describe it if retries run out."""

    kind: str
    status: int | None = None
    errors: list[str] = field(default_factory=list)
    retry_after: str | None = None
    hourly: bool = False


class _Unauthorized(Exception):
    """A 401; the retry loop decides between a zone move and bad credentials."""


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    host = host.strip("[]").casefold()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"https": 443, "http": 80}.get(url.scheme)
    return url.scheme, url.host.casefold(), url.port or default


def _require_secure(url: str, what: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or not parsed.scheme or not parsed.host:
        raise ConfigurationError(
            f"{what.capitalize()} {url!r} is not a URL; give the zone's API "
            "address, e.g. https://webservices15.autotask.net/ATServicesRest/."
        )
    if parsed.scheme == "https" and parsed.host:
        return parsed
    if parsed.scheme == "http" and parsed.host and is_loopback(parsed.host):
        return parsed
    raise InsecureDestinationError(
        f"Refusing to use {what} {parsed.scheme}://{parsed.host}: credentials "
        "travel only over https (plain http is allowed on a loopback host for "
        "the sandbox). Use the https address Autotask gives."
    )


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


class AutotaskClient:
    """Autotask REST calls for one tenant; safe to share between threads.

    `limiter` and `budget` may be shared with other clients of the same
    tenant; `budget` may be replaced between calls (a run sets it once it
    has read `ThresholdInformation`).
    """

    def __init__(
        self,
        credentials: AutotaskCredentials,
        *,
        base_url: str | None = None,
        zone_lookup_url: str = ZONE_LOOKUP_URL,
        limiter: EndpointLimiter | None = None,
        budget: RequestBudget | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        self.credentials = credentials
        self.limiter = limiter or EndpointLimiter()
        self.budget = budget or RequestBudget(None)
        self.retry = retry or RetryPolicy()
        self.stats = ClientStats()
        self._zone_lookup_url = zone_lookup_url
        self._explicit_zone = base_url is not None
        self._zone: str | None = None
        if base_url is not None:
            self._zone = str(_require_secure(_with_slash(base_url), "the base URL"))
        self._zone_lock = threading.Lock()
        self._date_lock = threading.Lock()
        self._server_date: datetime | None = None
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

    def __enter__(self) -> AutotaskClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # Zone.

    @property
    def zone_url(self) -> str:
        """The tenant's API base (e.g. `https://webservices15.autotask.net/ATServicesRest/`)."""
        with self._zone_lock:
            if self._zone is None:
                self._zone = self._lookup_zone()
            return self._zone

    def _lookup_zone(self) -> str:
        lookup = _require_secure(self._zone_lookup_url, "the zone lookup URL")
        url = str(lookup.copy_merge_params({"user": self.credentials.username}))
        answer, _ = self._call("GET", url, auth=False)
        zone = answer.get("url") if isinstance(answer, Mapping) else None
        if not isinstance(zone, str) or not zone:
            raise ApiError(
                "The zone lookup answered without a 'url'; Autotask may be "
                "unavailable, retry later.",
                status=200,
                method="GET",
                path=lookup.path,
            )
        zone = str(_require_secure(_with_slash(zone), "the zone URL"))
        logger.info("Autotask zone resolved: %s", zone)
        return zone

    def _move_zone(self, used_zone: str) -> str | None:
        """Look the zone up again after a 401; the new zone, or None if unchanged."""
        with self._zone_lock:
            if self._zone is not None and self._zone != used_zone:
                return self._zone
            zone = self._lookup_zone()
            self._zone = zone
        if zone == used_zone:
            return None
        logger.info("Autotask zone moved from %s to %s", used_zone, zone)
        return zone

    # Public calls.

    def query(self, entity: str, body: Mapping[str, Any]) -> QueryPage:
        """POST `<zone>V1.0/<entity>/query`: the first page of a query."""
        return self._page(self._entity_url(entity, "query"), body, entity)

    def next_page(self, url: str, body: Mapping[str, Any]) -> QueryPage:
        """POST a `nextPageUrl` with the query's body (only on the zone host)."""
        return self._page(url, body, endpoint_key(url))

    def count(self, entity: str, body: Mapping[str, Any]) -> int:
        """POST `<entity>/query/count`: how many rows the filter matches."""
        answer, _ = self._call(
            "POST",
            self._entity_url(entity, "query/count"),
            body=dict(body),
            entity=entity,
        )
        return int(self._member(answer, "queryCount", entity))

    def entity_information(self, entity: str) -> dict[str, Any]:
        """`<entity>/entityInformation`: what the entity allows (`info`)."""
        answer, _ = self._call(
            "GET", self._entity_url(entity, "entityInformation"), entity=entity
        )
        return self._member(answer, "info", entity)

    def entity_fields(self, entity: str) -> list[dict[str, Any]]:
        """`<entity>/entityInformation/fields`: every standard field's metadata."""
        answer, _ = self._call(
            "GET", self._entity_url(entity, "entityInformation/fields"), entity=entity
        )
        return self._member(answer, "fields", entity)

    def user_defined_fields(self, entity: str) -> list[dict[str, Any]]:
        """`<entity>/entityInformation/userDefinedFields`: the tenant's UDFs."""
        url = self._entity_url(entity, "entityInformation/userDefinedFields")
        answer, _ = self._call("GET", url, entity=entity)
        return self._member(answer, "fields", entity)

    def threshold_information(self) -> dict[str, Any]:
        """`ThresholdInformation`: the tenant's hourly limit and usage."""
        url = f"{self.zone_url}{API_VERSION}/ThresholdInformation"
        answer, _ = self._call("GET", url)
        self._member(answer, "externalRequestThreshold", "ThresholdInformation")
        return dict(answer)

    def get(self, entity: str, id: int) -> dict[str, Any] | None:
        """`GET <entity>/<id>`: the row, or None when Autotask has no such id."""
        if isinstance(id, bool) or not isinstance(id, int):
            raise QueryError(f"An {entity} id must be an integer, got {id!r}.")
        answer, _ = self._call("GET", self._entity_url(entity, str(id)), entity=entity)
        if isinstance(answer, Mapping) and "item" in answer:
            return answer["item"]
        items = self._member(answer, "items", entity)
        return items[0] if items else None

    def server_time(self) -> datetime | None:
        """The latest `Date` Autotask sent (tz-aware UTC), or None before any call."""
        with self._date_lock:
            return self._server_date

    # Plumbing.

    def _entity_url(self, entity: str, suffix: str) -> str:
        if not isinstance(entity, str) or not _ENTITY_NAME.match(entity):
            raise UnknownEntityError(str(entity))
        return f"{self.zone_url}{API_VERSION}/{entity}/{suffix}"

    def _page(self, url: str, body: Mapping[str, Any], entity: str) -> QueryPage:
        answer, date = self._call("POST", url, body=dict(body), entity=entity)
        items = self._member(answer, "items", entity)
        details = answer.get("pageDetails") or {}
        next_url = details.get("nextPageUrl") if isinstance(details, Mapping) else None
        return QueryPage(items=items, next_page_url=next_url or None, server_date=date)

    def _member(self, answer: Any, name: str, entity: str) -> Any:
        if not isinstance(answer, Mapping) or name not in answer:
            raise ApiError(
                f"Autotask's answer for {entity} has no {name!r}; the API may have "
                "changed or be unavailable.",
                status=200,
            )
        return answer[name]

    def _call(
        self,
        method: str,
        url: str,
        *,
        body: dict[str, Any] | None = None,
        auth: bool = True,
        entity: str | None = None,
    ) -> tuple[Any, datetime | None]:
        """Send with retries; the parsed JSON answer and its `Date`."""
        key = endpoint_key(url) if auth else ZONE_LOOKUP_KEY
        entity = entity or key
        used_zone = self.zone_url if auth else None
        started = self.retry.clock()
        attempt = 0
        rezoned = False

        while True:
            attempt += 1
            try:
                response = self._send(method, url, body, auth, key)
                outcome = self._judge(response, method, entity)
            except _Unauthorized:
                if self._explicit_zone or rezoned or used_zone is None:
                    raise self._credentials_rejected() from None
                rezoned = True
                new_zone = self._move_zone(used_zone)
                if new_zone is None or not url.startswith(used_zone):
                    raise self._credentials_rejected() from None
                url = new_zone + url[len(used_zone) :]
                used_zone = new_zone
                self.stats.record_retry(key)
                continue
            except httpx.RequestError as exc:
                outcome = _Failure(kind=type(exc).__name__)

            if not isinstance(outcome, _Failure):
                return outcome, _date_of(response) if auth else None

            elapsed = self.retry.clock() - started
            wait = self.retry.delay_for(attempt, outcome.retry_after)
            if (
                attempt >= self.retry.max_attempts
                or elapsed + wait > self.retry.max_elapsed
            ):
                raise self._gave_up(outcome, method, url, attempt, elapsed)
            self.stats.record_retry(key)
            logger.info(
                "%s: retrying %s %s after %s (attempt %d of %d) in %.2fs",
                entity,
                method,
                httpx.URL(url).path,
                outcome.kind,
                attempt + 1,
                self.retry.max_attempts,
                wait,
            )
            self.retry.sleep(wait)

    def _send(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | None,
        auth: bool,
        key: str,
    ) -> httpx.Response:
        """One request: destination check, budget, endpoint slot, stats, log."""
        path = httpx.URL(url).path
        if auth:
            self._check_destination(url)
            self.budget.spend()
            slot = self.limiter.slot(key)
            headers = self.credentials.headers()
        else:
            slot = nullcontext()
            headers = {}

        with slot:
            started = time.perf_counter()
            try:
                response = self._http.request(method, url, json=body, headers=headers)
            except httpx.RequestError as exc:
                elapsed_ms = (time.perf_counter() - started) * 1000
                self.stats.record(key, None, type(exc).__name__)
                logger.debug(
                    "%s %s -> %s in %.0f ms",
                    method,
                    path,
                    type(exc).__name__,
                    elapsed_ms,
                )
                raise
        elapsed_ms = (time.perf_counter() - started) * 1000

        self.stats.record(key, response.status_code)
        if auth:
            self._note_date(response)
        logger.debug(
            "%s %s -> %s in %.0f ms", method, path, response.status_code, elapsed_ms
        )
        return response

    def _check_destination(self, url: str) -> None:
        target = httpx.URL(url)
        zone = httpx.URL(self.zone_url)
        if _origin(target) != _origin(zone):
            scheme, host, port = _origin(target)
            raise InsecureDestinationError(
                f"Refusing to send credentials to {scheme}://{host}:{port}: it is "
                f"not the tenant's zone host {zone.scheme}://{zone.host}. Autotask "
                "credentials go only to the resolved zone."
            )
        _require_secure(url, "the address")

    def _judge(self, response: httpx.Response, method: str, entity: str) -> Any:
        """The parsed answer, a `_Failure` to retry, or a raised permanent error."""
        status = response.status_code
        errors = self._error_texts(response)
        text = " ".join(errors)
        folded = text.casefold()
        retry_after = response.headers.get("Retry-After")

        if "thread threshold" in folded:
            return _Failure("thread threshold", status, errors, retry_after)
        if 200 <= status < 300:
            return self._parsed(response)
        if status == 429:
            return _Failure("HTTP 429", status, errors, retry_after, hourly=True)
        if status == 401:
            raise _Unauthorized()
        self._raise_permanent(response, errors, method, entity)
        if status >= 500:
            return _Failure(f"HTTP {status}", status, errors)

        path = response.request.url.path
        raise ApiError(
            f"Autotask refused {method} {path} with HTTP {status}: "
            f"{text or 'no error text'}",
            status=status,
            errors=errors,
            method=method,
            path=path,
        )

    def _parsed(self, response: httpx.Response) -> Any:
        if not response.content.strip():
            return _Failure("empty body", response.status_code)
        try:
            answer = response.json()
        except ValueError:
            return _Failure("unparseable JSON body", response.status_code)
        if answer is None:
            return _Failure("null JSON body", response.status_code)
        return answer

    def _raise_permanent(
        self,
        response: httpx.Response,
        errors: list[str],
        method: str,
        entity: str,
    ) -> None:
        """Raise for error texts that no retry can change."""
        text = " ".join(errors)
        folded = text.casefold()
        path = response.request.url.path
        status = response.status_code
        where = f"(HTTP {status}, {method} {path})"

        if "zone information could not be determined" in folded:
            raise CredentialsError(
                'The API user name is unknown to Autotask ("Zone information '
                'could not be determined"); check the username in '
                "[sources.autotask.credentials]: it is the API user's e-mail address."
            )
        if "integrationcode is invalid" in folded:
            raise CredentialsError(
                'Autotask rejected the API integration code ("IntegrationCode is '
                'invalid."); check integration_code in '
                "[sources.autotask.credentials]: it is the integration's API "
                "tracking identifier."
            )
        for error in errors:
            match = _UNKNOWN_FIELD.search(error)
            if match:
                raise UnknownFieldError(match.group(1), entity=entity, detail=error)
        if "unable to find" in folded or any(
            fragment in folded for fragment in _QUERY_ERROR_TEXTS
        ):
            raise QueryError(f"Autotask refused the {entity} query {where}: {text}")
        if "adequate permissions" in folded:
            raise ApiError(
                f"The API user lacks a permission {where}: {text} Grant it in the "
                "API user's security level.",
                status=status,
                errors=errors,
                method=method,
                path=path,
            )

    def _error_texts(self, response: httpx.Response) -> list[str]:
        """The API's `errors` (or `Message`) texts, scrubbed of credentials."""
        texts: list[str] = []
        if response.content.strip():
            try:
                answer = response.json()
            except ValueError:
                answer = None
            if isinstance(answer, Mapping):
                found = answer.get("errors")
                if isinstance(found, list):
                    texts = [str(e) for e in found]
                elif isinstance(found, str):
                    texts = [found]
                for key in ("Message", "message"):
                    if not texts and isinstance(answer.get(key), str):
                        texts = [answer[key]]
            elif answer is None and response.status_code >= 400:
                texts = [response.text.strip()[:300]]
        return [self._scrub(t) for t in texts if t]

    def _scrub(self, text: str) -> str:
        for value in self.credentials.values_to_mask():
            text = text.replace(value, "***")
        return text

    def _credentials_rejected(self) -> CredentialsError:
        zone_hint = (
            " If the tenant moved zones, the given base URL is stale: drop it "
            "to have the zone looked up."
            if self._explicit_zone
            else ""
        )
        return CredentialsError(
            "Autotask rejected the API user's secret (HTTP 401); check secret and "
            "username in [sources.autotask.credentials], and that the API user "
            f"is active.{zone_hint}"
        )

    def _gave_up(
        self,
        failure: _Failure,
        method: str,
        url: str,
        attempts: int,
        elapsed: float,
    ) -> Exception:
        if failure.hourly:
            return BudgetExhaustedError(
                "Autotask answered HTTP 429: the tenant's hourly request threshold "
                f"is reached and did not clear within {elapsed:.0f}s of retries. "
                "Progress is saved; rerun later (the threshold is a rolling hour)."
            )
        parsed = httpx.URL(url)
        path = parsed.path
        detail = f": {' '.join(failure.errors)}" if failure.errors else ""
        return TransientApiError(
            f"{method} {parsed.host}{path} failed {attempts} times in "
            f"{elapsed:.1f}s, last "
            f"with {failure.kind}{detail}. Autotask or the network kept failing; "
            "rerun later.",
            status=failure.status,
            errors=failure.errors,
            method=method,
            path=path,
        )

    def _note_date(self, response: httpx.Response) -> None:
        date = _date_of(response)
        if date is None:
            return
        with self._date_lock:
            if self._server_date is None or date > self._server_date:
                self._server_date = date


def _date_of(response: httpx.Response) -> datetime | None:
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        date = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return date.astimezone(UTC)
