"""Fixtures shared by every test: isolated dlt state and loopback parts."""

from __future__ import annotations

import os

import pytest

# dlt must neither phone home nor write under /var/dlt (root's default).
os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"


@pytest.fixture(autouse=True)
def isolated_dlt(tmp_path, monkeypatch):
    """Every test gets its own dlt data dir and working directory."""
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt-data"))
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("SOURCES__", "DESTINATION__", "CREDENTIALS__")):
            monkeypatch.delenv(name)
