"""Which addresses the crawler may fetch: the public web, and the private hosts a deployment allows.

Crawled pages are hostile input: a link, redirect, feed entry, sitemap URL, image or re-check URL may
point at the crawler's own network (the local Elasticsearch node, a router, a cloud metadata service).
Only `http` and `https` are fetched, and only from public addresses, unless a host is allowed
explicitly with SAFEWATCH_CRAWL_ALLOW_PRIVATE ("host" or "host:port", comma-separated).

This module decides; crawlers/address_guard.py enforces it where Scrapy connects (its resolver hands
the connection only the addresses allowed here, so a name that resolves differently between a check
and the connection cannot get through).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from safewatch.errors import SafeWatchError

ALLOWED_SCHEMES = ("http", "https")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Refusal reasons: the crawl summary counts them (stats safewatch/refused/<reason>).
REFUSED_SCHEME = "scheme"  # file:, ftp:, data:, javascript:…
REFUSED_MALFORMED = "malformed_address"  # no host, a bad port, an unreadable address
REFUSED_PRIVATE = "private_address"  # loopback, private, link-local, multicast, reserved…
# What a refused fetch records (on a media entry, a re-check): the same words whatever answers there.
NEUTRAL_REASON = "refused: not a public web address"

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class AllowanceError(SafeWatchError):
    """A SAFEWATCH_CRAWL_ALLOW_PRIVATE entry that cannot be read."""


def ip_literal(host: str) -> IPAddress | None:
    """The address a URL host written as an IP stands for, read the way browsers and libc read it
    (so "2130706433", "0177.0.0.1", "0x7f.1" and "127.1" are all 127.0.0.1); None for a name."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return None
    return _ipv4_any_spelling(host)


def _ipv4_any_spelling(host: str) -> ipaddress.IPv4Address | None:
    parts = host.split(".")
    if not host or len(parts) > 4 or not all(parts):
        return None
    numbers = []
    for part in parts:
        try:
            if part.startswith(("0x", "0X")):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part[1:], 8))
            else:
                numbers.append(int(part, 10))
        except ValueError:
            return None
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for position, number in enumerate(leading):
        value += number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (IPv4-mapped, 6to4, NAT64, IPv4-compatible), if any."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address in _NAT64 or address in _NAT64_LOCAL or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """A globally routable unicast address (and, for IPv6, one that carries no private IPv4)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        inner = embedded_ipv4(address)
        if inner is not None and not is_public(inner):
            return False
    elif address in _CGNAT:
        return False
    return address.is_global and not (address.is_multicast or address.is_loopback or address.is_link_local
                                      or address.is_reserved or address.is_unspecified or address.is_private)


@dataclass(frozen=True)
class Allowance:
    host: str  # a lower-case name, or an address in its standard spelling
    port: int | None  # None: every port

    def covers(self, host: str, port: int | None) -> bool:
        return self.host == host and (self.port is None or self.port == port)


def normal_host(host: str) -> str:
    """A host as allowances are written: lower case, an IP in its standard spelling."""
    address = ip_literal(host)
    return str(address) if address is not None else host.strip().lower().rstrip(".")


def parse_allowance(entries: Iterable[str]) -> tuple[Allowance, ...]:
    """SAFEWATCH_CRAWL_ALLOW_PRIVATE entries: "host", "host:port", "[v6]" or "[v6]:port"."""
    found = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        try:
            parts = urlsplit(f"http://{entry}")
            host, port = parts.hostname, parts.port
        except ValueError:
            host, port = None, None
        if not host or parts.path or parts.query or parts.username or "://" in entry:
            raise AllowanceError(f"SAFEWATCH_CRAWL_ALLOW_PRIVATE: cannot read {entry!r}; write host or "
                                 "host:port (an IPv6 address in brackets), comma-separated.")
        found.append(Allowance(normal_host(host), port))
    return tuple(found)


class AddressPolicy:
    """The decision: public addresses yes, explicitly allowed hosts yes, everything else no."""

    def __init__(self, allowances: Iterable[Allowance] = ()) -> None:
        self.allowances = tuple(allowances)

    @classmethod
    def from_config(cls, config) -> AddressPolicy:
        return cls(parse_allowance(config.crawl_allow_private))

    def allowed_host(self, host: str, port: int | None) -> bool:
        host = normal_host(host)
        return any(allowance.covers(host, port) for allowance in self.allowances)

    def allows_address(self, address: IPAddress, port: int | None, host_name: str | None = None) -> bool:
        """May a connection go to `address`:`port` (resolved from `host_name`, if it was a name)?"""
        return (is_public(address) or self.allowed_host(str(address), port)
                or (host_name is not None and self.allowed_host(host_name, port)))

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be fetched (REFUSED_*), or None. A host written as a name passes here:
        the address it resolves to is checked where the connection is made."""
        try:
            parts = urlsplit(url)
            scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
        except ValueError:
            return REFUSED_MALFORMED
        if scheme not in ALLOWED_SCHEMES:
            return REFUSED_SCHEME
        if not host:
            return REFUSED_MALFORMED
        port = port or (443 if scheme == "https" else 80)
        address = ip_literal(host)
        if address is not None and not self.allows_address(address, port):
            return REFUSED_PRIVATE
        if address is None and ":" in host:  # an IPv6 literal that is not one
            return REFUSED_MALFORMED
        return None
