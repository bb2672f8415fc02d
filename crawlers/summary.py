"""The closing summary of a crawl: what went wrong, by kind, in words a user reads (from Scrapy's
stats and SafeWatch's own counters)."""

from __future__ import annotations

_EXCEPTIONS = {
    "DownloadTimeoutError": "time-outs", "TimeoutError": "time-outs", "TCPTimedOutError": "time-outs",
    "DownloadCancelledError": "pages over the size limit",
    "ConnectionRefusedError": "connections refused", "DownloadConnectionRefusedError": "connections refused",
    "DNSLookupError": "unknown host names", "ConnectionLost": "connections lost",
    "ResponseNeverReceived": "connections lost", "ResponseFailed": "connections lost",
}
_OURS = {
    "safewatch/problems/oversized_when_unpacked": "compressed pages too large when unpacked (bombs)",
    "safewatch/problems/redirect_loop": "redirect loops",
    "safewatch/problems/malformed_redirect": "redirects to a malformed address",
    "safewatch/problems/charset_corrected": "pages with a wrong charset (read as UTF-8)",
    "safewatch/problems/invalid_utf8": "pages with invalid UTF-8 (bytes replaced)",
    "safewatch/problems/feed_without_entries": "feeds with no entries (empty, or not a feed)",
    "safewatch/truncated_posts": "posts cut to 50,000 characters",
    "retry/max_reached": "requests given up after retries",
    "safewatch/retry_after/too_long": "pages given up: Retry-After over SAFEWATCH_MAX_RETRY_AFTER",
    "safewatch/robots/unreachable": "robots.txt unavailable (5xx): disallowed",
}
_BOUNDS = {  # crawlers/bounds.py and Scrapy's DEPTH_LIMIT
    "depth/request_ignored_count": "pages beyond max_depth",
    "safewatch/bounds/page_limit": "page limit reached",
    "safewatch/bounds/offsite": "offsite links",
    "safewatch/skipped/follow_off": "links not followed (follow: false)",
    "safewatch/sitemap/over_max_pages": "sitemap pages over the option max_pages",
}


def cut_short(stats: dict) -> dict[str, int]:
    """{bound: links not followed because of it}: what the source's bounds left out of this crawl."""
    return {label: stats[key] for key, label in _BOUNDS.items() if stats.get(key)}


def problems(stats: dict) -> dict[str, int]:
    """{what went wrong: how many times}, for the crawl summary."""
    found: dict[str, int] = {}

    def add(label: str, count: int) -> None:
        found[label] = found.get(label, 0) + count

    for key, count in stats.items():
        if key.startswith("downloader/exception_type_count/"):
            name = key.rsplit("/", 1)[-1].rsplit(".", 1)[-1]
            if name != "IgnoreRequest":  # requests dropped on purpose: counted by their own reason
                add(_EXCEPTIONS.get(name, name), count)
        elif key.startswith("httperror/response_ignored_status_count/"):
            add(f"HTTP {key.rsplit('/', 1)[-1]} answers", count)
        elif key in _OURS:
            add(_OURS[key], count)
    return found


_REFUSALS = {  # crawlers/address_guard.py counts safewatch/refused/<reason>
    "private_address": "refused_private_address",
    "scheme": "refused_scheme",
    "malformed_address": "refused_malformed_address",
}


def fetched(stats: dict) -> dict[str, int]:
    """Answers received, apart: the pages themselves, robots.txt files and media (evidence)."""
    robots = stats.get("robotstxt/response_count", 0)
    media = stats.get("safewatch/media/responses", 0)
    return {"pages": max(0, stats.get("response_received_count", 0) - robots - media), "robots.txt": robots,
            "media": media}


def sitemaps(stats: dict) -> dict[str, int]:
    """Sitemap entries: listed (child sitemaps and pages), followed, left out by the source's filters."""
    return {name: stats.get(f"safewatch/sitemap/{name}", 0) for name in ("listed", "followed", "filtered")}


def dropped(stats: dict) -> dict[str, int]:
    """{reason: posts dropped for it} (counters safewatch/dropped/<reason>)."""
    return {key.removeprefix("safewatch/dropped/"): count for key, count in sorted(stats.items())
            if key.startswith("safewatch/dropped/") and count}


