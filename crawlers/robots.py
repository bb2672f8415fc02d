"""robots.txt as RFC 9309 reads it (section 2.3.1), where Scrapy's middleware allows everything
whenever the file cannot be read:

- 2xx: the rules of the first 500 KiB (512,000 bytes); the download stops there;
- 4xx ("unavailable"): no rules, everything allowed;
- 5xx, or no answer at all (time-out, refused connection) ("unreachable"): everything on that host
  is disallowed for this crawl, each refusal counted (safewatch/robots/unreachable);
- redirects followed up to 5 hops.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http.request import NO_CALLBACK

from crawlers.middlewares import SharedRobotsTxtMiddleware

log = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 512_000  # RFC 9309 2.5: at least 500 kibibytes are parsed; the rest is ignored
MAX_ROBOTS_REDIRECTS = 5  # RFC 9309 2.3.1.2
UNREACHABLE_STAT = "safewatch/robots/unreachable"


class Unreachable:
    """The parser of a host whose robots.txt answered 5xx or nothing: nothing is allowed."""

    def allowed(self, url, user_agent) -> bool:
        return False


class AllowAll:
    """The parser of a host whose robots.txt answered 4xx: no rules."""

    def allowed(self, url, user_agent) -> bool:
        return True


class Rfc9309RobotsTxtMiddleware(SharedRobotsTxtMiddleware):

    @classmethod
    def from_crawler(cls, crawler):
        instance = cls(crawler)
        crawler.signals.connect(instance._stop_at_limit, signal=signals.bytes_received)
        crawler.signals.connect(instance._bound_unpacking, signal=signals.headers_received)
        return instance

    def _bound_unpacking(self, headers, body_length, request, spider=None) -> None:
        """A robots.txt sent compressed all the same unpacks within the usual page limit (bombs)."""
        if request.meta.get("safewatch_robots") and headers.get(b"Content-Encoding"):
            request.meta["download_maxsize"] = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")

    def _stop_at_limit(self, data: bytes, request, spider=None) -> None:
        """Stops reading a robots.txt past the limit (a 30 MB file is not downloaded, nor refused
        as too large: its first 500 KiB are its rules)."""
        if not request.meta.get("safewatch_robots"):
            return
        received = request.meta["safewatch_robots_bytes"] = request.meta.get("safewatch_robots_bytes", 0) + len(data)
        if received >= MAX_ROBOTS_BYTES:
            raise StopDownload(fail=False)

    async def robot_parser(self, request):
        parts = urlsplit(request.url)
        if parts.netloc not in self._parsers:  # the first request to this host asks for its robots.txt
            self._parsers[parts.netloc] = pending = self._pending()
            robots = Request(f"{parts.scheme}://{parts.netloc}/robots.txt", priority=self.DOWNLOAD_PRIORITY,
                             callback=NO_CALLBACK,
                             headers={"Accept-Encoding": "identity"},
                             # No size refusal up front (a 30 MB file still has rules): the download
                             # stops at the limit instead (_stop_at_limit).
                             meta={"dont_obey_robotstxt": True, "safewatch_robots": True, "dont_condition": True,
                                   "redirect_ttl": MAX_ROBOTS_REDIRECTS, "download_maxsize": 0,
                                   "download_warnsize": 0})
            try:
                response = await self.crawler.engine.download_async(robots)
            except IgnoreRequest as error:  # more than 5 redirects, a redirect loop: unavailable (RFC 9309)
                log.warning("robots.txt of %s not read (%s): no rules", parts.netloc, error)
                self._settle(parts.netloc, pending, AllowAll())
            except Exception as error:
                self._stats.inc_value(f"robotstxt/exception_count/{type(error).__name__}")
                log.warning("robots.txt of %s unreachable (%s): nothing fetched from that host in this crawl",
                            parts.netloc, type(error).__name__)
                self._settle(parts.netloc, pending, Unreachable())
            else:
                self._stats.inc_value("robotstxt/response_count")
                self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
                self._settle(parts.netloc, pending, self._parser_for(response, parts.netloc))
            self._stats.inc_value("robotstxt/request_count")
        return await super().robot_parser(request)

    def _pending(self):
        from twisted.internet.defer import Deferred
        return Deferred()

    def _settle(self, netloc: str, pending, parser) -> None:
        self._parsers[netloc] = parser
        pending.callback(parser)

    def _parser_for(self, response, netloc: str):
        if response.status >= 500:
            log.warning("robots.txt of %s answered %d: nothing fetched from that host in this crawl",
                        netloc, response.status)
            return Unreachable()
        if response.status >= 400:
            return AllowAll()
        if response.status >= 300:  # a redirect not followed (more than 5 hops): unavailable, RFC 9309
            return AllowAll()
        return self._parserimpl.from_crawler(self.crawler, response.body[:MAX_ROBOTS_BYTES])

    def process_request_2(self, rp, request) -> None:
        if isinstance(rp, Unreachable):
            self._stats.inc_value(UNREACHABLE_STAT)
            raise IgnoreRequest("robots.txt unavailable (5xx or no answer): host disallowed for this crawl")
        super().process_request_2(rp, request)
