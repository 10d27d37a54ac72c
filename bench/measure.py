"""Measuring one contender's run: wall time, Python heap peak, RSS growth.

Wall time and memory come from separate passes, because tracemalloc slows
allocation-heavy Python code several times over (about 6x for a full sync
on this project): a timed pass runs with tracemalloc off and samples the
process RSS, a traced pass runs the same work again with tracemalloc on and
keeps only its peak.

What the numbers mean:

- `seconds`: `time.perf_counter()` around the run;
- `peak_python_mb`: `tracemalloc`'s peak of traced Python allocations during
  the run, above what was allocated when it began. Allocations of an
  in-process sandbox are included (they are the same for every contender);
  memory DuckDB or Arrow allocate outside Python's allocator is not;
- `rss_growth_mb`: the highest RSS sampled during the run (every
  `RSS_SAMPLE_SECONDS`) minus the RSS when it began; it does include
  DuckDB's and Arrow's native memory.

RSS is read from `/proc/self/statm`, so RSS numbers are Linux only (None
elsewhere). Freed heap is handed back to the OS between contenders with
glibc's `malloc_trim` where available, so each contender starts from a
comparable baseline; memory a library keeps cached on purpose (dlt's
imports, DuckDB's extension state) stays with whoever loaded it first,
which is why the benchmark warms every contender up before measuring.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

RSS_SAMPLE_SECONDS = 0.01
MB = 1024 * 1024

T = TypeVar("T")

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int | None:
    """This process's resident set size now, or None off Linux."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


def _load_malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


_malloc_trim = _load_malloc_trim()


def release_memory() -> None:
    """Collect garbage and give freed heap back to the OS, between runs."""
    gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)


class RssSampler:
    """Samples RSS in a daemon thread and keeps the highest value seen."""

    def __init__(self, interval: float = RSS_SAMPLE_SECONDS) -> None:
        self.interval = interval
        self.start_bytes = rss_bytes()
        self.peak_bytes = self.start_bytes
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._sample, name="bench-rss-sampler", daemon=True
        )

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._note()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._note()

    def _note(self) -> None:
        current = rss_bytes()
        if current is not None and self.peak_bytes is not None:
            self.peak_bytes = max(self.peak_bytes, current)

    @property
    def growth_mb(self) -> float | None:
        if self.start_bytes is None or self.peak_bytes is None:
            return None
        return (self.peak_bytes - self.start_bytes) / MB


@dataclass
class Timed:
    """What the timed pass saw."""

    seconds: float
    rss_growth_mb: float | None


def timed(run: Callable[[], T]) -> tuple[T, Timed]:
    """Run once with tracemalloc off: wall seconds and RSS growth."""
    release_memory()
    with RssSampler() as sampler:
        started = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - started
    return result, Timed(seconds, sampler.growth_mb)


def traced_peak_mb(run: Callable[[], object]) -> float:
    """Run once with tracemalloc on; the peak of new allocations, in MB."""
    release_memory()
    already_tracing = tracemalloc.is_tracing()
    if not already_tracing:
        tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not already_tracing:
            tracemalloc.stop()
    return max(peak - baseline, 0) / MB
