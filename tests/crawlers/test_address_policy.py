"""The crawler fetches only the public web: which addresses the policy refuses, in every spelling;
the allowance; the resolver that hands connections only allowed addresses (DNS rebinding)."""

import ipaddress

import pytest
from scrapy.http import HtmlResponse
from twisted.internet.address import IPv4Address
from twisted.internet.endpoints import HostnameEndpoint
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IHostnameResolver
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactorClock
from zope.interface import implementer

from crawlers.address_guard import PublicAddressResolver
from crawlers.address_policy import (
    REFUSED_MALFORMED,
    REFUSED_PRIVATE,
    REFUSED_SCHEME,
    AddressPolicy,
    AllowanceError,
    ip_literal,
    parse_allowance,
)
from crawlers.pages.forum import page_links
from crawlers.pages.links import web_url
from crawlers.summary import refusals, summary_lines
from safewatch.config import Config

POLICY = AddressPolicy()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9200/", "http://[::1]:9200/", "http://2130706433:9200/", "http://0177.0.0.1/",
    "http://0x7f.1/", "http://127.1/", "http://0x7f000001/", "http://127.0.0.1.:80/",
    "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/", "http://224.0.0.1/", "http://0.0.0.0/", "http://255.255.255.255/", "http://240.0.0.1/",
    "http://198.18.0.1/", "http://[fe80::1]/", "http://[fc00::1]/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/", "http://[2002:7f00:1::]/", "http://[64:ff9b::a00:1]/", "http://[ff02::1]/",
    "http://[::]/", "http://[::127.0.0.1]/", "https://[fe80::1%25eth0]/",
])
def test_private_loopback_and_reserved_addresses_are_refused_in_every_spelling(url):
    assert POLICY.refusal(url) == REFUSED_PRIVATE


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,<b>x</b>",
                                 "mailto:a@b.vn", "ftp://example.com/x", "gopher://example.com/", "s3://bucket/x"])
def test_only_http_and_https_are_fetched(url):
    assert POLICY.refusal(url) == REFUSED_SCHEME


@pytest.mark.parametrize("url", ["http://[::1/", "http:///path", "http://example.com:99999/", "http://[::zz]/"])
def test_malformed_addresses_are_refused(url):
    assert POLICY.refusal(url) == REFUSED_MALFORMED


@pytest.mark.parametrize("url", ["http://93.184.216.34/", "https://example.com/a", "http://[2606:4700::1111]/",
                                 "http://8.8.8.8:8080/x", "https://xn--bcher-kva.example/"])
def test_public_addresses_and_names_pass_the_url_check(url):
    assert POLICY.refusal(url) is None  # a name's addresses are checked where it is connected


def test_ip_spellings_are_read_like_a_browser():
    loopback = ipaddress.IPv4Address("127.0.0.1")
    assert [ip_literal(h) for h in ("2130706433", "0177.0.0.1", "0x7f.1", "127.1", "0x7F.0.0.01")] == [loopback] * 5
    assert ip_literal("example.com") is None and ip_literal("1.2.3.4.5") is None and ip_literal("256.1.1.1") is None


def test_the_allowance_admits_exactly_its_host_and_port():
    policy = AddressPolicy(parse_allowance(["127.0.0.1:8765", "forum.lan", "[fd00::5]:8080"]))
    assert policy.refusal("http://127.0.0.1:8765/t/1") is None
    assert policy.refusal("http://2130706433:8765/t/1") is None  # the same address, spelled otherwise
    assert policy.refusal("http://127.0.0.1:9200/") == REFUSED_PRIVATE
    assert policy.refusal("http://[fd00::5]:8080/") is None and policy.refusal("http://[fd00::5]/") == REFUSED_PRIVATE
    assert policy.allows_address(ipaddress.ip_address("10.1.2.3"), 443, "Forum.LAN")
    assert not policy.allows_address(ipaddress.ip_address("10.1.2.3"), 443, "other.lan")


@pytest.mark.parametrize("entry", ["http://127.0.0.1:1/", "127.0.0.1:port", "host/path", "[::1"])
def test_an_unreadable_allowance_is_refused_with_its_setting_named(entry):
    with pytest.raises(AllowanceError, match="SAFEWATCH_CRAWL_ALLOW_PRIVATE"):
        parse_allowance([entry])


