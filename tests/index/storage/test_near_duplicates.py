"""Near-duplicates: the signature survives the usual campaign edits, and the post view's context finds
edited copies (not exact ones, not unrelated posts), against the real node."""

import unicodedata
from dataclasses import replace

from index.storage import schema
from index.storage.queries import SearchRequest
from safewatch import near_duplicates
from safewatch.records import content_hash, post_id_for

CAMPAIGN = ("Tuyển cộng tác viên làm việc tại nhà, mỗi ngày chỉ cần 2 tiếng, thu nhập 500k một ngày, "
            "không cần kinh nghiệm, liên hệ zalo 0912 345 678 để nhận việc ngay")
VARIANTS = {
    "word": CAMPAIGN.replace("làm việc tại nhà", "làm việc ở nhà"),
    "no_diacritics": "".join(c for c in unicodedata.normalize("NFD", CAMPAIGN.replace("đ", "d"))
                             if not unicodedata.combining(c)),
    "emoji": "🔥🔥 " + CAMPAIGN.replace("500k một ngày,", "500k một ngày 💰💰,") + " 👉",
    "phone": CAMPAIGN.replace("0912 345 678", "0987.654.321"),
    "spacing": CAMPAIGN.replace(", ", " ,  ").replace(" zalo ", "\n\nz.a.l.o  ").replace("cộng", "c-ộ-n-g"),
}
UNRELATED = ("Hôm nay mình đi làm việc tại nhà văn hóa, thu nhập của bố mẹ không đủ nên mình liên hệ "
             "cô giáo để hỏi về học bổng cho năm sau")


def _post(name: str, text: str, **extra) -> dict:
    url = f"http://f.example/t/{name}"
    return {"id": post_id_for(url), "url": url, "text": text, "content_hash": content_hash(text), "status": "collected",
            "source": "t", "collected_at": "2026-11-20T00:00:00+00:00", **extra}


def similarity(first: str, second: str) -> float:
    a, b = near_duplicates.signatures([first, second])
    return near_duplicates.similarity(a, b)


def test_campaign_edits_keep_the_texts_similar_and_unrelated_texts_apart():
    assert VARIANTS["no_diacritics"].startswith("Tuyen cong tac vien lam viec tai nha")
    for name in ("no_diacritics", "emoji", "phone", "spacing"):
        assert similarity(CAMPAIGN, VARIANTS[name]) == 1.0, name  # folded away entirely
    assert near_duplicates.THRESHOLD <= similarity(CAMPAIGN, VARIANTS["word"]) < 1.0
    assert similarity(CAMPAIGN, UNRELATED) < 0.3
    # Batches give the same signatures as single texts (shingles never span two texts).
    together = near_duplicates.signatures([CAMPAIGN, "ngắn quá", UNRELATED, *VARIANTS.values()])
    alone = [near_duplicates.signatures([text])[0] for text in [CAMPAIGN, "ngắn quá", UNRELATED, *VARIANTS.values()]]
    assert together[1] is None and alone[1] is None
    assert all((a == b).all() for a, b in zip(together, alone, strict=True) if a is not None)


def test_stored_fields_round_trip_and_short_texts_get_none():
    [fields, short] = near_duplicates.fields_many([CAMPAIGN, "ib zalo nhé bạn"])
    assert short == {"minhash": None, "minhash_bands": None}
    assert len(fields["minhash_bands"]) == near_duplicates.BANDS and len(set(fields["minhash_bands"])) == 32
    signature = near_duplicates.decode(fields["minhash"])
    assert signature is not None and len(signature) == near_duplicates.NUM_PERMUTATIONS
    assert near_duplicates.band_keys(signature) == fields["minhash_bands"]
    assert near_duplicates.decode("AQID") is None and near_duplicates.decode("not base64!") is None
    long_text = " ".join(f"từ{chr(97 + n % 26)}{chr(97 + n // 26 % 26)}" for n in range(3000))  # longer than a pass
    [alone] = near_duplicates.signatures([long_text])
    assert near_duplicates.similarity(alone, near_duplicates.signatures([long_text + " thêm"])[0]) > 0.95


