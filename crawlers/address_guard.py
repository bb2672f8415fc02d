"""Where the address policy (crawlers/address_policy.py) is enforced for every Scrapy fetch: pages,
redirects, robots.txt, sitemaps, feeds, media and re-checks all go through the same downloader.

- AddressPolicyMiddleware (first of the downloader middlewares) refuses what the URL alone shows:
  a scheme other than http/https, a malformed address, an IP literal (in any spelling) that is not
  public. Nothing is sent, not even a robots.txt request.
- PublicAddressResolver (the TWISTED_DNS_RESOLVER) resolves every host Scrapy connects to and hands
  the connection only the addresses the policy allows. Twisted's HostnameEndpoint connects to exactly
  those addresses, so there is no second lookup for a name to answer differently (DNS rebinding).
- RefusedAddressMiddleware (last, so before retries) turns the failed connection of a name that
  resolved only to refused addresses into a counted refusal, with a neutral reason.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer, provider

from crawlers.address_policy import NEUTRAL_REASON, REFUSED_PRIVATE, AddressPolicy, ip_literal, normal_host

log = logging.getLogger(__name__)
STATS_PREFIX = "safewatch/refused/"


@implementer(IHostnameResolver)
class PublicAddressResolver:
    """A name resolver that passes on only the addresses the policy allows (`upstream` does the
    lookup: the reactor's own resolver, or a test's)."""

    def __init__(self, reactor, policy: AddressPolicy, upstream=None) -> None:
        self.reactor = reactor
        self.policy = policy
        self.upstream = upstream
        self.refused: set[tuple[str, int]] = set()  # (host, port) whose last lookup gave only refused addresses

    @classmethod
    def from_crawler(cls, crawler, reactor):
        return cls(reactor, AddressPolicy.from_config(crawler.settings["SAFEWATCH_CONFIG"]))

    def install_on_reactor(self) -> None:
        if self.upstream is None:
            self.upstream = self.reactor.nameResolver
        self.reactor.installNameResolver(self)

    def was_refused(self, host: str, port: int) -> bool:
        return (normal_host(host), port) in self.refused

    def resolveHostName(self, resolutionReceiver, hostName, portNumber=0, addressTypes=None,
                        transportSemantics="TCP"):
        checking = _CheckingReceiver(self, resolutionReceiver, hostName, portNumber)
        return self.upstream.resolveHostName(checking, hostName, portNumber, addressTypes, transportSemantics)


@provider(IResolutionReceiver)
class _CheckingReceiver:
    def __init__(self, resolver: PublicAddressResolver, receiver, host: str, port: int) -> None:
        self.resolver, self.receiver, self.host, self.port = resolver, receiver, host, port
        self.passed = self.dropped = 0

    def resolutionBegan(self, resolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address) -> None:
        ip = ip_literal(getattr(address, "host", "") or "")
        if ip is not None and self.resolver.policy.allows_address(ip, self.port, self.host):
            self.passed += 1
            self.receiver.addressResolved(address)
        else:
            self.dropped += 1
            log.debug("address %s of %s refused (not public)", getattr(address, "host", address), self.host)

    def resolutionComplete(self) -> None:
        key = (normal_host(self.host), self.port)
        if self.dropped and not self.passed:
            self.resolver.refused.add(key)
        else:
            self.resolver.refused.discard(key)
        self.receiver.resolutionComplete()


class AddressPolicyMiddleware:
    """Refuses, before anything is sent, what the URL alone shows may not be fetched."""

    def __init__(self, policy: AddressPolicy, stats) -> None:
        self.policy = policy
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(AddressPolicy.from_config(crawler.settings["SAFEWATCH_CONFIG"]), crawler.stats)

    def process_request(self, request, spider=None):
        reason = self.policy.refusal(request.url)
        if reason:
            refuse(self.stats, reason, request)
        return None


class RefusedAddressMiddleware:
    """A name that resolved only to refused addresses: counted and ignored (not retried, and not
    reported as an unknown host)."""

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_exception(self, request, exception, spider=None):
        if not isinstance(exception, CannotResolveHostError | DNSLookupError):
            return None
        from twisted.internet import reactor  # the one Scrapy installed, with PublicAddressResolver
        resolver = getattr(reactor, "nameResolver", None)
        parts = urlsplit(request.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if isinstance(resolver, PublicAddressResolver) and resolver.was_refused(parts.hostname or "", port):
            refuse(self.stats, REFUSED_PRIVATE, request)
        return None


def refuse(stats, reason: str, request) -> None:
    """Count the refusal (robots.txt requests of the crawler's own making are not counted: the page
    that needed one is) and end the request with a reason that says nothing of what answers there."""
    if not request.meta.get("dont_obey_robotstxt"):
        stats.inc_value(STATS_PREFIX + reason)
    log.info("refused (%s): %s", reason, request.url[:300])
    raise IgnoreRequest(NEUTRAL_REASON)
