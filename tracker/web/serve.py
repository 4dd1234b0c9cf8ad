"""Running the app: which addresses need a token, and uvicorn on the chosen host and port."""

from __future__ import annotations

import ipaddress
import socket

import sqlalchemy as sa
import uvicorn

from tracker.core.config import Settings, WebSettings
from tracker.web.app import create_app
from tracker.web.security import LOOPBACK_HOSTS


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_problem(host: str, web: WebSettings) -> str | None:
    """Why `tracker web` must not listen on `host` with this configuration, or None.

    Off the loopback interface anyone on the network could read, so a token is required;
    a token written as `${VAR}` whose variable is unset is never silently dropped.
    """
    if web.unset_env:
        return f"web.token: environment variable {web.unset_env[0]} is not set"
    if not is_loopback(host) and not web.token:
        return f"listening on {host} needs a token: set [web] token = \"${{TRACKER_WEB_TOKEN}}\" in tracker.toml"
    return None


def listen(host: str, port: int) -> socket.socket:
    """The bound socket, so a port in use is an OSError here, said in one line, not a server log."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off only on sockets that say they are
    # TCP, and with it on every small response waited ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def serve(engine: sa.Engine, settings: Settings, sock: socket.socket) -> None:
    """Serve on `sock` until interrupted (uvicorn handles SIGINT and SIGTERM)."""
    config = uvicorn.Config(create_app(engine, settings), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
