"""The kinds of source SafeWatch can crawl. Each kind is one generic spider configured by the
registry (crawlers/sources.yml); a new source of a known kind is configuration, never code.

A kind names its spider, whether it reads CSS `rules`, a function that validates its `options`
(returns them cleaned, raises ValueError naming the option), and the module of its page functions
(re-checks call its still_there / recheck_url when it has them). Modules are imported when needed.
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
    pages: str | None = None  # module of its page functions; may define still_there / recheck_url
    # Bounds (a source may change them): links followed from a start page, and whether its links
    # keep to the source's own hosts even when the source lists no allowed_hosts.
    default_max_depth: int = 10
    stays_on_site: bool = False

    def spider_class(self):
        return _resolve(self.spider)

    def page_function(self, name: str):
        """A function of the kind's page module (e.g. still_there for re-checks), or None."""
        return getattr(importlib.import_module(self.pages), name, None) if self.pages else None

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
    Kind("html", "crawlers.spiders.html:HtmlSpider",
         "listing + detail pages read with CSS rules (forums, news comments)", uses_rules=True,
         pages="crawlers.pages.forum", stays_on_site=True,
         default_max_depth=100),  # listings page after page ("next" links): a level per listing page
    Kind("rss", "crawlers.spiders.feed:FeedSpider", "RSS 2.0 and Atom feeds (and, optionally, the linked pages)",
         uses_rules=True,
         options="crawlers.pages.feed:validate_options", pages="crawlers.pages.feed"),
    Kind("sitemap", "crawlers.spiders.sitemap:SitemapSpider",
         "XML sitemaps, sitemap indexes and news sitemaps; pages read with CSS rules", uses_rules=True,
         options="crawlers.pages.sitemap:validate_options", pages="crawlers.pages.sitemap"),
    Kind("xenforo", "crawlers.spiders.xenforo:XenForoSpider", "XenForo forums: forum -> threads -> posts",
         options="crawlers.pages.xenforo:validate_options", pages="crawlers.pages.xenforo",
         default_max_depth=200, stays_on_site=True),  # forum pages follow one another: ~ 2 x max_pages deep
    Kind("mastodon", "crawlers.spiders.mastodon:MastodonSpider",
         "the Mastodon public API: timelines, hashtags, accounts",
         options="crawlers.pages.mastodon:validate_options", pages="crawlers.pages.mastodon",
         default_max_depth=1001),  # one level per page of the timeline (option max_pages, up to 1000)
    Kind("json_api", "crawlers.spiders.json_api:JsonApiSpider", "public JSON APIs, through a field mapping",
         options="crawlers.pages.json_api:validate_options", pages="crawlers.pages.json_api",
         default_max_depth=1000),  # one level per page (option max_pages, up to 1000)
)}
ALIASES = {"atom": "rss", "feed": "rss", "forum": "html"}  # forum: what html records said before


def get_kind(name: str) -> Kind:
    return KINDS[ALIASES.get(name, name)]
