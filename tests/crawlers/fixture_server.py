"""A real HTTP server on 127.0.0.1 for crawler tests: routes map a path (with its query string, if
any) to a fixed reply or to a function of the request; a folder can be served as a site."""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class Reply:
    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"

    def encoded(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass
class Request:
    method: str
    path: str  # without the query
    query: str
    headers: dict[str, str]
    handler: BaseHTTPRequestHandler  # for replies that stream or stall (slow servers, bombs)


Route = Reply | Callable[[Request], Reply | None]


class FixtureServer:
    """`routes["/path"] = Reply(...)` or a function; `site=` a folder served for unrouted paths.
    Every request is logged in `requests` as (method, path?query, headers).

    The crawler fetches only public addresses; `FixtureServer.allowance()` is the
    SAFEWATCH_CRAWL_ALLOW_PRIVATE value that allows exactly the servers running now (each its own
    127.0.0.1:port), which tests/crawlers/conftest.py `run_crawl` passes to the crawl."""

    running: set[str] = set()  # "127.0.0.1:port" of the servers started and not stopped yet

    def __init__(self, routes: dict[str, Route] | None = None, site: Path | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.site = site
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                server._serve(self, "GET")

            def do_HEAD(self):
                server._serve(self, "HEAD")

            def log_message(self, format, *args):
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 64

            def handle_error(self, request, client_address):  # clients that hang up (time-outs) are expected
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fixture-server", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def paths_requested(self) -> list[str]:
        return [path for _, path, _ in self.requests]

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        full = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {k.lower(): v for k, v in handler.headers.items()}
        self.requests.append((method, full, headers))
        route = self.routes.get(full, self.routes.get(parts.path))
        reply = None
        if callable(route):
            reply = route(Request(method, parts.path, parts.query, headers, handler))
            if reply is None:  # the function wrote its own response (or dropped the connection)
                return
        elif isinstance(route, Reply):
            reply = route
        elif self.site is not None:
            reply = self._file(parts.path)
        if reply is None:
            reply = Reply("<h1>404 Not Found</h1>", status=404)
        body = reply.encoded()
        handler.send_response(reply.status)
        headers = {"Content-Type": reply.content_type, **reply.headers}
        for name, value in headers.items():
            handler.send_header(name, value)
        if "Content-Length" not in headers:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if method != "HEAD":
            handler.wfile.write(body)

    def _file(self, path: str) -> Reply | None:
        target = (self.site / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if self.site.resolve() not in target.parents or not target.is_file():
            return None
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith(("xml", "json")):
            content_type += "; charset=utf-8"
        return Reply(target.read_bytes(), content_type=content_type)

    @property
    def host_port(self) -> str:
        return self.base_url.removeprefix("http://")

    @classmethod
    def allowance(cls) -> str:
        return ",".join(sorted(cls.running))

    def start(self) -> FixtureServer:
        self._thread.start()
        FixtureServer.running.add(self.host_port)
        return self

    def stop(self) -> None:
        FixtureServer.running.discard(self.host_port)
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
