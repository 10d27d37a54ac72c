"""`autotask-sandbox` as a user runs it: first line is the base URL."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx

from sandbox import SANDBOX_INTEGRATION_CODE, SANDBOX_SECRET, SANDBOX_USERNAME

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, timeout: float = 30.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sandbox.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def test_cli_prints_the_base_url_first_and_serves_until_terminated():
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.cli", "--port", "0", "--scale", "40",
         "--max-lifetime", "30"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )  # fmt: skip
    try:
        base_url = process.stdout.readline().strip()
        rest = [process.stdout.readline().strip() for _ in range(5)]
        zone_lookup = rest[0].split()[-1]
        zone = httpx.get(zone_lookup, params={"user": SANDBOX_USERNAME}, timeout=5)
        counts = httpx.get(base_url.replace("ATServicesRest/", "_sandbox/counts"))
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)

    assert base_url.startswith("http://127.0.0.1:")
    assert base_url.endswith("/ATServicesRest/")
    assert zone.json()["url"] == base_url
    assert counts.json()["Tickets"] == 40
    assert rest[1:4] == [
        f"UserName:         {SANDBOX_USERNAME}",
        f"Secret:           {SANDBOX_SECRET}",
        f"ApiIntegrationCode: {SANDBOX_INTEGRATION_CODE}",
    ]
    assert code == 0


def test_cli_stops_by_itself_after_max_lifetime():
    done = run("--scale", "10", "--max-lifetime", "0.5", timeout=20)

    assert done.returncode == 0
    assert done.stdout.splitlines()[0].endswith("/ATServicesRest/")


def test_cli_refuses_non_loopback_hosts():
    done = run("--host", "0.0.0.0")

    assert done.returncode == 2
    assert done.stderr == (
        "autotask-sandbox: the sandbox binds only to loopback addresses, "
        "not '0.0.0.0'\n"
    )


def test_cli_help_explains_scale_and_admin_api():
    done = run("--help")

    assert done.returncode == 0
    for text in ("--scale", "--hourly-limit", "--max-lifetime", "/_sandbox/mutate"):
        assert text in done.stdout


def test_cli_fault_flags_set_seeded_rates_and_a_zone_move():
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.cli", "--scale", "20",
         "--max-lifetime", "30", "--fault", "status:0.1",
         "--fault", "429:0.05:retry_after=none", "--fault-seed", "3",
         "--move-zone-after", "50", "--usage-latency", "--time-scale", "0.01"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )  # fmt: skip
    try:
        base_url = process.stdout.readline().strip()
        admin = base_url.replace("ATServicesRest/", "_sandbox/")
        rates = httpx.get(admin + "fault_rates", timeout=5).json()
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)

    assert rates == {
        "seed": 3,
        "rates": [
            {
                "kind": "status",
                "rate": 0.1,
                "endpoint": None,
                "status": 500,
                "seconds": 0.0,
                "retry_after": "seconds",
            },
            {
                "kind": "429",
                "rate": 0.05,
                "endpoint": None,
                "status": 500,
                "seconds": 0.0,
                "retry_after": "none",
            },
        ],
    }
    assert code == 0


def test_cli_refuses_a_bad_fault_spec():
    done = run("--fault", "explode:0.1")

    assert done.returncode == 2
    assert done.stderr == (
        "autotask-sandbox: unknown fault kind 'explode'; use one of "
        "('status', 'empty', 'cut', 'reset', 'slow', '429', 'thread')\n"
    )


def test_cli_help_documents_the_fault_flags():
    done = run("--help")

    for text in (
        "--fault KIND:RATE[:OPTION=VALUE,...]",
        "--fault-seed N",
        "--move-zone-after N",
        "--time-scale FACTOR",
        "retry_after=seconds|date|none",
        "--fault status:0.1 --fault cut:0.05 --fault-seed 3",
        "/_sandbox/fault_rates",
    ):
        assert text in done.stdout, text
