"""Tips: intake, the lifecycle and its rules, the reporter's code, the queue order, partner keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from index.casework import lifecycle, partners, tip_throttle, tips
from index.casework.permissions import PermissionDenied
from index.casework.tips import TipError, TipIntake
from safewatch.records import post_id_for
from tests.actors import CHIEF, LAN


def _post(repo, url: str, status: str = "collected") -> str:
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": "ib zalo gửi ảnh đi em", "platform": "forum",
                             "source": "demo", "status": status, "collected_at": datetime.now(UTC).isoformat(),
                             "content_hash": "a" * 64}])
    repo.refresh()
    return post_id_for(url)


def test_lifecycle_audited_and_resolution_waits_for_linked_posts(repo):
    filed = tips.file_tip(repo, TipIntake("web", ("https://forum.example/t/9",), "gạ gẫm học sinh", "grooming"))
    tip_id = filed.tip["id"]
    assert filed.tip["reference"].startswith("TB-") and filed.tip["status"] == "received"
    assert tips.public_status(repo, filed.tip["reference"], filed.code) == "received"
    assert tips.public_status(repo, filed.tip["reference"], "WRONG-CODE-0000") is None
    assert "code_hash" in repo.get_document("tips", tip_id) and filed.code not in str(repo.get_document("tips", tip_id))

    with pytest.raises(TipError):  # not triaged yet
        tips.resolve(repo, tip_id, actor=LAN, outcome="no_violation")
    with pytest.raises(PermissionDenied):
        tips.triage(repo, tip_id, actor="nobody")
    tips.triage(repo, tip_id, actor=LAN, category="grooming")
    assert tips.public_status(repo, filed.tip["reference"], filed.code) == "being_handled"

    post_id = _post(repo, "https://forum.example/t/9")
    tips.link_post(repo, tip_id, "https://forum.example/t/9", actor=LAN)
    assert repo.get_post(post_id).source["status"] == "flagged"  # below the threshold, now for a reviewer
    with pytest.raises(TipError, match="waiting for a reviewer"):
        tips.resolve(repo, tip_id, actor=LAN, outcome="no_violation")
    lifecycle.claim(repo, post_id, reviewer="lan")
    lifecycle.decide(repo, post_id, reviewer="lan", confirm=False, categories=[])
    with pytest.raises(TipError, match="removed"):
        tips.resolve(repo, tip_id, actor=LAN, outcome="content_removed")
    tips.resolve(repo, tip_id, actor=CHIEF, outcome="no_violation", note="a joke between adults")
    assert tips.public_status(repo, filed.tip["reference"], filed.code) == "handled"
    actions = [e["action"] for e in tips.events(repo, tip_id)]
    assert actions == ["tip_received", "tip_triaged", "tip_post_linked", "tip_resolved"]
    with pytest.raises(TipError):  # closed
        tips.forward(repo, tip_id, actor=LAN, unit="PA Hà Nội")


def test_intake_rules_and_queue_order(repo):
    with pytest.raises(TipError, match="web address"):
        tips.file_tip(repo, TipIntake("web", ("javascript:alert(1)",)))
    with pytest.raises(TipError, match="address of the content or describe"):
        tips.file_tip(repo, TipIntake("web"))
    with pytest.raises(TipError, match="officer"):
        tips.file_tip(repo, TipIntake("phone", description="cuộc gọi"))
    now = datetime.now(UTC)
    old = tips.file_tip(repo, TipIntake("letter", description="thư", category="gambling", entered_by="lan",
                                        received_at=now - timedelta(hours=30)))
    tips.file_tip(repo, TipIntake("web", description="bán thuốc lá điện tử", category="drugs"))
    child = tips.file_tip(repo, TipIntake("web", description="em bị chú hàng xóm sờ", disclosure=True))
    order = [t["reference"] for t in tips.queue(repo)]
    assert order[0] == child.tip["reference"] and order[-1] == old.tip["reference"]
    overdue = {t["reference"]: t["is_overdue"] for t in tips.queue(repo)}
    assert overdue[old.tip["reference"]] and not overdue[child.tip["reference"]]
    assert tips.get_tip(repo, child.tip["id"])["referral_needed"]


def test_partner_keys_hashed_and_revocable(repo):
    key = partners.add(repo, "Zalo Trust & Safety", actor="root")
    assert partners.authenticate(repo, key)["name"] == "Zalo Trust & Safety"
    assert key not in str(partners.listing(repo))
    assert partners.authenticate(repo, key + "x") is None
    partners.revoke(repo, "Zalo Trust & Safety", actor="root")
    assert partners.authenticate(repo, key) is None


def test_throttle_counts_per_address(repo):
    now = datetime.now(UTC)
    for _ in range(3):
        tip_throttle.reserve(repo, "203.0.113.9", limit=3, window_minutes=60, now=now)
    with pytest.raises(tip_throttle.TooManyTips):
        tip_throttle.reserve(repo, "203.0.113.9", limit=3, window_minutes=60, now=now)
    tip_throttle.reserve(repo, "203.0.113.10", limit=3, window_minutes=60, now=now)
    tip_throttle.reserve(repo, "203.0.113.9", limit=3, window_minutes=60, now=now + timedelta(minutes=61))
