"""URL routing: which Autotask endpoint a method and path address.

Paths are case-insensitive and take an optional trailing slash, as on the
real zones. Everything lives under `/ATServicesRest/V1.0/`; the endpoint key
(used by the thread limit and the stats) is the first segment after `V1.0`,
case-folded, for every URL shape.

Child paths `/{Parent}/{parentId}/{Child}` (from the spec's parent links)
list the children (`children`), read one (`child_item`, `.../{id}`) or
serve the child's metadata; their endpoint key is the parent segment, like
every URL's first segment. The sandbox takes no writes, so other methods
answer 405.

After a simulated zone move the zone's URLs carry a `/zone<N>` prefix
(`/zone1/ATServicesRest/V1.0/...`); the route records which zone a URL
named so that the API can refuse the old one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .spec import Catalogue, EntitySpec, ParentLink

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
    parent_id: int | None = None
    parent_field: str | None = None

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
    if len(rest) >= 2 and rest[0].isdigit():
        child = catalogue.child(segments[2], segments[4])
        if child is None:
            raise not_found(url)
        return _child(method, key, int(rest[0]), rest[2:], *child, url)

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


def _child(
    method: str,
    key: str,
    parent_id: int,
    rest: list[str],
    entity: EntitySpec,
    link: ParentLink,
    url: str,
) -> Route:
    """Routes under `/{Parent}/{parentId}/{Child}`."""
    label = f"{key}/{{id}}/{link.segment.lower()}"
    found = ENTITY_ROUTES.get(tuple(rest))
    if found is not None and found[0] in ("info", "fields", "udfs"):
        kind, methods = found
        route = Route(kind, key, f"{label}/{'/'.join(rest)}", entity)
        return _allow(method, methods, route)

    readable = link.operations["get"] and entity.operations["query"]
    common = {"entity": entity, "parent_id": parent_id, "parent_field": link.field}
    if not rest:
        route = Route("children", key, label, **common)
    elif len(rest) == 1 and rest[0].isdigit():
        route = Route(
            "child_item", key, f"{label}/{{id}}", item_id=int(rest[0]), **common
        )
    else:
        raise not_found(url)
    if not readable:
        raise method_not_allowed(method, route)
    return _allow(method, ("GET",), route)


def _allow(method: str, methods: tuple[str, ...], route: Route) -> Route:
    if method not in methods:
        raise method_not_allowed(method, route)
    return route
