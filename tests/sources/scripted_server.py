"""A tiny HTTP server on 127.0.0.1 that answers what a test scripts.

Each route (method + path, matched case-insensitively, query string
ignored) holds a queue of `Reply`s: each request takes the next one, and
the last stays in place for any further requests. Every request is
recorded (method, path, query, headers, body) before it is answered, and
the server tracks how many requests it held at once. It stops itself after
`lifetime` seconds even if a test forgets to.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    """What to answer: status, body (dict/list as JSON), headers, delay.

    `drop=True` closes the connection without any answer (a reset).
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Recorded:
    """One request as the server saw it; header names are lower-cased."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ScriptedServer:
    """Answers scripted replies on 127.0.0.1; use as a context manager."""

    def __init__(self, lifetime: float = 20.0) -> None:
        self.requests: list[Recorded] = []
        self.peak_in_flight = 0
        self.peak_in_flight_by_path: dict[str, int] = {}
        self._routes: dict[tuple[str, str], list[Reply]] = {}
        self._lock = threading.Lock()
        self._in_flight = 0
        self._in_flight_by_path: dict[str, int] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
        )
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._stopped = False

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def script(self, method: str, path: str, *replies: Reply) -> None:
        """Queue `replies` for `method path` (path without query string)."""
        with self._lock:
            key = (method.upper(), path.casefold())
            self._routes.setdefault(key, []).extend(replies)

    def requests_to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.casefold() == path.casefold()]

    def start(self) -> ScriptedServer:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _next_reply(self, method: str, path: str) -> Reply:
        with self._lock:
            queue = self._routes.get((method, path.casefold()))
            if not queue:
                return Reply(404, {"Message": f"No script for {method} {path}"})
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _enter(self, recorded: Recorded) -> None:
        path = recorded.path.casefold()
        with self._lock:
            self.requests.append(recorded)
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            on_path = self._in_flight_by_path.get(path, 0) + 1
            self._in_flight_by_path[path] = on_path
            peak = max(self.peak_in_flight_by_path.get(path, 0), on_path)
            self.peak_in_flight_by_path[path] = peak

    def _leave(self, recorded: Recorded) -> None:
        with self._lock:
            self._in_flight -= 1
            self._in_flight_by_path[recorded.path.casefold()] -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.casefold(): v for k, v in self.headers.items()}
                recorded = Recorded(
                    self.command, parts.path, parts.query, headers, body
                )
                server._enter(recorded)
                try:
                    reply = server._next_reply(self.command, parts.path)
                    if reply.delay:
                        time.sleep(reply.delay)
                    if reply.drop:
                        self._reset()
                        return
                    self._send(reply)
                finally:
                    server._leave(recorded)

            def _send(self, reply: Reply) -> None:
                payload = reply.payload()
                self.send_response_only(reply.status)
                names = {k.casefold() for k in reply.headers}
                if "date" not in names:
                    self.send_header("Date", formatdate(usegmt=True))
                if "content-type" not in names and payload:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()

            def _reset(self) -> None:
                self.close_connection = True
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)

            do_GET = _answer
            do_POST = _answer
            do_PATCH = _answer
            do_PUT = _answer
            do_DELETE = _answer

        return Handler
