"""The Mastodon kind: extraction from the fixture instance's API answers (pure functions of a
response), option checks, removal re-checks, the spider's routing, and one crawl end to end."""

import json
import re
import time
from datetime import UTC, datetime

import pytest
from scrapy import Request as ScrapyRequest
from scrapy.http import TextResponse

from crawlers.pages import mastodon as api
from crawlers.registry import Source
from crawlers.spiders.mastodon import MastodonSpider
from safewatch.records import PostRecord
from tests.crawlers.fixture_server import FixtureServer, Request
from tests.crawlers.mastodon_fixture import MastodonFixture

BASE = "https://mastodon.example.vn"
FIXTURE = MastodonFixture(BASE)
ROUTES = FIXTURE.routes()


def _get(path_and_query: str) -> TextResponse:
    """The fixture instance's answer to a GET, as the spider would receive it."""
    path, _, query = path_and_query.removeprefix(BASE).partition("?")
    reply = ROUTES[path](Request("GET", path, query, {}, None))
    return TextResponse(BASE + path + (f"?{query}" if query else ""), status=reply.status, headers=reply.headers,
                        body=reply.encoded(), encoding="utf-8")


def _response(body: bytes | str, status: int = 200, headers: dict | None = None,
              url: str = f"{BASE}/api/v1/timelines/public?limit=40") -> TextResponse:
    body = body.encode() if isinstance(body, str) else body
    return TextResponse(url, status=status, headers=headers or {}, body=body, encoding="utf-8")


def _posts(path_and_query: str, **kwargs) -> api.Page:
    return api.timeline_posts(_get(path_and_query), source="masto", platform="mastodon", **kwargs)


def _record(key: str, status: dict | None = None) -> PostRecord:
    return api.status_record(status or FIXTURE.status(key), BASE, source="masto", platform="mastodon")


def _nam_statuses_url(limit: int = 40) -> str:
    return f"/api/v1/accounts/{FIXTURE.accounts['nam']['id']}/statuses?limit={limit}"


def test_public_timeline_is_read_to_the_end_through_the_link_header():
    url = api.timeline_url(BASE, api.validate_options({"limit": 10}))
    assert url == f"{BASE}/api/v1/timelines/public?limit=10"
    pages, records = 0, []
    while url:
        page = _posts(url)
        pages, url = pages + 1, page.next_url
        records.extend(page.records)
    assert pages == 3
    expected = [s["url"] for s in FIXTURE.public_timeline() if s["id"] != FIXTURE.status("empty")["id"]]
    assert [r.url for r in records] == expected and len(records) == 27
    assert all(r.kind == "mastodon" and r.source == "masto" and r.boosted_by is None for r in records)


def test_a_status_becomes_a_record_with_its_link_author_time_and_text():
    record = _record("homework")
    assert record.url == f"{BASE}/@thaygiao_tuan/{FIXTURE.status('homework')['id']}"
    assert record.author == "thaygiao_tuan" and record.author_url == f"{BASE}/@thaygiao_tuan"
    assert record.published_at == datetime(2024, 5, 20, 6, 50, tzinfo=UTC)
    assert record.engagement == {"replies": 0, "shares": 2, "likes": 12}
    assert record.language == "vi" and record.title is None and record.parent_url is None
    assert record.evidence is None and record.content_warning is None


def test_paragraphs_and_line_breaks_are_kept_and_links_read_as_written():
    assert _record("homework").text == ("Nhắc các em lớp 9A2: thứ Hai nộp bài tập Văn (đề 3, phần nghị luận xã hội).\n"
                                        "Em nào chưa có đề thì nhắn qua nhóm lớp nhé.\n"
                                        "Chúc các em cuối tuần vui vẻ! #hocsinh")
    # Mastodon splits links, mentions and hashtags into spans; they read as one word.
    assert "Đăng ký: https://nhacai88.example/dk?ref=masto #hocsinh #kiemtien" in _record("gambling_ad").text
    assert _record("clinic_reply").text.startswith("@minhthu_hn chị đi tầm 2h chiều")


def test_hostile_content_comes_out_as_clean_text():
    text = _record("hostile").text
    assert text == "Xem ảnh lớp mình nè\nbấm vào đây để xem full"
    for trace in ("script", "onerror", "javascript", "alert", "cookie", "evil", "display"):
        assert trace not in text


def test_unclosed_tags_do_not_stall_extraction():
    hostile = {**FIXTURE.status("clinic"), "content": "<p>xin chào</p>" + '<a "' * 10_000}  # never closed
    started = time.monotonic()
    assert _record("", hostile).text.startswith("xin chào\n")
    assert time.monotonic() - started < 2  # the span/link unwrapping was quadratic here (about 4 s)


