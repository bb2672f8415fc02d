"""The Mastodon public API (no login): timelines, hashtags and accounts -> post records.

A boost is recorded as the original status, with `boosted_by` the booster. A reply's parent_url is the
instance's page of the parent, `{instance}/@{acct}/{id}`, when the parent's author can be read from
the status (the replier themself or a mentioned account), else None: the API gives only the parent's
id. For a local parent that is the parent's own `url`; for a remote one it is this instance's copy.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import quote, urlencode, urlsplit

from scrapy.http import Response

from crawlers.pages.dates import parse_datetime
from crawlers.pages.json_api import (
    MAX_HTML_CHARS,
    MAX_MEDIA,
    Page,
    http_url,
    link_next,
    load_json,
    next_page,
    plain_text,
)
from crawlers.pages.language import detect_language, platform_language
from crawlers.pages.options import whole_number
from crawlers.pages.text import clean_text
from safewatch.records import PostRecord

log = logging.getLogger(__name__)

TIMELINES = ("public", "local", "tag", "account", "statuses")
OPTIONS = ("timeline", "tag", "account", "statuses", "max_pages", "limit")
MAX_STATUSES = 1000  # status ids per source (one request each)
_TAG = re.compile(r"^[\w\u00b7\u200c]{1,100}$")  # Mastodon hashtags: letters, digits, _ (and a few joiners)
_ACCT = re.compile(r"^[A-Za-z0-9_.-]{1,64}(?:@[A-Za-z0-9.-]{1,253}(?::\d{1,5})?)?$")
_ID = re.compile(r"^[A-Za-z0-9]{1,40}$")  # numeric on Mastodon, alphanumeric on Pleroma/Akkoma
# Inline tags are unwrapped without a space: Mastodon splits links, mentions and hashtags into spans.
_INLINE = re.compile(r"<\s*/?\s*(?:a|span)\b[^<>]*>", re.IGNORECASE)  # [^<>]: linear on unclosed tags
_API_STATUS = re.compile(r"^/api/v1/statuses/[A-Za-z0-9]{1,40}/?$")
_STATUS_PATH = re.compile(r"^/(?:@[^/]+|users/[^/]+/statuses)/([A-Za-z0-9]+)/?$")


def validate_options(options: dict) -> dict:
    """Options of kind mastodon, cleaned (defaults filled in); ValueError names the bad option."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)} (known: {', '.join(OPTIONS)}).")
    timeline = options.get("timeline", "public")
    if timeline not in TIMELINES:
        raise ValueError(f"option 'timeline': {timeline!r} is not one of {', '.join(TIMELINES)}.")
    cleaned = {"timeline": timeline,
               "max_pages": _whole(options, "max_pages", 5, 1, 1000),
               "limit": _whole(options, "limit", 40, 1, 40)}
    for name, example in (("tag", "hocsinh"), ("account", "user or user@instance")):
        value = options.get(name)
        if timeline != name:
            if value is not None:
                raise ValueError(f"option '{name}' is only used with timeline: {name}.")
            continue
        value = value.strip().lstrip("#" if name == "tag" else "@") if isinstance(value, str) else ""
        if not (_TAG if name == "tag" else _ACCT).match(value):
            raise ValueError(f"option '{name}': required with timeline: {name}, e.g. {example}"
                             f"{' (letters, digits and _ only)' if name == 'tag' else ''}.")
        cleaned[name] = value
    statuses = options.get("statuses")
    if timeline != "statuses":
        if statuses is not None:
            raise ValueError("option 'statuses' is only used with timeline: statuses.")
        return cleaned
    if isinstance(statuses, str | int) and not isinstance(statuses, bool):
        statuses = [statuses]
    ids = [str(found).strip() for found in statuses] if isinstance(statuses, list) else []
    if not ids or len(ids) > MAX_STATUSES or any(not _ID.match(found) for found in ids):
        raise ValueError(f"option 'statuses': required with timeline: statuses, a list of 1 to {MAX_STATUSES} "
                         "status ids (letters and digits, e.g. [109440142467553266]).")
    cleaned["statuses"] = list(dict.fromkeys(ids))
    return cleaned


def _whole(options: dict, name: str, default: int, low: int, high: int) -> int:
    return whole_number(options.get(name, default), name, low=low, high=high)