def test_the_allowance_is_read_from_the_environment():
    config = Config.from_env({"SAFEWATCH_CRAWL_ALLOW_PRIVATE": " 127.0.0.1:8765, forum.lan ,,"})
    assert config.crawl_allow_private == ("127.0.0.1:8765", "forum.lan")
    assert Config.from_env({}).crawl_allow_private == ()


@implementer(IHostnameResolver)
class Rebinding:
    """A DNS server that answers each lookup of a name with the next of its answers."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)

    def resolveHostName(self, receiver, hostName, portNumber=0, addressTypes=None, transportSemantics="TCP"):
        receiver.resolutionBegan(None)
        for address in self.answers.pop(0):
            receiver.addressResolved(IPv4Address("TCP", address, portNumber))
        receiver.resolutionComplete()
        return receiver


def test_a_name_that_rebinds_to_loopback_is_refused_where_the_connection_is_made():
    reactor = MemoryReactorClock()
    resolver = PublicAddressResolver(reactor, AddressPolicy(), upstream=Rebinding(
        ["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1", "93.184.216.34"]))
    resolver.install_on_reactor()
    endpoint = HostnameEndpoint(reactor, b"rebind.example", 80)

    endpoint.connect(Factory.forProtocol(Protocol))  # first answer: public, connected to
    reactor.advance(1)
    assert [(host, port) for host, port, *_ in reactor.tcpClients] == [("93.184.216.34", 80)]

    second = endpoint.connect(Factory.forProtocol(Protocol))  # same name, now 127.0.0.1: no connection at all
    reactor.advance(1)
    failures = []
    second.addErrback(failures.append)
    assert len(reactor.tcpClients) == 1 and failures and failures[0].check(DNSLookupError)
    assert resolver.was_refused("rebind.example", 80)

    endpoint.connect(Factory.forProtocol(Protocol))  # a mixed answer: only the public address is tried
    reactor.advance(1)
    assert [host for host, *_ in reactor.tcpClients] == ["93.184.216.34", "93.184.216.34"]
    assert not resolver.was_refused("rebind.example", 80)


def test_a_bad_link_is_skipped_and_counted_and_the_links_after_it_are_read():
    page = HtmlResponse("http://f.example/forum.html", encoding="utf-8", body=(
        b'<ul class="threads"><li><a href="/t/1.html">1</a></li><li><a href="javascript:void(0)">j</a></li>'
        b'<li><a href="mailto:a@b.vn">m</a></li><li><a href="http://[::1">x</a></li>'
        b'<li><a href="data:text/html,x">d</a></li><li><a href="/t/2.html#top">2</a></li></ul>'))
    links = page_links(page)
    assert links.urls == ["http://f.example/t/1.html", "http://f.example/t/2.html"] and links.skipped == 4


@pytest.mark.parametrize("href", ["http://exa mple.com", "http://exa mple.com/t/1", "http://exa%20mple.com/",
                                  "http://exa\u3000mple.com/", "http://ex\x01ample.com/", "http://a<b>.vn/",
                                  "http://a^b.vn/", "http://a|b.vn/", "http://[::1", "http://:80/"])
def test_a_link_whose_host_a_browser_would_not_read_is_malformed(href):
    page = HtmlResponse("http://f.example/forum.html", encoding="utf-8", body=b"")
    assert web_url(page, href) is None


@pytest.mark.parametrize(("href", "expected"), [
    ("http://dien-dan.vn/t/1", "http://dien-dan.vn/t/1"),
    ("https://sub_domain.example.vn/", "https://sub_domain.example.vn/"),  # underscores occur in real names
    ("http://tuổihồng.vn/", "http://tuổihồng.vn/"),  # an IDN as written
    ("http://[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080/x"),  # an IPv6 literal: the address policy decides
    ("//f.example/t/2#p3", "http://f.example/t/2"),
])
def test_web_addresses_are_still_read(href, expected):
    page = HtmlResponse("http://f.example/forum.html", encoding="utf-8", body=b"")
    assert web_url(page, href) == expected


def test_the_summary_counts_refusals_by_reason():
    stats = {"safewatch/refused/private_address": 6, "safewatch/refused/scheme": 1,
             "safewatch/skipped/bad_link": 2, "response_received_count": 3}
    assert refusals(stats) == {"refused_private_address": 6, "refused_scheme": 1, "skipped_bad_link": 2}
    line = next(line for line in summary_lines(stats) if "refused" in line)
    assert "refused_private_address × 6" in line and "refused_scheme × 1" in line and "skipped_bad_link × 2" in line
    assert not any("refused" in line for line in summary_lines({"response_received_count": 3}))
