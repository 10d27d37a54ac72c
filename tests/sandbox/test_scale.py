"""A million Tickets: constructing the tenant and paging its ends stays cheap.

Each measurement runs in a fresh interpreter so that its peak RSS belongs
to that sandbox alone; the 1,000-Ticket run is the baseline.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MEASURE = """
import json, resource, sys, time
started = time.perf_counter()
import httpx
from sandbox import Sandbox, SandboxConfig
from tests.sandbox.running import AUTH, ALL

sb = Sandbox(SandboxConfig(scale=int(sys.argv[1]), max_lifetime_seconds=60)).start()
built = time.perf_counter() - started
plan = sb.tenant.plan("Tickets")
client = httpx.Client(base_url=sb.api_url, headers=AUTH)

def timed(body, path="Tickets/query"):
    began = time.perf_counter()
    document = client.post(path, json=body).json()
    return document, time.perf_counter() - began

first, first_s = timed({"filter": ALL})
after = plan.id_of(plan.count - 501)
last, last_s = timed({"filter": [{"op": "gt", "field": "id", "value": after}]})
count, count_s = timed({"filter": ALL}, "Tickets/query/count")
sb.stop()
print(json.dumps({
    "build_s": built, "first_s": first_s, "last_s": last_s, "count_s": count_s,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "first_ids": [first["items"][0]["id"], first["items"][-1]["id"]],
    "first_next": first["pageDetails"]["nextPageUrl"] is not None,
    "last_ids": [last["items"][0]["id"], last["items"][-1]["id"]],
    "last_count": last["pageDetails"]["count"],
    "last_next": last["pageDetails"]["nextPageUrl"],
    "expected_last": [plan.id_of(plan.count - 500), plan.id_of(plan.count - 1)],
    "count": count["queryCount"],
}))
"""


def measure(scale: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(scale)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=REPO,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def baseline() -> dict:
    return measure(1_000)


def test_a_million_tickets_page_first_and_last_quickly_in_little_memory(baseline):
    big = measure(1_000_000)
    print(f"scale 1e6: {big}\nscale 1e3: {baseline}")

    assert big["count"] == 1_000_000
    assert big["first_ids"] == [32390001, 32391498]
    assert big["first_next"] is True
    assert big["last_ids"] == big["expected_last"]
    assert big["last_count"] == 500
    assert big["last_next"] is None
    assert big["build_s"] < 3.0
    assert max(big["first_s"], big["last_s"], big["count_s"]) < 1.0
    assert big["rss_mb"] - baseline["rss_mb"] < 10.0
