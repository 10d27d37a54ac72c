"""The benchmark at a tiny scale: every contender lands the sandbox's rows.

These tests check that the benchmark measures what it claims (right rows,
right requests, the JSON it promises), never how fast anything is.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.big_tenant import measure_big_tenant
from bench.measure import traced_peak_mb
from bench.report import ContenderResult, set_ratios
from bench.run import main

# 350 Tickets make 525 TimeEntries: two pages, the second one short.
SCALE = 350
TIME_ENTRIES = 525

DOCUMENT_KEYS = {
    "started_at",
    "finished_at",
    "machine",
    "config",
    "expected_rows",
    "contenders",
    "big_tenant",
}
CONTENDER_KEYS = {
    "name",
    "kind",
    "description",
    "status",
    "message",
    "seconds",
    "seconds_samples",
    "rows",
    "rows_by_entity",
    "expected_rows",
    "rows_per_second",
    "requests",
    "requests_by_route",
    "peak_python_mb",
    "rss_growth_mb",
    "duckdb_mb",
    "entity_seconds",
    "ratio_to_autotask_sync",
}


def _run(tmp_path: Path, *extra: str) -> dict:
    results = tmp_path / "results"
    code = main(
        [
            "--scale",
            str(SCALE),
            "--entities",
            "timeentries",
            "--skip-big",
            "--no-warmup",
            "--results-dir",
            str(results),
            "--workdir",
            str(tmp_path / "work"),
            *extra,
        ]
    )
    assert code == 0
    [path] = results.glob("*.json")
    return json.loads(path.read_text())


def test_every_contender_lands_exactly_the_sandbox_rows(tmp_path, capsys):
    document = _run(tmp_path, "--no-memory-pass")

    assert set(document) == DOCUMENT_KEYS
    assert document["expected_rows"] == {"TimeEntries": TIME_ENTRIES}
    assert document["config"]["entities"] == ["TimeEntries"]
    assert document["big_tenant"] is None
    contenders = {c["name"]: c for c in document["contenders"]}
    assert list(contenders) == [
        "autotask-sync",
        "dlt RESTClient peer",
        "hand-rolled peer",
        "sandbox floor (serial)",
        "sandbox floor (parallel)",
    ]
    for result in contenders.values():
        assert set(result) == CONTENDER_KEYS
        assert (result["status"], result["message"]) == ("ok", ""), result["name"]
        assert result["rows_by_entity"] == {"TimeEntries": TIME_ENTRIES}
        assert result["rows"] == TIME_ENTRIES
        assert result["expected_rows"] == TIME_ENTRIES
        assert len(result["seconds_samples"]) == 1
        assert result["rows_per_second"] == TIME_ENTRIES / result["seconds"]
        assert result["peak_python_mb"] is None

    assert contenders["autotask-sync"]["ratio_to_autotask_sync"] == 1.0
    # autotask-sync's metadata and planning requests are its own business;
    # its data pages and the sandbox's request total are the benchmark's.
    ours = contenders["autotask-sync"]
    assert ours["requests_by_route"]["POST timeentries/query"] == 2
    assert ours["requests"] == sum(ours["requests_by_route"].values())
    assert contenders["dlt RESTClient peer"]["requests_by_route"] == {
        "GET zoneinformation": 1,
        "POST timeentries/query": 1,
        "POST timeentries/query/next": 1,
    }
    assert contenders["hand-rolled peer"]["requests"] == 3
    assert contenders["sandbox floor (serial)"]["requests_by_route"] == {
        "POST timeentries/query": 2
    }
    assert list(contenders["sandbox floor (parallel)"]["entity_seconds"]) == [
        "TimeEntries"
    ]
    table = capsys.readouterr().out
    assert "hand-rolled peer" in table and "x autotask-sync" in table


def test_the_memory_pass_records_a_python_peak(tmp_path):
    document = _run(tmp_path, "--contenders", "floor-serial", "--repeat", "2")

    [floor] = document["contenders"]
    assert (floor["status"], floor["rows"], floor["requests"]) == ("ok", 525, 2)
    assert len(floor["seconds_samples"]) == 2
    assert floor["peak_python_mb"] > 0
    assert floor["ratio_to_autotask_sync"] is None


def test_a_contender_landing_other_counts_is_wrong_not_fast():
    reference = ContenderResult("autotask-sync", "pipeline", "", seconds=2.0)
    reference.rows_by_entity, reference.rows = {"Tickets": 300}, 300
    short = ContenderResult("peer", "peer", "", seconds=1.0)
    short.rows_by_entity, short.rows = {"Tickets": 299}, 299
    expected = {"Tickets": 300}

    reference.judge(expected)
    short.judge(expected)
    set_ratios([reference, short])

    assert (reference.status, reference.rows_per_second) == ("ok", 150.0)
    assert reference.ratio_to_autotask_sync == 1.0
    assert short.status == "wrong"
    assert short.message == "Tickets: landed 299 of 300"
    assert (short.rows_per_second, short.ratio_to_autotask_sync) == (None, None)


def test_traced_peak_counts_an_allocation_of_known_size():
    peak = traced_peak_mb(lambda: bytearray(8 * 1024 * 1024))

    assert 8.0 <= peak < 8.5


def test_big_tenant_pages_first_and_last_by_id():
    big = measure_big_tenant(2000)

    assert big.tickets == 2000
    assert (big.first_page.rows, big.first_page.has_next_page) == (500, True)
    assert (big.last_page.rows, big.last_page.has_next_page) == (500, False)
    assert big.incremental_page.has_next_page is False


def test_a_sandbox_in_a_child_process_serves_the_same_tenant(tmp_path, monkeypatch):
    monkeypatch.setattr("bench.sandboxes.SANDBOX_LIFETIME_SECONDS", 60.0)

    document = _run(
        tmp_path,
        "--contenders",
        "floor-serial",
        "--sandbox",
        "child-process",
        "--no-memory-pass",
    )

    [floor] = document["contenders"]
    assert document["config"]["sandbox"] == "child-process"
    assert document["expected_rows"] == {"TimeEntries": TIME_ENTRIES}
    assert (floor["status"], floor["rows"]) == ("ok", TIME_ENTRIES)
    assert floor["requests_by_route"] == {"POST timeentries/query": 2}
