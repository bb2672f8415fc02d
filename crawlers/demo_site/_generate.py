"""Render the SafeWatch demo forum (static HTML + RSS) from posts.json.

Everything in posts.json is invented. The output is deterministic: same input, same bytes.

    python crawlers/demo_site/_generate.py [--base-url http://127.0.0.1:8765]

HTML pages use site-root-relative links, so they work on any host and port. Only feed.xml
needs absolute URLs; a demo server can call render_feed(base_url) to serve it for its own
address. Importing this module has no side effects.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

HERE = Path(__file__).resolve().parent
DATA_FILE = HERE / "posts.json"
DEFAULT_BASE_URL = "http://127.0.0.1:8765"
DEFAULT_LABELS_OUT = HERE.parent.parent / "tests" / "fixtures" / "demo_labels.json"
THREADS_PER_PAGE = 8
FEED_SIZE = 40
GENERATED_DIRS = ("forums", "threads", "members", "private")

CSS = """
body{font-family:Arial,Helvetica,sans-serif;max-width:960px;margin:0 auto;padding:0 12px;
color:#222;background:#f4f6f8}
header{background:#1f5f8b;color:#fff;padding:10px 16px;margin-bottom:12px}
header a{color:#fff;text-decoration:none;font-weight:bold;font-size:1.3em}
header .tagline{font-size:.9em;opacity:.85}
a{color:#1f5f8b}
.breadcrumb{font-size:.9em;margin-bottom:8px}
.forum,.thread-row{background:#fff;border:1px solid #d6dde3;padding:8px 12px;margin:6px 0}
.meta{color:#667;font-size:.85em}
article.post{background:#fff;border:1px solid #d6dde3;margin:10px 0;padding:10px 12px}
.post-author a{font-weight:bold}
.post-time{color:#667;font-size:.85em;margin-left:8px}
.post-permalink{float:right;color:#889}
.post-body{margin-top:8px;border-top:1px solid #eee;padding-top:6px;line-height:1.5;white-space:normal;overflow-wrap:anywhere}
blockquote.quote{background:#f0f3f6;border-left:3px solid #9ab;margin:0 0 8px;padding:6px 10px}
.pagination a,.pagination span{margin-right:8px}
.banned{color:#a33;font-weight:bold}
footer{font-size:.8em;color:#667;margin:24px 0;border-top:1px solid #ccd;padding-top:8px}
""".strip()


def load_data(path: Path = DATA_FILE) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _display_time(value: str) -> str:
    return _dt(value).strftime("%d/%m/%Y lúc %H:%M")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _text_html(text: str) -> str:
    """Post text is plain text: escape everything, keep line breaks as <br>."""
    return "<br>\n".join(_esc(line) for line in text.split("\n"))


def thread_url(thread_id: str) -> str:
    return f"/threads/{thread_id}.html"


def permalink_path(thread_id: str, post_id: int) -> str:
    return f"{thread_url(thread_id)}#post-{post_id}"


def forum_page_url(slug: str, page: int) -> str:
    return f"/forums/{slug}/index.html" if page == 1 else f"/forums/{slug}/page-{page}.html"


def _page(title: str, body: str, site: dict) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n"
        f'<link rel="alternate" type="application/rss+xml" title="{_esc(site["title"])}" href="/feed.xml">\n'
        f"<style>\n{CSS}\n</style>\n</head>\n<body>\n"
        f'<header><a href="/index.html">{_esc(site["title"])}</a>'
        f'<div class="tagline">{_esc(site["tagline"])}</div></header>\n'
        f"<main>\n{body}\n</main>\n"
        f'<footer><p>{_esc(site["disclaimer"])}</p>'
        '<p><a href="/feed.xml">RSS bài viết mới</a> · '
        '<a href="/private/secret.html">Khu vực ban quản trị</a></p></footer>\n'
        "</body>\n</html>\n"
    )


def _post_html(post: dict, page_path: str, data: dict, by_id: dict) -> str:
    member = data["members"][post["author"]]
    body = ""
    if post["quote_of"]:
        quoted = by_id[post["quote_of"]]
        quoted_name = data["members"][quoted["author"]]["name"]
        body += (
            f'<blockquote class="quote" data-quote-of="{quoted["id"]}">'
            f"<cite>{_esc(quoted_name)} đã viết:</cite><br>\n{_text_html(quoted['text'])}</blockquote>\n"
        )
    body += _text_html(post["text"])
    n = post["id"]
    return (
        f'<article class="post" id="post-{n}" data-post-id="{n}">\n'
        f'<a class="post-permalink" href="{page_path}#post-{n}">#{n}</a>\n'
        f'<span class="post-author"><a href="/members/{post["author"]}.html">{_esc(member["name"])}</a></span>\n'
        f'<time class="post-time" datetime="{post["time"]}">{_display_time(post["time"])}</time>\n'
        f'<div class="post-body">{body}</div>\n'
        "</article>"
    )


def _threads_by_forum(data: dict) -> dict[str, list[dict]]:
    """Threads of each forum, most recently active first, as a forum lists them."""
    result: dict[str, list[dict]] = {f["slug"]: [] for f in data["forums"]}
    for thread in data["threads"]:
        result[thread["forum"]].append(thread)
    for threads in result.values():
        threads.sort(key=lambda t: (t["posts"][-1]["time"], t["id"]), reverse=True)
    return result


def _all_posts(data: dict) -> list[tuple[dict, dict]]:
    return [(t, p) for t in data["threads"] for p in t["posts"]]


def render_index(data: dict) -> str:
    site, by_forum = data["site"], _threads_by_forum(data)
    rows = []
    for forum in data["forums"]:
        threads = by_forum[forum["slug"]]
        n_posts = sum(len(t["posts"]) for t in threads)
        rows.append(
            f'<div class="forum"><h2><a class="forum-link" href="{forum_page_url(forum["slug"], 1)}">'
            f'{_esc(forum["title"])}</a></h2><p>{_esc(forum["description"])}</p>'
            f'<p class="meta">{len(threads)} chủ đề · {n_posts} bài viết</p></div>'
        )
    newest = sorted(_all_posts(data), key=lambda tp: (tp[1]["time"], tp[1]["id"]), reverse=True)[:10]
    latest = "\n".join(
        f'<li><a href="{permalink_path(t["id"], p["id"])}">{_esc(t["title"])}</a> '
        f'<span class="meta">{_esc(data["members"][p["author"]]["name"])} · {_display_time(p["time"])}</span></li>'
        for t, p in newest
    )
    body = (
        f'<h1>{_esc(site["title"])}</h1>\n<section class="forums">\n' + "\n".join(rows) + "\n</section>\n"
        f'<section class="latest"><h2>Bài viết mới</h2>\n<ul>\n{latest}\n</ul></section>'
    )
    return _page(site["title"], body, site)


def render_forum_pages(data: dict, forum: dict) -> dict[str, str]:
    threads = _threads_by_forum(data)[forum["slug"]]
    pages = [threads[i : i + THREADS_PER_PAGE] for i in range(0, len(threads), THREADS_PER_PAGE)] or [[]]
    out = {}
    for number, chunk in enumerate(pages, start=1):
        rows = []
        for t in chunk:
            first, last = t["posts"][0], t["posts"][-1]
            rows.append(
                f'<div class="thread-row"><a class="thread-link" href="{thread_url(t["id"])}">{_esc(t["title"])}</a>'
                f'<div class="meta">Bắt đầu bởi {_esc(data["members"][first["author"]]["name"])} · '
                f"{len(t['posts']) - 1} trả lời · bài cuối {_display_time(last['time'])}</div></div>"
            )
        nav = []
        if number > 1:
            nav.append(f'<a rel="prev" class="pagination-prev" href="{forum_page_url(forum["slug"], number - 1)}">« Trang trước</a>')
        for k in range(1, len(pages) + 1):
            nav.append(f"<span>{k}</span>" if k == number else f'<a href="{forum_page_url(forum["slug"], k)}">{k}</a>')
        if number < len(pages):
            nav.append(f'<a rel="next" class="pagination-next" href="{forum_page_url(forum["slug"], number + 1)}">Trang sau »</a>')
        body = (
            f'<nav class="breadcrumb"><a href="/index.html">Diễn đàn</a> › {_esc(forum["title"])}</nav>\n'
            f'<h1 class="forum-title">{_esc(forum["title"])}</h1>\n<p>{_esc(forum["description"])}</p>\n'
            '<section class="thread-list">\n' + "\n".join(rows) + "\n</section>\n"
            f'<nav class="pagination">{" ".join(nav)}</nav>'
        )
        title = forum["title"] if number == 1 else f"{forum['title']} - Trang {number}"
        out[forum_page_url(forum["slug"], number).lstrip("/")] = _page(title, body, data["site"])
    return out


def render_thread(data: dict, thread: dict, by_id: dict) -> str:
    forum = next(f for f in data["forums"] if f["slug"] == thread["forum"])
    posts = "\n".join(_post_html(p, thread_url(thread["id"]), data, by_id) for p in thread["posts"])
    body = (
        f'<nav class="breadcrumb"><a href="/index.html">Diễn đàn</a> › '
        f'<a href="{forum_page_url(forum["slug"], 1)}">{_esc(forum["title"])}</a></nav>\n'
        f'<h1 class="thread-title">{_esc(thread["title"])}</h1>\n'
        f'<section class="posts" data-thread-id="{_esc(thread["id"])}">\n{posts}\n</section>'
    )
    return _page(thread["title"], body, data["site"])


def render_private(data: dict, page: dict, by_id: dict) -> str:
    posts = "\n".join(_post_html(p, "/" + page["path"], data, by_id) for p in page["posts"])
    body = f'<h1 class="thread-title">{_esc(page["title"])}</h1>\n<section class="posts">\n{posts}\n</section>'
    return _page(page["title"], body, data["site"])


def render_member(data: dict, handle: str) -> str:
    member = data["members"][handle]
    posts = [(t, p) for t, p in _all_posts(data) if p["author"] == handle]
    items = "\n".join(
        f'<li><a href="{permalink_path(t["id"], p["id"])}">{_esc(t["title"])} #{p["id"]}</a> '
        f'<span class="meta">{_display_time(p["time"])}</span></li>'
        for t, p in posts
    )
    banned = '<p class="banned">Tài khoản đã bị khóa.</p>\n' if member["banned"] else ""
    bio = f'<p class="bio">{_esc(member["bio"])}</p>\n' if member["bio"] else ""
    body = (
        f'<h1 class="member-name">{_esc(member["name"])}</h1>\n<p class="meta">@{_esc(handle)} · '
        f'tham gia {_dt(member["joined"]).strftime("%d/%m/%Y")} · {len(posts)} bài viết</p>\n'
        f"{banned}{bio}<ul>\n{items}\n</ul>"
    )
    return _page(f"Thành viên {member['name']}", body, data["site"])


def render_feed(base_url: str = DEFAULT_BASE_URL, data: dict | None = None) -> str:
    """RSS 2.0 of the newest posts with absolute links under base_url.

    <description> holds HTML (as RSS intends) made from the plain post text with html.escape,
    so a reader shows markup typed in a post as text; html.unescape gives back the exact text.
    """
    data = data if data is not None else load_data()
    base = base_url.rstrip("/")
    site = data["site"]
    forum_titles = {f["slug"]: f["title"] for f in data["forums"]}
    newest = sorted(_all_posts(data), key=lambda tp: (tp[1]["time"], tp[1]["id"]), reverse=True)[:FEED_SIZE]
    items = []
    for thread, post in newest:
        url = base + permalink_path(thread["id"], post["id"])
        title = thread["title"] if post is thread["posts"][0] else "Re: " + thread["title"]
        items.append(
            "<item>\n"
            f"<title>{xml_escape(title)}</title>\n"
            f"<link>{xml_escape(url)}</link>\n"
            f'<guid isPermaLink="true">{xml_escape(url)}</guid>\n'
            f"<pubDate>{format_datetime(_dt(post['time']))}</pubDate>\n"
            f"<dc:creator>{xml_escape(post['author'])}</dc:creator>\n"
            f"<category>{xml_escape(forum_titles[thread['forum']])}</category>\n"
            f"<description>{xml_escape(html.escape(post['text'], quote=False))}</description>\n"
            "</item>"
        )
    last_build = format_datetime(_dt(newest[0][1]["time"])) if newest else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        "<channel>\n"
        f"<title>{xml_escape(site['title'])}</title>\n"
        f"<link>{xml_escape(base + '/index.html')}</link>\n"
        f'<atom:link href="{xml_escape(base + "/feed.xml")}" rel="self" type="application/rss+xml"/>\n'
        f"<description>{xml_escape(site['tagline'])}. {xml_escape(site['disclaimer'])}</description>\n"
        "<language>vi</language>\n"
        f"<lastBuildDate>{last_build}</lastBuildDate>\n" + "\n".join(items) + "\n</channel>\n</rss>\n"
    )


def demo_labels(data: dict) -> dict[str, list[str]]:
    """Ground truth: permalink path -> category codes ([] = safe). Private pages are left out."""
    posts = sorted(_all_posts(data), key=lambda tp: tp[1]["id"])
    return {permalink_path(t["id"], p["id"]): list(p["labels"]) for t, p in posts}


def render_site(data: dict, base_url: str = DEFAULT_BASE_URL) -> dict[str, str]:
    """Every file of the site, as relative path -> text."""
    by_id = {p["id"]: p for _, p in _all_posts(data)}
    files = {"index.html": render_index(data), "feed.xml": render_feed(base_url, data)}
    files["robots.txt"] = "User-agent: *\nDisallow: /private/\n"
    for forum in data["forums"]:
        files.update(render_forum_pages(data, forum))
    for thread in data["threads"]:
        files[thread_url(thread["id"]).lstrip("/")] = render_thread(data, thread, by_id)
    for page in data["private_pages"]:
        page_by_id = by_id | {p["id"]: p for p in page["posts"]}
        files[page["path"]] = render_private(data, page, page_by_id)
    for handle in data["members"]:
        files[f"members/{handle}.html"] = render_member(data, handle)
    return files


def write_site(out_dir: Path, files: dict[str, str]) -> None:
    for sub in GENERATED_DIRS:  # drop pages left over from an earlier run
        for stale in (out_dir / sub).rglob("*.html") if (out_dir / sub).exists() else ():
            stale.unlink()
    for rel, text in sorted(files.items()):
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help="absolute base for feed.xml links")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this folder)")
    parser.add_argument("--labels-out", type=Path, default=DEFAULT_LABELS_OUT,
                        help="where to write the ground-truth labels JSON")
    args = parser.parse_args(argv)
    data = load_data()
    files = render_site(data, args.base_url)
    write_site(args.out, files)
    args.labels_out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.labels_out, "w", encoding="utf-8", newline="\n") as f:
        json.dump(demo_labels(data), f, ensure_ascii=False, indent=1)
        f.write("\n")
    n_posts = len(_all_posts(data))
    print(f"wrote {len(files)} files ({n_posts} posts) to {args.out}, labels to {args.labels_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
