"""A real HTTP server on 127.0.0.1 for one sample site, run in a thread, with fault injection.

Every request is counted per path and logged with its arrival time, so tests can assert
what the crawler actually cost the site (conditional GETs answered 304, delays between
requests). Faults make the site misbehave on purpose: a status once or always (500,
429 with `Retry-After`), a hang longer than any sane timeout, a slow answer, or a
slow-loris body (`trickle`: one byte every so many seconds, never slow enough for a read
timeout). `robots_txt` sets what `/robots.txt` answers (unset: 404, as most sites).
Responses carry an ETag and Last-Modified unless the site says otherwise, and
conditional requests are answered 304 like a real web server would.
"""

from __future__ import annotations

import dataclasses
import email.utils
import hashlib
import http.server
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Callable, Protocol
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    cookies: dict[str, str]
    headers: dict[str, str]
    arrived: float = field(default_factory=time.monotonic)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: float | None = None  # POSIX time; enables If-Modified-Since
    validators: bool = True  # send an ETag and honour conditional requests
    trickle: float | None = None  # seconds between the body's bytes (a slow-loris server)


@dataclass
class Fault:
    """Misbehaviour for one path: `times` answers (None: until cleared) are spoiled."""

    status: int | None = None
    retry_after: str | None = None
    hang: float | None = None
    delay: float | None = None
    trickle: float | None = None
    times: int | None = 1


@dataclass(frozen=True)
class LoggedRequest:
    at: float  # time.monotonic() when the request arrived
    method: str
    path: str
    status: int
    conditional: bool


class Site(Protocol):
    """What a server needs from a sample site: answers, plus the switch to "the next day"."""

    name: str

    def respond(self, request: Request) -> Response: ...


class SiteServer:
    """One site on its own port; `admin` maps `/__admin/<name>` (POST) to a callback.

    `host` is the loopback address it listens on: tests of pacing across hosts give each
    server its own (Linux routes all of 127.0.0.0/8 to the loopback interface)."""

    def __init__(
        self, site: Site, admin: dict[str, Callable[[], None]] | None = None, *, host: str = "127.0.0.1"
    ) -> None:
        self.site = site
        self.admin = admin or {}
        self.robots_txt: str | None = None
        self.requests: Counter[str] = Counter()
        self.log: list[LoggedRequest] = []
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd = http.server.ThreadingHTTPServer((host, 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"samplesite-{site.name}", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def inject(self, path: str, fault: Fault) -> None:
        with self._lock:
            self._faults[path] = fault

    def fault_pending(self, path: str) -> bool:
        """Whether a fault injected for `path` still waits for its request: tests wait on this
        instead of sleeping, to know a request is now hanging or failing."""
        with self._lock:
            return path in self._faults

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset_counters(self) -> None:
        with self._lock:
            self.requests.clear()
            self.log.clear()

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            fault = self._faults.get(path)
            if fault is None:
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self._faults[path]
            return fault

    def _record(self, request: Request, status: int) -> None:
        conditional = "if-none-match" in request.headers or "if-modified-since" in request.headers
        with self._lock:
            self.requests[request.path] += 1
            self.log.append(LoggedRequest(request.arrived, request.method, request.path, status, conditional))

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/__admin/"):
            return self._admin(request)
        fault = self._take_fault(request.path)
        if fault is not None and fault.hang is not None:
            self._release.wait(fault.hang)
        if fault is not None and fault.delay is not None:
            self._release.wait(fault.delay)
        if fault is not None and fault.status is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            response = Response(fault.status, f"<html><body>HTTP {fault.status}</body></html>".encode(), headers=headers, validators=False)
        elif request.path == "/robots.txt" and self.robots_txt is not None:
            response = Response(200, self.robots_txt.encode("utf-8"), "text/plain; charset=utf-8", validators=False)
        else:
            response = self.site.respond(request)
        response = _conditional(request, response)
        if fault is not None and fault.trickle is not None:
            response = dataclasses.replace(response, trickle=fault.trickle)
        self._record(request, response.status)
        return response

    def _admin(self, request: Request) -> Response:
        name = request.path.removeprefix("/__admin/")
        if name == "requests" and request.method == "GET":
            with self._lock:
                body = json.dumps(dict(self.requests), ensure_ascii=False).encode()
            return Response(200, body, "application/json", validators=False)
        action = self.admin.get(name)
        if action is None or request.method != "POST":
            return Response(404, b"unknown admin action", "text/plain", validators=False)
        action()
        return Response(200, b'{"ok": true}', "application/json", validators=False)


def _conditional(request: Request, response: Response) -> Response:
    if not response.validators or response.status != 200:
        return response
    etag = '"' + hashlib.sha256(response.body).hexdigest()[:20] + '"'
    headers = dict(response.headers, ETag=etag)
    if response.last_modified is not None:
        headers["Last-Modified"] = email.utils.formatdate(response.last_modified, usegmt=True)
    not_modified = request.headers.get("if-none-match") == etag
    since = request.headers.get("if-modified-since")
    if not not_modified and since and "if-none-match" not in request.headers and response.last_modified is not None:
        try:
            not_modified = email.utils.parsedate_to_datetime(since).timestamp() >= int(response.last_modified)
        except (TypeError, ValueError):
            not_modified = False
    if not_modified:
        return Response(304, b"", response.content_type, headers, response.last_modified, validators=False)
    return dataclasses.replace(response, headers=headers, validators=False)


def _handler_for(server: SiteServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; with Nagle's algorithm on, the body
        # waits for the client's delayed ACK (~40 ms) on every keep-alive response.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_HEAD(self) -> None:
            self._serve("HEAD")

        def _serve(self, method: str) -> None:
            arrived = time.monotonic()
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            cookies = SimpleCookie(self.headers.get("Cookie") or "")
            request = Request(
                method=method,
                path=parts.path,
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                form=dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)),
                cookies={key: morsel.value for key, morsel in cookies.items()},
                headers={key.lower(): value for key, value in self.headers.items()},
                arrived=arrived,
            )
            response = server.handle(request)
            try:
                self.send_response(response.status)
                if response.status != 304:
                    self.send_header("Content-Type", response.content_type)
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if method != "HEAD" and response.trickle is not None:
                    self.wfile.flush()
                    for index in range(len(response.body)):
                        if server._release.wait(response.trickle):
                            break  # the server is stopping
                        self.wfile.write(response.body[index : index + 1])
                        self.wfile.flush()
                elif method != "HEAD":
                    self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the request log is kept on the server object instead."""

    return Handler
