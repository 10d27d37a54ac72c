"""The sandbox's admin API: what tests and benchmarks use to steer and watch.

Served under `/_sandbox/` on the same port as the simulated API. No auth,
not counted in stats, not throttled.

- `GET /_sandbox/stats`: what the API saw since the last reset:
  `{"requests_total": n, "requests": {<endpoint key>: n},
  "requests_by_route": {"POST tickets/query": n, ...},
  "peak_in_flight": {<endpoint key>: n}, "statuses": {"200": n, "429": n}}`.
  Endpoint keys are the case-folded entity segment of the URL
  (`tickets`, `thresholdinformation`, `zoneinformation`).
- `POST /_sandbox/reset_stats`: zero the counters above; answers `{}`.
- `GET /_sandbox/counts`: `{<Entity>: rows}` for every non-empty entity.
- `POST /_sandbox/mutate`: change data; the body is one operation or a
  list of them, each
  `{"entity": E, "create": n, "update": n, "delete": n,
  "update_ids": [...], "delete_ids": [...]}` (every key but `entity`
  optional). Creates get ids above every existing id; updates change two
  plain fields and move every change stamp to now (UTC, ms); deletes remove
  rows and, for Tickets, write a `DeletedTicketLogs` tombstone stamped now.
  Which rows `update`/`delete` pick follows from the seed and a mutation
  counter. Explicit ids that do not exist are skipped. Answers
  `{"results": [{"entity", "created": [...], "updated": [...],
  "deleted": [...]}]}`; a bad operation answers 400 `{"errors": [...]}` and
  changes nothing.
  Stats also carry `"faults": {<kind>: n}` (faults that fired) and
  `"usage_latency_seconds": x` (simulated usage latency added).
- `POST /_sandbox/faults`: arm one fault or a list, each
  `{"kind": "status"|"empty"|"cut"|"reset"|"slow"|"429"|"thread",
  "count": n, "endpoint": "tickets", "status": 503, "seconds": 2.0,
  "retry_after": "seconds"|"date"|"none"}` (all but `kind` optional; see
  `sandbox.faults`); answers `{"pending": [...]}`.
  `GET /_sandbox/faults` lists pending faults; `POST /_sandbox/clear_faults`
  disarms them all (fault rates stay).
- `POST /_sandbox/fault_rates`: `{"seed": n, "rates": [{"kind": "status",
  "rate": 0.1, "endpoint": null, "status": 500, "seconds": 0.0,
  "retry_after": "seconds"}, ...]}` replaces the fault rates and restarts
  their draws from `seed` (default: the config's `fault_seed`); every key
  of a rate but `kind` and `rate` is optional, and the rates may add up to
  at most 1. `{"rates": []}` turns rates off. Answers and
  `GET /_sandbox/fault_rates` show `{"seed": n, "rates": [...]}`; a bad
  body answers 400 and changes nothing.
- `POST /_sandbox/move_zone`: move the tenant to a new zone URL; answers
  `{"url": <new zone URL>}`. The zone lookup reports the new URL and
  authenticated requests to the old one answer 401. With the body
  `{"move_zone_after": n}` the move happens once n more authenticated
  requests have been admitted; answers `{"url": <the URL it will move to>,
  "move_zone_after": n}`.
"""

from __future__ import annotations

import json

from .api import ApiResponse, AutotaskApi, errors_response, json_response
from .faults import Fault, FaultError
from .tenant import MutationError
from .wire import dumps


def handle_admin(
    api: AutotaskApi, method: str, action: str, body: bytes
) -> ApiResponse:
    """Answer `method /_sandbox/<action>`."""
    if (method, action) == ("GET", "stats"):
        return json_response(200, dumps(api.stats.snapshot()))
    if (method, action) == ("POST", "reset_stats"):
        api.stats.reset()
        return json_response(200, "{}")
    if (method, action) == ("GET", "counts"):
        return json_response(200, dumps(api.tenant.counts()))
    if (method, action) == ("POST", "mutate"):
        return _mutate(api, body)
    if (method, action) == ("POST", "faults"):
        return _arm(api, body)
    if (method, action) == ("GET", "faults"):
        return json_response(200, dumps({"pending": api.faults.pending()}))
    if (method, action) == ("POST", "clear_faults"):
        api.faults.clear()
        return json_response(200, "{}")
    if (method, action) == ("POST", "fault_rates"):
        return _set_rates(api, body)
    if (method, action) == ("GET", "fault_rates"):
        return json_response(200, dumps(api.faults.rates()))
    if (method, action) == ("POST", "move_zone"):
        return _move_zone(api, body)
    return json_response(
        404, dumps({"Message": f"No sandbox admin action {method} {action!r}."})
    )


def _operations(body: bytes) -> list | dict:
    """The JSON body: an object or a list of them; ValueError otherwise."""
    try:
        document = json.loads(body or b"null")
    except ValueError as error:
        raise ValueError(f"The body is not valid JSON: {error}") from None
    if not isinstance(document, dict | list):
        raise ValueError("The body must be an object or a list of objects.")
    return document


def _arm(api: AutotaskApi, body: bytes) -> ApiResponse:
    try:
        specs = _operations(body)
        specs = [specs] if isinstance(specs, dict) else specs
        faults = [Fault(**spec) for spec in specs]
    except (ValueError, TypeError) as error:
        return errors_response(400, str(error))
    for fault in faults:
        api.faults.arm(fault)
    return json_response(200, dumps({"pending": api.faults.pending()}))


def _set_rates(api: AutotaskApi, body: bytes) -> ApiResponse:
    try:
        document = _operations(body)
        if not isinstance(document, dict) or set(document) - {"seed", "rates"}:
            raise FaultError('The body must be {"seed": n, "rates": [...]}.')
        seed = document.get("seed", api.config.fault_seed)
        rates = document.get("rates", [])
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise FaultError("The seed must be an integer.")
        if not isinstance(rates, list) or not all(isinstance(r, dict) for r in rates):
            raise FaultError("The rates must be a list of objects.")
        api.faults.set_rates(rates, seed)
    except ValueError as error:
        return errors_response(400, str(error))
    return json_response(200, dumps(api.faults.rates()))


def _move_zone(api: AutotaskApi, body: bytes) -> ApiResponse:
    if not body.strip():
        return json_response(200, dumps({"url": api.move_zone()}))
    try:
        document = _operations(body)
        if not isinstance(document, dict) or set(document) != {"move_zone_after"}:
            raise ValueError('The body must be {"move_zone_after": n}.')
        after = document["move_zone_after"]
        url = api.move_zone(after)
    except ValueError as error:
        return errors_response(400, str(error))
    return json_response(200, dumps({"url": url, "move_zone_after": after}))


def _mutate(api: AutotaskApi, body: bytes) -> ApiResponse:
    try:
        ops = _operations(body)
    except ValueError as error:
        return errors_response(400, str(error))
    try:
        return json_response(200, dumps(api.tenant.mutate(ops)))
    except MutationError as error:
        return errors_response(400, str(error))