def refusals(stats: dict) -> dict[str, int]:
    """{reason: how many}: fetches refused (not the public web, robots.txt), links skipped."""
    found = {label: stats[f"safewatch/refused/{reason}"] for reason, label in _REFUSALS.items()
             if stats.get(f"safewatch/refused/{reason}")}
    if stats.get("robotstxt/forbidden"):
        found["refused_robots_txt"] = stats["robotstxt/forbidden"]
    if stats.get("safewatch/skipped/bad_link"):
        found["skipped_bad_link"] = stats["safewatch/skipped/bad_link"]
    return found


_UNACCOUNTED = {  # crawlers/pages/forum.py: post blocks of a page that gave no record of their own
    "no_text": "blocks without text",
    "empty_after_quotes": "blocks empty once quotes are taken out",
    "same_url_same_text": "blocks repeating another post of the page",
    "same_url": "posts sharing another post's address (kept under their own)",
}


def unaccounted(stats: dict) -> dict[str, int]:
    """{what: how many} post blocks gave no record, or were kept under another address, by reason."""
    return {label: stats[f"safewatch/unaccounted/{reason}"] for reason, label in _UNACCOUNTED.items()
            if stats.get(f"safewatch/unaccounted/{reason}")}


def summary_lines(stats: dict) -> list[str]:
    answers = fetched(stats)
    lines = [f"  fetched: {answers['pages']} page(s), {answers['robots.txt']} robots.txt, {answers['media']} media."]
    listed = sitemaps(stats)
    if listed["listed"]:
        lines.append(f"  sitemaps: {listed['listed']} URL(s) listed, {listed['followed']} followed, "
                     f"{listed['filtered']} skipped by the source's filters.")
    reasons = dropped(stats)
    if reasons:
        lines.append("  posts dropped: " + ", ".join(f"{reason} × {count}" for reason, count in reasons.items()))
    reappeared = stats.get("safewatch/posts/reappeared", 0)
    if reappeared:
        lines.append(f"  {reappeared} reappeared: removed content found again, at the top of the review queue.")
    blocks = unaccounted(stats)
    if blocks:
        lines.append("  post blocks (rules of the source): " + ", ".join(f"{label} × {count}"
                                                                          for label, count in blocks.items()))
    refused = refusals(stats)
    if refused:
        lines.append("  requests refused (only the public web is fetched, SAFEWATCH_CRAWL_ALLOW_PRIVATE allows a "
                     "host; robots.txt is obeyed): "
                     + ", ".join(f"{reason} × {count}" for reason, count in sorted(refused.items())))
    cut = cut_short(stats)
    if cut:
        lines.append("  not followed (bounds of the source: max_pages, max_depth, allowed_hosts): "
                     + ", ".join(f"{label} × {count}" for label, count in cut.items()))
    waited = stats.get("safewatch/retry_after/waited", 0)
    if waited:
        lines.append(f"  {waited} retry(ies) waited as the server asked (Retry-After), the host backing off.")
    backed_off = stats.get("safewatch/retry_after/backed_off", 0)
    if backed_off:
        lines.append(f"  {backed_off} retry(ies) after a 429/503 without Retry-After, the host backing off "
                     "(SAFEWATCH_RETRY_BACK_OFF, doubling).")
    not_modified = stats.get("safewatch/not_modified", 0)
    if not_modified:
        lines.append(f"  {not_modified} page(s) not modified since the last crawl (conditional requests).")
    kept, skipped = stats.get("safewatch/media/captured", 0), stats.get("safewatch/media/skipped", 0)
    if kept or skipped:
        lines.append(f"  {kept} media kept in the evidence store, {skipped} skipped (the reason is on the post).")
    found = problems(stats)
    if found:
        lines.append("  problems: " + ", ".join(f"{label} × {count}" for label, count in sorted(found.items())))
    warnings = stats.get("log_count/WARNING", 0) + stats.get("log_count/ERROR", 0)
    if warnings:
        lines.append(f"  {warnings} warning(s) logged above.")
    return lines