def test_a_boost_is_recorded_as_the_original_with_its_booster():
    page = _posts(f"/api/v1/accounts/{FIXTURE.accounts['minhthu']['id']}/statuses?limit=40")
    [boost] = [r for r in page.records if r.boosted_by]
    original = FIXTURE.status("reading_day")
    assert boost.boosted_by == "minhthu_hn"
    assert boost.url == original["url"] and boost.url.startswith("https://social.example.vn/@linh/")
    assert boost.author == "linh@social.example.vn" and boost.author_url == "https://social.example.vn/@linh"
    assert boost.text == "Hôm nay trường con mình tổ chức ngày hội đọc sách, các bé hào hứng lắm ❤️📚"
    assert boost.media_urls == [m["url"] for m in original["media_attachments"]] and len(boost.media_urls) == 2
    assert boost.engagement["shares"] == 5


def test_a_reply_points_to_the_instance_page_of_its_parent():
    assert _record("clinic_reply").parent_url == FIXTURE.status("clinic")["url"] == _record("clinic").url
    unknown_author = {**FIXTURE.status("clinic_reply"), "mentions": []}  # the parent's author cannot be read
    assert _record("", unknown_author).parent_url is None


def test_content_warning_is_kept_apart_from_the_text():
    record = _record("bullying_cw")
    assert record.content_warning == "Tin buồn: bạo lực học đường"
    assert record.text.startswith("Một học sinh lớp 8") and "Tin buồn" not in record.text
    assert record.text.count("\n") == 1


def test_media_alt_text_empty_and_unlisted_statuses():
    flyer = _record("flyer_only")
    assert flyer.text == "Tờ rơi: tuyển cộng tác viên online, trả 200k/ngày, nhận cả học sinh"
    assert flyer.media_urls == [FIXTURE.status("flyer_only")["media_attachments"][0]["url"]]
    assert _record("empty") is None
    no_alt = {**FIXTURE.status("flyer_only"), "media_attachments": [
        {**FIXTURE.status("flyer_only")["media_attachments"][0], "description": None}]}
    assert _record("", no_alt).text == "" and _record("", no_alt).media_urls  # kept: it has media
    page = _posts(_nam_statuses_url())
    assert FIXTURE.status("rank_unlisted")["url"] in [r.url for r in page.records]
    assert _record("", {**FIXTURE.status("test_tomorrow"), "visibility": "private"}) is None


def test_language_hint_from_the_status_or_detected():
    assert _record("swim_en").language == "en"
    assert _record("exam_dates").language == "vi"  # no language given, Vietnamese without diacritics
    assert _record("summer").language == "vi"  # tagged "ja" by the app, detected from the text


def test_hashtag_local_and_account_timelines():
    tag = api.validate_options({"timeline": "tag", "tag": "#hocsinh"})
    assert tag["tag"] == "hocsinh"
    assert api.timeline_url(BASE, tag) == f"{BASE}/api/v1/timelines/tag/hocsinh?limit=40"
    page = _posts(api.timeline_url(BASE, tag), thread_url=api.timeline_page(BASE, tag))
    assert [r.url for r in page.records] == [s["url"] for s in FIXTURE.tag_timeline("hocsinh")]
    assert len(page.records) == 3 and page.next_url is None
    assert {r.thread_url for r in page.records} == {f"{BASE}/tags/hocsinh"}

    local = api.validate_options({"timeline": "local"})
    assert api.timeline_url(BASE, local) == f"{BASE}/api/v1/timelines/public?local=true&limit=40"
    records = _posts(api.timeline_url(BASE, local)).records
    assert records and all("@" not in r.author for r in records)

    account = api.validate_options({"timeline": "account", "account": "@hoangnam2k9"})
    lookup = _get(api.lookup_url(BASE, account["account"]))
    assert lookup.url == f"{BASE}/api/v1/accounts/lookup?acct=hoangnam2k9"
    found = api.account_id(lookup)
    assert found == FIXTURE.accounts["nam"]["id"]
    assert api.timeline_url(BASE, account, found) == f"{BASE}{_nam_statuses_url()}"
    assert api.account_id(_get(api.lookup_url(BASE, "nobody"))) is None
    assert api.account_id(_get(api.lookup_url(BASE, "linh@social.example.vn"))) == FIXTURE.accounts["linh"]["id"]


