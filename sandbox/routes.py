"""URL routing: which Autotask endpoint a method and path address.

Paths are case-insensitive and take an optional trailing slash, as on the
real zones. Everything lives under `/ATServicesRest/V1.0/`; the endpoint key
(used by the thread limit and the stats) is the first segment after `V1.0`,
case-folded, for every URL shape.

After a simulated zone move the zone's URLs carry a `/zone<N>` prefix
(`/zone1/ATServicesRest/V1.0/...`); the route records which zone a URL
named so that the API can refuse the old one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .spec import Catalogue, EntitySpec

GLOBAL_ROUTES = {
    "zoneinformation": "zone",
    "thresholdinformation": "threshold",
    "version": "version",
}
ENTITY_ROUTES = {
    ("entityinformation",): ("info", ("GET",)),
    ("entityinformation", "fields"): ("fields", ("GET",)),
    ("entityinformation", "userdefinedfields"): ("udfs", ("GET",)),
    ("query",): ("query", ("GET", "POST")),
    ("query", "count"): ("count", ("GET", "POST")),
    ("query", "next"): ("next", ("GET", "POST")),
}
QUERY_KINDS = frozenset({"query", "count", "next"})
_ZONE_SEGMENT = re.compile(r"^zone(\d+)$")


@dataclass(frozen=True)
class Route:
    kind: str
    endpoint: str | None
    label: str
    entity: EntitySpec | None = None
    item_id: int | None = None
    zone: int = 0

    @property
    def needs_auth(self) -> bool:
        return self.kind not in ("zone", "versions")


class RouteError(Exception):
    """No such resource (404) or no such method on it (405)."""

    def __init__(self, status: int, message: str, route: Route | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.route = route


def method_not_allowed(method: str, route: Route | None = None) -> RouteError:
    return RouteError(
        405,
        f"The requested resource does not support http method '{method}'.",
        route,
    )


def not_found(url: str) -> RouteError:
    return RouteError(
        404, f"No HTTP resource was found that matches the request URI '{url}'."
    )


def resolve(catalogue: Catalogue, method: str, path: str, url: str) -> Route:
    """The route for `method path`; RouteError for 404 and 405."""
    segments = [s for s in path.split("/") if s]
    zone = _ZONE_SEGMENT.match(segments[0].lower()) if segments else None
    if zone is None:
        return _resolve(catalogue, method, segments, url)
    return replace(_resolve(catalogue, method, segments[1:], url), zone=int(zone[1]))


def zone_prefix(zone: int) -> str:
    """The path prefix of zone `zone`'s URLs ("" for the first zone)."""
    return f"zone{zone}/" if zone else ""


def _resolve(catalogue: Catalogue, method: str, segments: list[str], url: str) -> Route:
    lowered = [s.lower() for s in segments]
    if lowered == ["atservicesrest", "versioninformation"]:
        return _allow(method, ("GET",), Route("versions", None, "versioninformation"))
    if len(lowered) < 3 or lowered[:2] != ["atservicesrest", "v1.0"]:
        raise not_found(url)

    key, rest = lowered[2], lowered[3:]
    if key in GLOBAL_ROUTES and not rest:
        return _allow(method, ("GET",), Route(GLOBAL_ROUTES[key], key, key))

    entity = catalogue.entity(segments[2])
    if entity is None:
        raise not_found(url)
    if not rest:
        raise method_not_allowed(method, Route("root", key, key, entity))
    if len(rest) == 1 and rest[0].isdigit():
        route = Route("item", key, f"{key}/{{id}}", entity, int(rest[0]))
        if not entity.operations["get"]:
            raise method_not_allowed(method, route)
        return _allow(method, ("GET",), route)

    found = ENTITY_ROUTES.get(tuple(rest))
    if found is None:
        raise not_found(url)
    kind, methods = found
    if kind in QUERY_KINDS and not entity.operations["query"]:
        raise not_found(url)
    return _allow(method, methods, Route(kind, key, f"{key}/{'/'.join(rest)}", entity))


def _allow(method: str, methods: tuple[str, ...], route: Route) -> Route:
    if method not in methods:
        raise method_not_allowed(method, route)
    return route
