"""Serves the shipped demo forum (crawlers/demo_site/) on 127.0.0.1, with its RSS feed rendered for
the address it is served on."""

from __future__ import annotations

import functools
import importlib.util
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DEMO_SITE = Path(__file__).resolve().parent / "demo_site"


def _generator():
    spec = importlib.util.spec_from_file_location("safewatch_demo_site", DEMO_SITE / "_generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Handler(SimpleHTTPRequestHandler):
    feed_xml: bytes = b""

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/feed.xml":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(self.feed_xml)))
            self.end_headers()
            self.wfile.write(self.feed_xml)
            return
        if path.startswith("/_") or path.endswith((".py", ".json", ".md")):
            self.send_error(404)  # the generator and its data are not part of the site
            return
        super().do_GET()

    def log_message(self, format, *args):  # quiet: the crawler reports what it fetched
        pass


class DemoSite:
    """The demo forum on a background thread; port 0 picks a free port."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        handler = functools.partial(type("DemoHandler", (_Handler,), {}), directory=str(DEMO_SITE))
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        handler.func.feed_xml = _generator().render_feed(self.base_url).encode("utf-8")
        self._thread = threading.Thread(target=self.server.serve_forever, name="demo-site", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> DemoSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
