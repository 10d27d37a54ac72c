"""Real parts the tests start on loopback: a throwaway PostgreSQL server.

A part is skipped only when it is truly absent from the machine, and never
when `AUTOTASK_SYNC_REQUIRE_REAL_PARTS=1` (CI sets it): then its absence is a
failure. Servers bind 127.0.0.1 and a watchdog stops them after a bounded
time even if the test process dies.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

POSTGRES_LIFETIME_SECONDS = 1800


def require_real_part(reason: str) -> None:
    """Skip (or, in CI, fail) because a real part is missing."""
    if os.environ.get("AUTOTASK_SYNC_REQUIRE_REAL_PARTS") == "1":
        pytest.fail(f"{reason} (required here: AUTOTASK_SYNC_REQUIRE_REAL_PARTS=1)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_postgres_user(command: list[str]) -> list[str]:
    """initdb refuses root, so as root the server runs as `postgres`."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start PostgreSQL on 127.0.0.1; yield a DSN for an empty database."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        require_real_part("PostgreSQL server binaries (initdb) are not installed")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            require_real_part("there is no 'postgres' user to run initdb as")

    root = Path(tempfile.mkdtemp(prefix="autotask-sync-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()

    def run(*command: str) -> None:
        subprocess.run(
            _as_postgres_user([str(bin_dir / command[0]), *command[1:]]),
            check=True,
            capture_output=True,
            timeout=120,
        )

    run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    server_options = (
        f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off"
    )
    log = root / "server.log"
    run("pg_ctl", "-D", str(data), "-o", server_options, "-l", str(log), "-w", "start")
    watchdog = subprocess.Popen(
        _as_postgres_user(
            [
                "sh",
                "-c",
                f"sleep {POSTGRES_LIFETIME_SECONDS}; "
                f"{bin_dir}/pg_ctl -D {data} -m immediate stop",
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        run(
            "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "autotask"
        )
        yield f"postgresql://postgres:unused@127.0.0.1:{port}/autotask"
    finally:
        subprocess.run(
            _as_postgres_user(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
            ),
            capture_output=True,
            timeout=60,
        )
        os.killpg(watchdog.pid, signal.SIGKILL)
        watchdog.wait()
        shutil.rmtree(root, ignore_errors=True)
