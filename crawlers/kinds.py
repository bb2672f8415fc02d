"""The kinds of source SafeWatch can crawl. Each kind is one generic spider configured by the
registry (crawlers/sources.yml); a new source of a known kind is configuration, never code.

A kind names its spider, whether it reads CSS `rules`, and a function that validates its `options`
(returns them cleaned, raises ValueError naming the option). The modules are imported when needed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    spider: str  # "module:Class"
    description: str
    uses_rules: bool = False
    options: str | None = None  # "module:function(options: dict) -> dict", raises ValueError

    def spider_class(self):
        return _resolve(self.spider)

    def validate_options(self, options: dict) -> dict:
        if not self.options:
            if options:
                raise ValueError(f"kind '{self.name}' takes no options.")
            return {}
        return _resolve(self.options)(dict(options))


def _resolve(reference: str):
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("html", "crawlers.spiders.forum:ForumSpider",
         "listing + detail pages read with CSS rules (forums, news comments)", uses_rules=True),
    Kind("rss", "crawlers.spiders.feed:FeedSpider", "RSS 2.0 and Atom feeds (and, optionally, the linked pages)",
         uses_rules=True,
         options="crawlers.pages.feed:validate_options"),
    Kind("sitemap", "crawlers.spiders.sitemap:SitemapSpider",
         "XML sitemaps, sitemap indexes and news sitemaps; pages read with CSS rules", uses_rules=True,
         options="crawlers.pages.sitemap:validate_options"),
    Kind("xenforo", "crawlers.spiders.xenforo:XenForoSpider", "XenForo forums: forum -> threads -> posts",
         options="crawlers.pages.xenforo:validate_options"),
    Kind("mastodon", "crawlers.spiders.mastodon:MastodonSpider",
         "the Mastodon public API: timelines, hashtags, accounts",
         options="crawlers.pages.mastodon:validate_options"),
    Kind("json_api", "crawlers.spiders.json_api:JsonApiSpider", "public JSON APIs, through a field mapping",
         options="crawlers.pages.json_api:validate_options"),
)}
ALIASES = {"atom": "rss", "feed": "rss"}


def get_kind(name: str) -> Kind:
    return KINDS[ALIASES.get(name, name)]
