"""The source registry (crawlers/sources.yml, or SAFEWATCH_SOURCES_FILE): loaded and validated with
messages that say which source, which field and what is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from crawlers.kinds import ALIASES, KINDS, get_kind
from crawlers.pages.forum import ForumRules
from crawlers.pages.options import is_whole_number
from safewatch.errors import SafeWatchError
from safewatch.timezones import VIETNAM_NAME
from safewatch.urls import is_web_url

DEFAULT_FILE = Path(__file__).resolve().parent / "sources.yml"
LANGUAGES = ("vi", "en", "mixed")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,62}$")
_SCHEDULE = re.compile(r"^(\d+)([mhd])$")
RULE_NAMES = tuple(f.name for f in fields(ForumRules))
DEFAULT_TIMEZONE = VIETNAM_NAME
DEFAULT_MAX_PAGES = 5000  # pages fetched per crawl of a source, whatever its kind
_HOST = re.compile(r"^(\{demo\}|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$")


class SourceError(SafeWatchError, ValueError):
    pass


@dataclass(frozen=True)
class RateLimit:
    concurrency: int = 2
    delay: float = 1.0


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    platform: str
    kind: str
    start_urls: tuple[str, ...]
    language: str = "vi"
    schedule: timedelta = timedelta(hours=6)
    rate_limit: RateLimit = field(default_factory=RateLimit)
    rules: dict[str, str] = field(default_factory=dict)
    options: dict = field(default_factory=dict)  # kind-specific, validated by the kind (crawlers/kinds.py)
    # Bounds of one crawl (crawlers/bounds.py): pages fetched, links followed from a start page, and
    # the hosts its links may lead to (default: the hosts of the start URLs; kinds html and xenforo
    # always keep to them, the others only when the source lists allowed_hosts).
    max_pages: int = DEFAULT_MAX_PAGES
    max_depth: int | None = None  # None: the kind's default (crawlers/kinds.py)
    allowed_hosts: tuple[str, ...] = ()
    # The zone of times the site prints without one (an IANA name such as Europe/Berlin).
    timezone: str = DEFAULT_TIMEZONE
    # False: no link found on a page is followed (no "next" page, no thread, no sub-forum): the crawl
    # reads the start URLs and what they list as content (feed entries, sitemap pages). Spiders ask
    # SourceSpider.follow_links/follow_link, which obey it.
    follow: bool = True

    def __post_init__(self) -> None:
        # The one place a source's options are checked and given their defaults, however the source
        # was made (sources.yml, `crawl --url`, a tip's address): spiders use them as they are.
        if self.kind in KINDS:
            object.__setattr__(self, "options", KINDS[self.kind].validate_options(self.options))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def depth_limit(self) -> int:
        return self.max_depth or get_kind(self.kind).default_max_depth

    def hosts(self, demo_base: str | None = None) -> tuple[str, ...] | None:
        """The host names its links may lead to, or None when the kind follows links anywhere and
        the source lists no allowed_hosts."""
        if self.allowed_hosts:
            listed = [host.replace("{demo}", urlsplit(demo_base).hostname or "") if demo_base else host
                      for host in self.allowed_hosts]
            return tuple(host.lower() for host in listed)
        if not get_kind(self.kind).stays_on_site:
            return None
        return tuple(dict.fromkeys((urlsplit(url).hostname or "") for url in self.urls(demo_base)))

    def urls(self, demo_base: str | None = None) -> list[str]:
        return [url.replace("{demo}", demo_base or "{demo}") for url in self.start_urls]

    @property
    def forum_rules(self) -> ForumRules:
        return ForumRules(**self.rules)

    @property
    def schedule_text(self) -> str:
        minutes = int(self.schedule.total_seconds() // 60)
        return f"{minutes // 1440}d" if minutes % 1440 == 0 else (f"{minutes // 60}h" if minutes % 60 == 0
                                                                   else f"{minutes}m")


def load_sources(path: Path = DEFAULT_FILE) -> list[Source]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SourceError(f"Cannot read the source registry {path}: {error.strerror}.") from None
    except UnicodeDecodeError as error:
        line = path.read_bytes()[:error.start].count(b"\n") + 1
        raise SourceError(f"{path.name}: not UTF-8 text (byte 0x{error.object[error.start]:02x} on line {line}); "
                          "save the file as UTF-8.") from None
    except yaml.YAMLError as error:
        raise SourceError(f"{path.name}: not valid YAML ({error}).") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("sources"), list):
        raise SourceError(f"{path.name}: expected a top-level 'sources:' list.")
    sources, seen = [], set()
    for position, entry in enumerate(raw["sources"], start=1):
        source = _parse(entry, f"{path.name}: source #{position}")
        if source.id in seen:
            raise SourceError(f"{path.name}: source '{source.id}': id used twice.")
        seen.add(source.id)
        sources.append(source)
    return sources


def find(sources: list[Source], source_id: str) -> Source:
    for source in sources:
        if source.id == source_id:
            return source
    raise SourceError(f"No source '{source_id}'; known: {', '.join(s.id for s in sources)}.")


def _parse(entry: object, where: str) -> Source:
    if not isinstance(entry, dict):
        raise SourceError(f"{where}: expected a mapping of fields.")
    if isinstance(entry.get("id"), str):
        where = where.split(": ")[0] + f": source '{entry['id']}'"

    def fail(field_name: str, problem: str) -> SourceError:
        return SourceError(f"{where}, field '{field_name}': {problem}")

    known = {"id", "name", "platform", "kind", "start_urls", "language", "schedule", "rate_limit", "rules",
             "options", "max_pages", "max_depth", "allowed_hosts", "timezone", "follow"}
    for unknown in sorted(set(entry) - known):
        raise fail(unknown, f"unknown field (known: {', '.join(sorted(known))}).")
    for required in ("id", "name", "platform", "kind", "start_urls"):
        if required not in entry:
            raise fail(required, "missing.")
    source_id = entry["id"]
    if not isinstance(source_id, str) or not _ID.match(source_id):
        raise fail("id", "2-63 characters: lower-case letters, digits, '-' or '_'.")
    for text_field in ("name", "platform"):
        if not isinstance(entry[text_field], str) or not entry[text_field].strip():
            raise fail(text_field, "must be a non-empty text.")
    kind = ALIASES.get(entry["kind"], entry["kind"])
    if kind not in KINDS:
        raise fail("kind", f"unknown kind '{entry['kind']}' (known: {', '.join(KINDS)}).")
    urls = entry["start_urls"]
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls:
        raise fail("start_urls", "give at least one URL.")
    for url in urls:
        if not is_web_url(str(url).replace("{demo}", "http://demo.invalid")):
            raise fail("start_urls", f"'{url}' is not an http(s) URL.")
    language = entry.get("language", "vi")
    if language not in LANGUAGES:
        raise fail("language", f"'{language}' is not one of {', '.join(LANGUAGES)}.")
    schedule = _SCHEDULE.match(str(entry.get("schedule", "6h")))
    if not schedule or int(schedule.group(1)) == 0:
        raise fail("schedule", f"'{entry.get('schedule')}' is not like 30m, 6h or 1d.")
    unit = {"m": "minutes", "h": "hours", "d": "days"}[schedule.group(2)]
    rate = entry.get("rate_limit") or {}
    if not isinstance(rate, dict) or set(rate) - {"concurrency", "delay"}:
        raise fail("rate_limit", "expected {concurrency: N, delay: seconds}.")
    concurrency, delay = rate.get("concurrency", 2), rate.get("delay", 1.0)
    if not isinstance(concurrency, int) or not 1 <= concurrency <= 32:
        raise fail("rate_limit", "concurrency must be a whole number from 1 to 32.")
    if not isinstance(delay, int | float) or not 0 <= delay <= 3600:
        raise fail("rate_limit", "delay must be a number of seconds from 0 to 3600.")
    rules = entry.get("rules") or {}
    if not isinstance(rules, dict):
        raise fail("rules", "expected a mapping of selector names to CSS selectors.")
    for name, selector in rules.items():
        if name not in RULE_NAMES:
            raise fail("rules", f"unknown rule '{name}' (known: {', '.join(RULE_NAMES)}).")
        if name == "date_order":
            if selector not in ("DMY", "MDY"):
                raise fail("rules", f"rule 'date_order': DMY (31/10/2017, the default) or MDY (10/31/2017), "
                                    f"not {selector!r}.")
            continue
        if not isinstance(selector, str) or not selector.strip():
            raise fail("rules", f"rule '{name}' must be a CSS selector.")
        _check_selector(selector, fail, name)
    if rules and not KINDS[kind].uses_rules:
        users = ", ".join(name for name, k in KINDS.items() if k.uses_rules)
        raise fail("rules", f"only kinds {users} use rules, this source is '{kind}'.")
    options = entry.get("options") or {}
    if not isinstance(options, dict):
        raise fail("options", "expected a mapping of option names to values.")
    follow = entry.get("follow", True)
    if not isinstance(follow, bool):
        raise fail("follow", f"write true or false (got {follow!r}); false reads only the start URLs and what "
                             "they list as content.")
    max_pages = _whole_number(entry, "max_pages", DEFAULT_MAX_PAGES, fail)
    max_depth = _whole_number(entry, "max_depth", None, fail)
    timezone = _timezone(entry.get("timezone", DEFAULT_TIMEZONE), fail)
    allowed_hosts = _allowed_hosts(entry.get("allowed_hosts"), fail)
    try:  # Source checks the options (and fills their defaults)
        return Source(source_id, entry["name"].strip(), entry["platform"].strip(), kind, tuple(map(str, urls)),
                      language, timedelta(**{unit: int(schedule.group(1))}), RateLimit(concurrency, float(delay)),
                      {k: v.strip() for k, v in rules.items()}, options, max_pages, max_depth, allowed_hosts,
                      timezone, follow)
    except ValueError as error:
        raise fail("options", str(error)) from None


def _timezone(value: object, fail) -> str:
    try:
        if isinstance(value, str) and value.strip():
            ZoneInfo(value.strip())
            return value.strip()
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise fail("timezone", f"'{value}' is not a time zone name such as Asia/Ho_Chi_Minh or Europe/Berlin.")


def _whole_number(entry: dict, name: str, default: int | None, fail) -> int | None:
    value = entry.get(name, default)
    if value is None:
        return None
    if not is_whole_number(value):
        raise fail(name, f"a whole number, 1 or more (got {value!r}).")
    return value


def _allowed_hosts(value: object, fail) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise fail("allowed_hosts", "expected a list of host names, e.g. [forum.example.vn, www.example.vn].")
    for host in value:
        if not isinstance(host, str) or not _HOST.match(host.strip().lower()):
            raise fail("allowed_hosts", f"{host!r} is not a host name (no scheme, port or path: forum.example.vn).")
    return tuple(host.strip().lower() for host in value)


def _check_selector(selector: str, fail, name: str) -> None:
    from parsel import Selector

    from crawlers.pages.forum import _alternatives, select
    language = "XPath expression" if selector.strip().startswith("xpath:") else "CSS selector"
    try:
        for part in _alternatives(selector):
            select(Selector(text="<html></html>"), part)
    except Exception as error:  # parsel raises several kinds for a bad selector
        raise fail("rules", f"rule '{name}': bad {language} '{selector}' ({error}).") from None
