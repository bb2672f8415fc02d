"""The crawl summary (#15): pages fetched with robots.txt and media apart; sitemap URLs listed,
followed and skipped by filter (on a real sitemap); posts dropped by reason; requests refused by
reason; reappeared content."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import XmlResponse
from scrapy.utils.test import get_crawler

from crawlers.registry import Source
from crawlers.spiders.sitemap import SitemapSpider
from crawlers.summary import fetched, summary_lines

SITEMAP = (Path(__file__).parent / "sites" / "real" / "trafilatura" / "sitemap.xml").read_bytes()


def test_sitemap_urls_listed_followed_and_skipped_by_filter_on_a_real_sitemap():
    source = Source("sitemaps-org", "sitemaps.org", "web", "sitemap", ("https://www.sitemaps.org/sitemap.xml",),
                    options={"include": [r"/(de|fr)/"], "exclude": [r"terms\.html$"], "max_pages": 5})
    spider = SitemapSpider.from_crawler(get_crawler(SitemapSpider), source=source,
                                        start_urls=list(source.start_urls))
    response = XmlResponse("https://www.sitemaps.org/sitemap.xml", body=SITEMAP)
    requests = list(spider.parse(response))
    stats = spider.crawler.stats.get_stats()
    kept = 6  # /de/ and /fr/: the home page, protocol and faq of each (terms excluded)
    assert stats["safewatch/sitemap/listed"] == 84
    assert stats["safewatch/sitemap/filtered"] == 84 - kept
    assert stats["safewatch/sitemap/followed"] == len(requests) == 5  # max_pages
    assert stats["safewatch/sitemap/over_max_pages"] == kept - 5
    lines = summary_lines(stats)
    assert "  sitemaps: 84 URL(s) listed, 5 followed, 78 skipped by the source's filters." in lines
    assert any("sitemap pages over the option max_pages × 1" in line for line in lines)


def test_pages_robots_and_media_are_counted_apart_and_refusals_and_drops_by_reason():
    stats = {"response_received_count": 12, "robotstxt/response_count": 2, "safewatch/media/responses": 4,
             "robotstxt/forbidden": 3, "safewatch/refused/private_address": 1,
             "safewatch/dropped/empty_post": 2, "safewatch/dropped/no_permalink": 1,
             "safewatch/posts/reappeared": 1}
    assert fetched(stats) == {"pages": 6, "robots.txt": 2, "media": 4}
    lines = summary_lines(stats)
    assert lines[0] == "  fetched: 6 page(s), 2 robots.txt, 4 media."
    assert "  posts dropped: empty_post × 2, no_permalink × 1" in lines
    assert any("refused_robots_txt × 3" in line and "refused_private_address × 1" in line for line in lines)
    assert any(line.startswith("  1 reappeared: removed content found again") for line in lines)