def instance_base(url: str) -> str:
    """"https://mastodon.social/anything" -> "https://mastodon.social"."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def lookup_url(base: str, acct: str) -> str:
    return f"{base}/api/v1/accounts/lookup?{urlencode({'acct': acct})}"


def timeline_url(base: str, options: dict, account_id: str | None = None) -> str:
    """The first API page of the source's timeline (an account's needs its id, from account_id())."""
    query = {"limit": options["limit"]}
    timeline = options["timeline"]
    if timeline == "tag":
        path = f"/api/v1/timelines/tag/{quote(options['tag'], safe='')}"
    elif timeline == "account":
        path = f"/api/v1/accounts/{quote(account_id or '', safe='')}/statuses"
    else:
        path = "/api/v1/timelines/public"
        if timeline == "local":
            query = {"local": "true", **query}
    return f"{base}{path}?{urlencode(query)}"


def status_url(base: str, status_id: str) -> str:
    """The API address of one status: GET /api/v1/statuses/:id (public statuses need no login)."""
    return f"{base}/api/v1/statuses/{quote(status_id, safe='')}"


def is_status_url(url: str) -> bool:
    return bool(_API_STATUS.match(urlsplit(url).path))


def single_status(response: Response, *, source: str, platform: str) -> Page:
    """The record of a /api/v1/statuses/:id answer (a 404 or an error answer gives Page([]))."""
    data = load_json(response)
    if not isinstance(data, dict):
        if data is not None:
            log.warning("%s: expected a status; skipped.", response.url)
        return Page([])
    record = status_record(data, instance_base(response.url), source=source, platform=platform)
    return Page([record] if record else [])


def timeline_page(base: str, options: dict) -> str | None:
    """The public web page showing the same timeline (recorded as the posts' thread_url)."""
    return {"public": f"{base}/public", "local": f"{base}/public/local",
            "tag": f"{base}/tags/{quote(options.get('tag', ''), safe='')}",
            "account": f"{base}/@{options.get('account', '')}", "statuses": None}[options["timeline"]]


def account_id(response: Response) -> str | None:
    """The id from an /api/v1/accounts/lookup answer, or None."""
    data = load_json(response)
    found = data.get("id") if isinstance(data, dict) else None
    if not isinstance(found, str) or not _ID.match(found):
        log.warning("%s: no account id in the answer; account skipped.", response.url)
        return None
    return found


def timeline_posts(response: Response, *, source: str, platform: str, thread_url: str | None = None) -> Page:
    """The records of one timeline page and the next page (Link header); a bad page gives Page([])."""
    data = load_json(response)
    if not isinstance(data, list):
        if data is not None:
            log.warning("%s: expected a list of statuses; page skipped.", response.url)
        return Page([])
    base = instance_base(response.url)
    records = [record for status in data if isinstance(status, dict)
               and (record := status_record(status, base, source=source, platform=platform, thread_url=thread_url))]
    return Page(records, *next_page(link_next(response), response)) if data else Page(records)


def status_record(status: dict, base: str, *, source: str, platform: str,
                  thread_url: str | None = None) -> PostRecord | None:
    """One status (a boost: its original) as a record; None when it has neither text nor media."""
    boosted_by = None
    if isinstance(status.get("reblog"), dict):
        boosted_by = _acct(status.get("account"))
        status = status["reblog"]
    if status.get("visibility") not in (None, "public", "unlisted"):
        return None  # never expected without a login; never kept
    url = http_url(status.get("url"), base) or http_url(status.get("uri"), base)
    text = status_text(status.get("content"))
    attachments = [a for a in _list(status.get("media_attachments")) if isinstance(a, dict)]
    media = []
    for attachment in attachments:
        media_url = http_url(attachment.get("url"), base) or http_url(attachment.get("remote_url"), base)
        if media_url and media_url not in media:
            media.append(media_url)
    if not text:  # a picture-only post: its alt text is all there is to read
        text = "\n".join(t for a in attachments if (t := plain_text(a.get("description"))))
    if not url or (not text and not media):
        return None
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    display = plain_text(_str(account.get("display_name"))) or None
    return PostRecord(
        url=url, source=source, platform=platform, kind="mastodon", text=text,
        author=_acct(account), author_name=display,
        published_at=parse_datetime(_str(status.get("created_at"))),
        thread_url=thread_url,
        language=_language(status.get("language"), text),
        author_url=http_url(account.get("url"), base),
        parent_url=_parent_url(status, base),
        media_urls=media[:MAX_MEDIA],
        engagement={name: count for name, key in (("replies", "replies_count"), ("shares", "reblogs_count"),
                                                  ("likes", "favourites_count"))
                    if isinstance(count := status.get(key), int) and not isinstance(count, bool) and count >= 0},
        content_warning=plain_text(status.get("spoiler_text")) or None,
        boosted_by=boosted_by,
    )


def status_text(content: object) -> str:
    """A status's HTML content as text: paragraphs and line breaks kept, markup and scripts dropped."""
    return clean_text(_INLINE.sub("", _str(content)[:MAX_HTML_CHARS]))


def recheck_url(doc: dict) -> str:
    """The API URL of a stored status: https://inst/@user/123 -> https://inst/api/v1/statuses/123.
    A URL of another shape (a non-Mastodon server) is returned as it is."""
    url = doc.get("url") or doc.get("canonical_url") or ""
    parts = urlsplit(url)
    match = _STATUS_PATH.match(parts.path)
    if parts.scheme in ("http", "https") and parts.netloc and match:
        return f"{parts.scheme}://{parts.netloc}/api/v1/statuses/{match.group(1)}"
    return url


def still_there(response: Response, doc: dict) -> bool | None:
    """200 with a status -> True; 404 (deleted) or 410 (account suspended, gone) -> False; else unknown."""
    if response.status in (404, 410):
        return False
    if response.status != 200:
        return None
    try:
        data = json.loads(response.body)
    except (ValueError, RecursionError):
        return None
    return True if isinstance(data, dict) and data.get("id") else None


def _parent_url(status: dict, base: str) -> str | None:
    parent_id, parent_account = status.get("in_reply_to_id"), status.get("in_reply_to_account_id")
    if not isinstance(parent_id, str) or not _ID.match(parent_id) or not parent_account:
        return None
    for account in [status.get("account"), *_list(status.get("mentions"))]:
        if isinstance(account, dict) and account.get("id") == parent_account and (acct := _acct(account)):
            return f"{base}/@{acct}/{parent_id}"
    return None


def _acct(account: object) -> str | None:
    acct = account.get("acct") if isinstance(account, dict) else None
    return acct if isinstance(acct, str) and _ACCT.match(acct) else None


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _language(reported: object, text: str) -> str:
    """The language the platform reports, kept (ISO 639-1: de, ja, pt…), unless the text is plainly
    Vietnamese: apps tag posts with the phone's language, and a Vietnamese post tagged "ja" is Vietnamese."""
    detected = detect_language(text)
    if detected in ("vi", "mixed"):
        return detected
    return platform_language(reported) or detected


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""
