"""The Autotask REST API itself: auth, limits and every endpoint's answer.

`AutotaskApi.handle` takes a parsed `ApiRequest` and returns an
`ApiResponse`; it knows nothing about sockets, so the HTTP layer
(`sandbox.server`) stays a thin adapter.

Order of checks for one request, as on the real zones:

1. route: unknown path -> 404, wrong method -> 405 (`{"Message": ...}`);
2. auth (all but zone lookup): missing header -> 401; unknown user -> 500
   "Zone information could not be determined"; wrong integration code ->
   500 "IntegrationCode is invalid."; wrong secret -> 401, empty body;
3. hourly budget, then the endpoint's thread limit -> 429 `{"errors": ...}`;
4. the endpoint, holding its thread slot (plus any configured latency and
   any armed fault, see `sandbox.faults`).

After a simulated zone move (`move_zone`, now or after a number of
authenticated requests) the zone lookup names the new zone URL and
authenticated requests to the old one answer 401, as Autotask does when a
tenant's database moves.

Rows of a page carry `userDefinedFields` only when some row of that page
has a UDF value (Autotask's documented rule; see `wire.RowCodec`). Child
lists (`GET /V1.0/{Parent}/{parentId}/{Child}`) answer in the query shape
with the children whose parent reference is `parentId`; they take no
filter and answer at most 500 rows with `nextPageUrl: null` (whether
Autotask pages them is not known).
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from email.utils import formatdate
from itertools import islice
from urllib.parse import quote

from . import metadata
from .config import (
    SANDBOX_INTEGRATION_CODE,
    SANDBOX_SECRET,
    SANDBOX_USERNAME,
    ZONE_NAME,
    SandboxConfig,
)
from .engine import PAGE_SIZE, Query, QueryError, count, parse_query, run_page
from .faults import Fault, FaultPlan
from .routes import Route, RouteError, method_not_allowed, resolve, zone_prefix
from .spec import EntitySpec
from .stats import RequestStats
from .tenant import Tenant
from .throttle import HOURLY_LIMIT_ERROR, THREAD_LIMIT_ERROR, HourlyBudget, ThreadLimit
from .wire import RowCodec, dumps

log = logging.getLogger("autotask_sync.sandbox")

JSON_TYPE = "application/json; charset=utf-8"
ZONE_ERROR = "Zone information could not be determined"
INTEGRATION_CODE_ERROR = "IntegrationCode is invalid."
_HEX = re.compile(r"%[0-9A-F]{2}")


@dataclass
class ApiRequest:
    method: str
    path: str
    params: dict[str, str]
    headers: Mapping[str, str]
    body: bytes
    host: str


@dataclass
class ApiResponse:
    status: int
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    reset: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        """The status as the stats count it ("reset" for a dropped connection)."""
        return "reset" if self.reset else str(self.status)


def json_response(status: int, text: str) -> ApiResponse:
    return ApiResponse(status, text.encode())


def errors_response(status: int, *messages: str) -> ApiResponse:
    return json_response(status, dumps({"errors": list(messages)}))


def _url_encode(text: str) -> str:
    """Percent-encode everything, with lowercase hex as Autotask does."""
    return _HEX.sub(lambda m: m.group(0).lower(), quote(text, safe=""))


class AutotaskApi:
    """One tenant's API: the state every request handler thread shares."""

    def __init__(
        self,
        tenant: Tenant,
        config: SandboxConfig,
        origin: Callable[[], str],
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.tenant = tenant
        self.config = config
        self.origin = origin
        self.zone = 0
        self.faults = FaultPlan(config.faults, config.fault_seed)
        self.stats = RequestStats()
        self.threads = ThreadLimit(config.thread_limit)
        self.hourly = HourlyBudget(config.hourly_limit)
        # Held requests wake at once when the sandbox stops.
        self._halted = threading.Event()
        self._sleep = sleep or self._halted.wait
        self._metadata_cache: dict[tuple[str, str], bytes] = {}
        self._zone_lock = threading.Lock()
        self._authenticated = 0
        self._move_at = config.move_zone_after

    def halt(self) -> None:
        """Wake every held request (latency, slow faults) so it can finish."""
        self._halted.set()

    def base_url(self) -> str:
        """The current zone's URL, as the zone lookup reports it."""
        return self._zone_url(self.zone)

    def move_zone(self, after: int | None = None) -> str:
        """Move the tenant to a new zone URL and return it; the old one
        answers 401. With `after`, the move happens once `after` more
        authenticated requests have been admitted (the last of them is still
        answered from the old zone); an immediate move cancels a scheduled
        one, and a new schedule replaces the old."""
        if after is not None and (
            isinstance(after, bool) or not isinstance(after, int) or after < 1
        ):
            raise ValueError(f"move_zone_after must be a positive integer: {after!r}")
        with self._zone_lock:
            if after is None:
                self._move_at = None
                self.zone += 1
                return self.base_url()
            self._move_at = self._authenticated + after
            return self._zone_url(self.zone + 1)

    def _count_authenticated(self) -> None:
        """Count an admitted request; move the zone when its time has come."""
        with self._zone_lock:
            self._authenticated += 1
            if self._move_at is not None and self._authenticated >= self._move_at:
                self._move_at = None
                self.zone += 1
                log.info("sandbox zone moved to %s", self.base_url())

    def _zone_url(self, zone: int) -> str:
        return f"{self.origin()}/{zone_prefix(zone)}ATServicesRest/"

    # -- the pipeline ----------------------------------------------------

    def handle(self, request: ApiRequest) -> ApiResponse:
        url = f"http://{request.host}{request.path}"
        try:
            route = resolve(self.tenant.catalogue, request.method, request.path, url)
        except RouteError as error:
            response = json_response(error.status, dumps({"Message": error.message}))
            endpoint = error.route.endpoint if error.route else None
            label = error.route.label if error.route else "unknown"
            self.stats.record(endpoint, f"{request.method} {label}", response.outcome)
            return response

        response = self._admitted(route, request)
        label = f"{request.method} {route.label}"
        self.stats.record(route.endpoint, label, response.outcome)
        return response

    def _admitted(self, route: Route, request: ApiRequest) -> ApiResponse:
        if not route.needs_auth:
            return self._answer(route, request)

        refused = self._authenticate(request.headers)
        if refused is not None:
            return refused
        if route.zone != self.zone:
            return ApiResponse(401, content_type=None)
        self._count_authenticated()
        if not self.hourly.admit():
            return errors_response(
                429, HOURLY_LIMIT_ERROR.format(limit=self.config.hourly_limit)
            )
        return self._in_thread_slot(route, request)

    def _in_thread_slot(self, route: Route, request: ApiRequest) -> ApiResponse:
        """Answer while holding one of the endpoint's thread slots, or 429."""
        code = request.headers.get("ApiIntegrationCode")
        self.stats.enter(route.endpoint)
        admitted = self.threads.acquire(code, route.endpoint)
        try:
            if not admitted:
                return errors_response(
                    429,
                    THREAD_LIMIT_ERROR.format(
                        limit=self.config.thread_limit, endpoint=route.endpoint
                    ),
                )
            delay = self.config.latency_seconds
            if self.config.usage_latency:
                simulated = self.hourly.usage_latency()
                self.stats.usage_latency(simulated)
                delay += simulated * self.config.time_scale
            if delay:
                self._sleep(delay)

            fault = self.faults.take(route.endpoint)
            if fault is None:
                return self._answer(route, request)
            self.stats.fault(fault.kind)
            return self._faulty(fault, route, request)
        finally:
            if admitted:
                self.threads.release(code, route.endpoint)
            self.stats.leave(route.endpoint)

    def _faulty(self, fault: Fault, route: Route, request: ApiRequest) -> ApiResponse:
        if fault.kind == "status":
            return errors_response(
                fault.status, f"Injected sandbox fault: HTTP {fault.status}."
            )
        if fault.kind == "429":
            return _too_many_requests(fault, self.config.hourly_limit)
        if fault.kind == "thread":
            return errors_response(
                fault.status,
                THREAD_LIMIT_ERROR.format(
                    limit=self.config.thread_limit, endpoint=route.endpoint
                ),
            )
        if fault.kind == "empty":
            return ApiResponse(200)
        if fault.kind == "reset":
            return ApiResponse(0, reset=True)
        if fault.kind == "slow":
            self._sleep(fault.seconds)
        response = self._answer(route, request)
        if fault.kind == "cut":
            response.body = response.body[: len(response.body) // 2]
        return response

    def _authenticate(self, headers: Mapping[str, str]) -> ApiResponse | None:
        user = headers.get("UserName")
        secret = headers.get("Secret")
        code = headers.get("ApiIntegrationCode")
        if not user or not secret or not code:
            return ApiResponse(401, content_type=None)
        if user.casefold() != SANDBOX_USERNAME.casefold():
            return errors_response(500, ZONE_ERROR)
        if code != SANDBOX_INTEGRATION_CODE:
            return errors_response(500, INTEGRATION_CODE_ERROR)
        if secret != SANDBOX_SECRET:
            return ApiResponse(401, content_type=None)
        return None

    def _answer(self, route: Route, request: ApiRequest) -> ApiResponse:
        try:
            return getattr(self, f"_{route.kind}")(route, request)
        except QueryError as error:
            return errors_response(error.status, error.message)
        except Exception as error:
            log.exception("sandbox failed on %s %s", request.method, request.path)
            return errors_response(500, f"Unexpected sandbox error: {error}")

    # -- global endpoints ------------------------------------------------

    def _zone(self, route: Route, request: ApiRequest) -> ApiResponse:
        user = request.params.get("user", "")
        if user.casefold() != SANDBOX_USERNAME.casefold():
            return errors_response(500, ZONE_ERROR)
        base = self.base_url()
        document = {
            "zoneName": ZONE_NAME,
            "url": base,
            "webUrl": base.replace("/ATServicesRest/", "/Autotask/"),
            "ci": 100 + self.config.seed,
        }
        return json_response(200, dumps(document))

    def _versions(self, route: Route, request: ApiRequest) -> ApiResponse:
        return json_response(200, dumps({"apiVersions": ["1.0"]}))

    def _version(self, route: Route, request: ApiRequest) -> ApiResponse:
        return json_response(
            200, dumps({"majorVersion": 1, "minorVersion": 0, "build": 2026})
        )

    def _threshold(self, route: Route, request: ApiRequest) -> ApiResponse:
        document = {
            "externalRequestThreshold": self.config.hourly_limit,
            "requestThresholdTimeframe": 60,
            "currentTimeframeRequestCount": self.hourly.used(),
        }
        return json_response(200, dumps(document))

    # -- metadata --------------------------------------------------------

    def _metadata(self, entity: EntitySpec, kind: str, build) -> ApiResponse:
        key = (entity.name, kind)
        body = self._metadata_cache.get(key)
        if body is None:
            body = dumps(build(entity)).encode()
            self._metadata_cache[key] = body
        return ApiResponse(200, body)

    def _info(self, route: Route, request: ApiRequest) -> ApiResponse:
        return self._metadata(route.entity, "info", metadata.entity_information)

    def _fields(self, route: Route, request: ApiRequest) -> ApiResponse:
        return self._metadata(route.entity, "fields", metadata.fields_document)

    def _udfs(self, route: Route, request: ApiRequest) -> ApiResponse:
        return self._metadata(route.entity, "udfs", metadata.udf_document)

    # -- rows ------------------------------------------------------------

    def _item(self, route: Route, request: ApiRequest) -> ApiResponse:
        entity = route.entity
        row = None
        if entity.operations["query"]:
            row = self.tenant.get(entity.name, route.item_id)
        return self._item_answer(entity, row)

    def _item_answer(self, entity: EntitySpec, row: dict | None) -> ApiResponse:
        """`{"item": row}`; a single row follows the page rule for UDFs."""
        if row is None:
            return json_response(200, '{"item":null}')
        return json_response(
            200, '{"item":' + self.tenant.codec(entity.name).items_json([row]) + "}"
        )

    def _children(self, route: Route, request: ApiRequest) -> ApiResponse:
        rows = []
        if route.parent_field is not None:
            rows = list(
                islice(
                    self.tenant.children(
                        route.entity.name, route.parent_field, route.parent_id
                    ),
                    PAGE_SIZE,
                )
            )
        return self._page_answer(self.tenant.codec(route.entity.name), rows, None)

    def _child_item(self, route: Route, request: ApiRequest) -> ApiResponse:
        row = self.tenant.get(route.entity.name, route.item_id)
        if row is not None and (
            route.parent_field is None or row[route.parent_field] != route.parent_id
        ):
            row = None
        return self._item_answer(route.entity, row)

    def _count(self, route: Route, request: ApiRequest) -> ApiResponse:
        document, _ = self._query_document(route, request)
        query = parse_query(route.entity, document)
        return json_response(200, dumps({"queryCount": count(self.tenant, query)}))

    def _query(self, route: Route, request: ApiRequest) -> ApiResponse:
        document, search = self._query_document(route, request)
        query = parse_query(route.entity, document)
        return self._page(query, request, search, after_id=None)

    def _next(self, route: Route, request: ApiRequest) -> ApiResponse:
        if request.method == "GET" and "search" not in request.params:
            refusal = method_not_allowed("GET", route)
            return json_response(405, dumps({"Message": refusal.message}))
        document, search = self._query_document(route, request)
        query = parse_query(route.entity, document)

        after_id, page_size = _paging_cursor(request.params.get("paging", ""))
        query = replace(query, max_records=page_size or query.max_records)
        return self._page(query, request, search, after_id=after_id)

    def _query_document(
        self, route: Route, request: ApiRequest
    ) -> tuple[object, str | None]:
        """The QueryModel from the body (POST) or `search` (GET), and the raw
        `search` text to echo in next-page URLs of GET queries."""
        if request.method == "POST":
            body = request.body.decode("utf-8", "replace")
            return (_json(body, "body") if body else {}), None
        search = request.params.get("search")
        if search is None:
            return {}, None
        return _json(search, "search"), search

    def _page(
        self,
        query: Query,
        request: ApiRequest,
        search: str | None,
        after_id: int | None,
    ) -> ApiResponse:
        rows, more = run_page(self.tenant, query, after_id)
        codec = self._codec(query)
        next_url = None
        if more:
            next_url = self._next_url(query, request, search, rows[-1]["id"], after_id)
        return self._page_answer(codec, rows, next_url, query.max_records)

    @staticmethod
    def _page_answer(
        codec: RowCodec,
        rows: list[dict],
        next_url: str | None,
        request_count: int = PAGE_SIZE,
    ) -> ApiResponse:
        details = {
            "count": len(rows),
            "requestCount": request_count,
            "prevPageUrl": None,
            "nextPageUrl": next_url,
        }
        return json_response(
            200,
            '{"items":['
            + codec.items_json(rows)
            + '],"pageDetails":'
            + dumps(details)
            + "}",
        )

    def _codec(self, query: Query) -> RowCodec:
        name = query.entity.name
        if query.include is None:
            return self.tenant.codec(name)
        udf_names = self.tenant.udf_names(name) if query.entity.has_udfs else None
        return RowCodec(query.include, udf_names, include_udfs=False)

    def _next_url(
        self,
        query: Query,
        request: ApiRequest,
        search: str | None,
        last_id: int,
        after_id: int | None,
    ) -> str:
        paging = dumps(
            {
                "pageSize": query.max_records,
                "previousIds": [-1 if after_id is None else after_id],
                "nextIds": [last_id],
            }
        )
        url = (
            f"http://{request.host}/{zone_prefix(self.zone)}ATServicesRest/V1.0/"
            f"{query.entity.name}/query/next?paging={_url_encode(paging)}"
        )
        if search is not None:
            url += "&search=" + _url_encode(search)
        return url


def _too_many_requests(fault: Fault, hourly_limit: int) -> ApiResponse:
    """A 429 about the request threshold, with `Retry-After` as the fault
    says: delta-seconds (rounded up), an HTTP-date, or absent."""
    response = errors_response(429, HOURLY_LIMIT_ERROR.format(limit=hourly_limit))
    wait = math.ceil(fault.seconds)
    if fault.retry_after == "seconds":
        response.headers["Retry-After"] = str(wait)
    elif fault.retry_after == "date":
        response.headers["Retry-After"] = formatdate(
            math.floor(time.time()) + wait, usegmt=True
        )
    return response


def _paging_cursor(text: str) -> tuple[int, int | None]:
    """The id to continue after and the page size of a `paging` token."""
    paging = _json(text, "paging parameter")
    if isinstance(paging, dict):
        paging = {str(k).lower(): v for k, v in paging.items()}
        next_ids = paging.get("nextids")
        page_size = paging.get("pagesize")
        if (
            isinstance(next_ids, list)
            and next_ids
            and isinstance(next_ids[0], int)
            and (page_size is None or isinstance(page_size, int))
        ):
            size = None if page_size is None else max(1, min(page_size, PAGE_SIZE))
            return next_ids[0], size
    raise QueryError("The paging parameter is not valid.", 400)


def _json(text: str, what: str) -> object:
    try:
        return json.loads(text)
    except ValueError as error:
        raise QueryError(f"The {what} is not valid JSON: {error}", 400) from None
