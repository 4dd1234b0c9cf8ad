"""A threaded HTTP server that records requests and answers through a platform handler."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Answer:
    status: int = 200
    body: bytes | str | dict[str, Any] = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, dict):
            return json.dumps(self.body, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8"
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), "text/plain; charset=utf-8"
        return self.body, "application/octet-stream"


class Receiver:
    """Base receiver: subclasses implement `answer(request)`; `script` queues canned answers.

    `requests` holds every request received, `accepted` those the platform took as
    delivered messages. With `hold_after = n`, requests after the n-th are processed but
    not answered until `release` is set: a sender killed meanwhile has delivered the
    message without learning it.
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.accepted: list[Request] = []
        self.script: deque[Answer] = deque()
        self.lock = threading.Lock()
        self.hold_after: int | None = None
        self.release = threading.Event()
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, request: Request) -> Answer:
        raise NotImplementedError

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                request = Request("POST", parts.path, query, {k.lower(): v for k, v in self.headers.items()}, body)
                answer = receiver.handle(request)
                data, content_type = answer.encoded()
                self.send_response(answer.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def handle(self, request: Request) -> Answer:
        with self.lock:
            self.requests.append(request)
            answer = self.script.popleft() if self.script else self.answer(request)
            hold = self.hold_after is not None and len(self.requests) > self.hold_after
        if hold:
            self.release.wait(timeout=30)
        return answer

    def accept(self, request: Request) -> None:
        """Subclasses call this (under the lock) for a message the platform takes."""
        self.accepted.append(request)

    def stop(self) -> None:
        """Shut down; `start()` again reopens on the same port (a receiver that was down)."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.stop()