@pytest.mark.parametrize("body", [
    b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    b'{"error": "This method requires an authenticated user"}',
    b'[{"id": "1", "content": "<p>no url</p>"', b"null", b"", b"[" * 100_000,
    json.dumps([1, "x", None, [], {}, {"url": "javascript:alert(1)", "content": "<p>xin chào</p>"},
                {"url": 5, "content": {"p": 1}, "account": "x", "media_attachments": "y", "reblog": 3},
                {"reblog": {"url": f"{BASE}/@a/2", "content": 9, "media_attachments": {"url": "y"}}}]).encode(),
])
def test_malformed_answers_give_no_records_and_no_exception(body):
    page = api.timeline_posts(_response(body), source="masto", platform="mastodon")
    assert page.records == []


def test_fields_of_the_wrong_type_are_ignored():
    odd = {"url": f"{BASE}/@a/1", "content": "<p>xin chào các bạn</p>", "media_attachments": 5, "mentions": 7,
           "in_reply_to_id": "1", "in_reply_to_account_id": "2", "account": [], "language": 3, "created_at": 4,
           "replies_count": "12", "reblogs_count": True, "favourites_count": -1, "spoiler_text": {"x": 1}}
    record = _record("", odd)
    assert (record.text, record.media_urls, record.parent_url, record.author, record.published_at) == (
        "xin chào các bạn", [], None, None, None)
    assert record.engagement == {} and record.content_warning is None and record.language == "vi"


def test_next_page_stays_on_the_instance():
    elsewhere = {"Link": '<https://tracker.example/api/v1/timelines/public?max_id=1>; rel="next"'}
    page = api.timeline_posts(_response(json.dumps([FIXTURE.status("clinic")]), headers=elsewhere),
                              source="masto", platform="mastodon")
    assert len(page.records) == 1 and page.next_url is None
    relative = {"Link": '</api/v1/timelines/public?max_id=5>; rel="prev next"'}
    page = api.timeline_posts(_response(json.dumps([FIXTURE.status("clinic")]), headers=relative),
                              source="masto", platform="mastodon")
    assert page.next_url == f"{BASE}/api/v1/timelines/public?max_id=5"


def test_option_defaults_and_cleaning():
    assert api.validate_options({}) == {"timeline": "public", "max_pages": 5, "limit": 40}
    cleaned = api.validate_options({"timeline": "account", "account": "linh@social.example.vn", "limit": 20})
    assert cleaned == {"timeline": "account", "account": "linh@social.example.vn", "max_pages": 5, "limit": 20}
    assert api.validate_options(cleaned) == cleaned


