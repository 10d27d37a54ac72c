"""The HTTP layer: a stdlib threading server speaking HTTP/1.1 keep-alive.

Every response carries `Content-Length` and the standard `Date` header
(clients derive the server clock from it). Requests under `/_sandbox/` go
to the admin API, everything else to `AutotaskApi`. Request bodies must
come with `Content-Length` (chunked uploads are not supported).

The server keeps track of its open connections so that stopping it also
closes idle keep-alive connections instead of leaving them to time out.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .admin import handle_admin
from .api import ApiRequest, ApiResponse, AutotaskApi

log = logging.getLogger("autotask_sync.sandbox")

ADMIN_PREFIX = "_sandbox"
IDLE_CONNECTION_SECONDS = 120


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: AutotaskApi) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.api = api
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, SandboxRequestHandler)

    @property
    def origin_host(self) -> str:
        host, port = self.server_address[:2]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AutotaskSandbox/1.0"
    sys_version = ""
    timeout = IDLE_CONNECTION_SECONDS
    # Headers and body leave in one write, without Nagle's delay: otherwise
    # small responses wait ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        segments = [s for s in url.path.split("/") if s]

        if segments and segments[0].lower() == ADMIN_PREFIX:
            action = "/".join(segments[1:]).lower()
            response = handle_admin(self.server.api, self.command, action, body)
        else:
            params = {
                key: values[0]
                for key, values in parse_qs(url.query, keep_blank_values=True).items()
            }
            host = self.headers.get("Host") or self.server.origin_host
            request = ApiRequest(
                self.command, url.path, params, self.headers, body, host
            )
            response = self.server.api.handle(request)
        self._send(response)

    def _send(self, response: ApiResponse) -> None:
        if response.reset:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        try:
            self.end_headers()
            self.wfile.write(response.body)
        except OSError:
            # The client gave up (a timeout on a slow page): nothing to tell.
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("sandbox %s %s", self.address_string(), format % args)