def test_related_posts_finds_near_duplicates_best_first_in_one_msearch(repo):
    posts = [_post("campaign", CAMPAIGN), _post("copy", CAMPAIGN), _post("unrelated", UNRELATED),
             *(_post(name, text) for name, text in VARIANTS.items()),
             _post("short", "liên hệ zalo nhé"), _post("short-folded", "lien he zalo nhe")]
    assert repo.bulk_upsert_posts(posts).ok == len(posts)
    repo.refresh()
    campaign = repo.get_post(posts[0]["id"]).source
    assert campaign["minhash"] and len(campaign["minhash_bands"]) == 32

    related = repo.related_posts(posts[0]["id"], campaign)
    assert [hit["url"] for hit in related["same_text"]] == ["http://f.example/t/copy"]
    near = related["near_duplicates"]
    names = [hit["url"].rsplit("/", 1)[1] for hit in near]
    assert set(names) == set(VARIANTS) and names[-1] == "word"  # the only one below 1.0
    assert [hit["similarity"] for hit in near] == sorted((hit["similarity"] for hit in near), reverse=True)
    assert near[0]["similarity"] == 1.0 and 0.6 <= near[-1]["similarity"] < 1.0
    assert all("minhash" not in hit and hit["text"] for hit in near)

    assert len(repo.related_posts(posts[0]["id"], campaign, size=2)["near_duplicates"]) == 2
    short = repo.get_post(post_id_for("http://f.example/t/short")).source
    assert short["minhash"] is None and short["minhash_bands"] is None
    assert repo.related_posts(post_id_for("http://f.example/t/short"), short)["near_duplicates"] == []
    # Search hits and the queue leave the derived fields out.
    found = repo.search_posts(SearchRequest(text="tuyển"))
    assert found.hits and all("minhash" not in hit and "minhash_bands" not in hit for hit in found.hits)


def test_posts_stored_without_the_fields_get_them_when_crawled_again(repo):
    old = _post("old", CAMPAIGN, scores={"scam": 0.4})
    repo.client.index(index=repo.posts, id=old["id"], document={k: v for k, v in old.items() if k != "id"},
                      refresh=True)
    other = _post("other", VARIANTS["phone"])
    repo.bulk_upsert_posts([other])
    repo.refresh()
    stored = repo.get_post(old["id"]).source
    assert "minhash" not in stored
    # Viewed before it has the fields: compared by its text.
    near = repo.related_posts(old["id"], stored)["near_duplicates"]
    assert [hit["id"] for hit in near] == [other["id"]]

    again = repo.bulk_upsert_posts([old])
    assert (again.unchanged, again.created, again.updated, again.ok, again.errors) == (1, 0, 0, 1, [])
    repo.refresh()
    assert near_duplicates.decode(repo.get_post(old["id"]).source["minhash"]) is not None
    assert [hit["id"] for hit in repo.related_posts(other["id"], repo.get_post(other["id"]).source)[
        "near_duplicates"]] == [old["id"]]
    edited = repo.bulk_upsert_posts([_post("old", "quá ngắn rồi", scores={"scam": 0.4})])
    assert edited.updated == 1
    assert repo.get_post(old["id"]).source["minhash_bands"] is None  # an edit that shortens clears them


def test_rescoring_backfills_the_fields(repo, classifier):
    from index.casework.rescoring import rescore
    post = _post("before", CAMPAIGN)
    repo.client.index(index=repo.posts, id=post["id"], document={k: v for k, v in post.items() if k != "id"},
                      refresh=True)
    assert rescore(repo, classifier, log=lambda message: None).errors == 0
    assert len(repo.get_post(post["id"]).source["minhash_bands"]) == 32


def test_an_index_made_before_near_duplicates_gets_the_fields_on_setup(repo, monkeypatch):
    posts_spec = next(s for s in schema.SPECS if s.name == "posts")
    earlier = {name: mapping for name, mapping in posts_spec.mappings["properties"].items()
               if name not in ("minhash", "minhash_bands", "media")}
    old_specs = tuple(replace(s, mappings={**s.mappings, "properties": earlier}) if s.name == "posts" else s
                      for s in schema.SPECS)
    repo.drop_all()
    monkeypatch.setattr(schema, "SPECS", old_specs)
    repo.setup()
    assert repo.bulk_upsert_posts([_post("a", CAMPAIGN)]).errors  # strict mapping: the new fields are refused
    monkeypatch.undo()
    assert schema.needs_migration(repo) and repo.setup() == [] and not schema.needs_migration(repo)
    mapping = repo.client.indices.get_mapping(index=repo.posts)
    properties = next(iter(mapping.values()))["mappings"]["properties"]
    assert properties["minhash_bands"]["type"] == "keyword" and properties["media"]["enabled"] is False
    assert repo.bulk_upsert_posts([_post("a", CAMPAIGN)]).errors == []