@pytest.mark.parametrize(("options", "message"), [
    ({"colour": "red"}, "unknown option(s) colour"),
    ({"timeline": "home"}, "option 'timeline': 'home' is not one of public, local, tag, account"),
    ({"timeline": "tag"}, "option 'tag': required with timeline: tag"),
    ({"timeline": "tag", "tag": "học sinh"}, "option 'tag': required with timeline: tag"),
    ({"tag": "hocsinh"}, "option 'tag' is only used with timeline: tag"),
    ({"timeline": "account"}, "option 'account': required with timeline: account"),
    ({"timeline": "account", "account": "a b/c"}, "option 'account'"),
    ({"timeline": "tag", "tag": "x", "account": "y"}, "option 'account' is only used with timeline: account"),
    ({"limit": 80}, "option 'limit': a whole number from 1 to 40"),
    ({"limit": True}, "option 'limit'"),
    ({"max_pages": 0}, "option 'max_pages': a whole number from 1 to 1000"),
])
def test_option_mistakes_name_the_option(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        api.validate_options(options)


@pytest.mark.parametrize(("url", "expected"), [
    (f"{BASE}/@minhthu_hn/112472181964800000", f"{BASE}/api/v1/statuses/112472181964800000"),
    (f"{BASE}/@linh@social.example.vn/1124", f"{BASE}/api/v1/statuses/1124"),  # this instance's copy
    ("https://social.example.vn/users/linh/statuses/99", "https://social.example.vn/api/v1/statuses/99"),
    ("https://misskey.example/notes/9ab3", "https://misskey.example/notes/9ab3"),  # not Mastodon: the page
])
def test_a_status_is_rechecked_through_the_instances_api(url, expected):
    assert api.recheck_url({"url": url}) == expected


def test_still_there_reads_the_instance_answer():
    def check(doc_url: str, status: int | None = None, body: bytes = b"") -> bool | None:
        if status is None:
            response = _get(api.recheck_url({"url": doc_url}))
        else:
            response = _response(body, status, url=api.recheck_url({"url": doc_url}))
        return api.still_there(response, {"url": doc_url})

    assert check(FIXTURE.status("clinic")["url"]) is True
    assert check(FIXTURE.status("gambling_ad")["url"]) is False  # deleted: 404 Record not found
    assert check(FIXTURE.status("vape_shop")["url"]) is False  # account suspended: 410
    assert check(FIXTURE.deleted_url) is False
    assert check(FIXTURE.deleted_url, 500) is None
    assert check(FIXTURE.deleted_url, 429) is None
    assert check(FIXTURE.deleted_url, 200, b"<html>maintenance</html>") is None
    assert check(FIXTURE.deleted_url, 200, b'{"error": "x"}') is None


def _spider(**options) -> MastodonSpider:
    source = Source("masto", "Masto", "mastodon", "mastodon", (BASE,), options=api.validate_options(options))
    return MastodonSpider(source=source, start_urls=[f"{BASE}/"])


def test_spider_looks_up_the_account_then_reads_its_statuses_up_to_max_pages():
    spider = _spider(timeline="account", account="hoangnam2k9", limit=5, max_pages=2)
    [lookup] = list(spider.start_requests())
    assert lookup.url == f"{BASE}/api/v1/accounts/lookup?acct=hoangnam2k9"
    [statuses] = list(spider.parse_account(_get(lookup.url)))
    assert statuses.url == f"{BASE}{_nam_statuses_url(5)}"
    first = list(spider.parse(_get(statuses.url)))
    [follow] = [r for r in first if isinstance(r, ScrapyRequest)]
    assert len(first) == 5 and follow.cb_kwargs == {"page": 2}  # 4 posts (one is empty) and the next page
    assert "max_id=" in follow.url
    one_page = _spider(timeline="account", account="hoangnam2k9", limit=5, max_pages=1)
    assert all(isinstance(r, PostRecord) for r in one_page.parse(_get(statuses.url)))  # stops at max_pages
    assert list(spider.parse_account(_get(api.lookup_url(BASE, "nobody")))) == []
    assert list(_spider(timeline="tag", tag="hocsinh").start_requests())[0].url.endswith("/tag/hocsinh?limit=40")


@pytest.mark.e2e
def test_crawl_public_timeline_and_account_end_to_end(run_crawl, repo):
    with FixtureServer() as server:
        fixture = MastodonFixture(server.base_url)
        server.routes.update(fixture.routes())
        registry = f"""sources:
  - id: masto-public
    name: Fixture instance, federated timeline
    platform: mastodon
    kind: mastodon
    start_urls: ["{server.base_url}"]
    rate_limit: {{concurrency: 2, delay: 0}}
    options: {{timeline: public, limit: 10}}
  - id: masto-nam
    name: Fixture instance, one account
    platform: mastodon
    kind: mastodon
    start_urls: ["{server.base_url}"]
    rate_limit: {{concurrency: 2, delay: 0}}
    options: {{timeline: account, account: hoangnam2k9, limit: 5, max_pages: 1}}
"""
        first = run_crawl(registry, "masto-public", "masto-nam")
        assert first.returncode == 0, first.output
        hits = repo.client.search(index=repo.posts, size=100)["hits"]["hits"]
        stored = {hit["_source"]["url"]: hit["_source"] for hit in hits}
        public = {s["url"] for s in fixture.public_timeline()} - {fixture.status("empty")["url"]}
        unlisted = fixture.status("rank_unlisted")["url"]
        assert set(stored) == public | {unlisted} and len(stored) == 28
        assert stored[unlisted]["source"] == "masto-nam" and stored[unlisted]["author"] == "hoangnam2k9"
        assert stored[fixture.status("bullying_cw")["url"]]["content_warning"] == "Tin buồn: bạo lực học đường"
        assert all(doc["kind"] == "mastodon" and doc["platform"] == "mastodon" for doc in stored.values())
        requested = server.paths_requested()
        assert len([p for p in requested if p.startswith("/api/v1/timelines/public")]) == 3  # to the end
        assert [p for p in requested if "/statuses" in p] == [_nam_statuses_url(5)]  # max_pages: 1
        assert "28 posts collected" in first.stdout and "28 new" in first.stdout

        second = run_crawl(registry, "masto-public", "masto-nam")
        assert second.returncode == 0, second.output
        assert "0 new, 0 edited since the last crawl, 31 unchanged" in second.stdout, second.output
        assert repo.client.count(index=repo.posts)["count"] == 28
