"""Audit reasons as codes with values, and old English sentences recognised (index/casework/audit_reasons.py)."""

from index.casework import audit_reasons


def test_a_reason_is_stored_as_code_values_and_sentence():
    why = audit_reasons.reason("claimed_with", post="p-1")
    assert audit_reasons.event_fields(why) == {"reason": "claimed with p-1", "reason_code": "claimed_with",
                                               "reason_values": {"post": "p-1"}}
    assert audit_reasons.event_fields("a reviewer's own note") == {"reason": "a reviewer's own note"}


def test_old_sentences_are_recognised_and_a_person_s_text_is_not():
    assert audit_reasons.of_event({"reason": "claimed for review"}).code == "claimed_for_review"
    old = audit_reasons.of_event({"reason": "CV-2026-0001 re-sent by letter"})
    assert (old.code, old.values) == ("notice_resent", {"reference": "CV-2026-0001", "channel": "letter"})
    assert audit_reasons.of_event({"reason": "quảng cáo nhà thuốc"}) is None
    assert audit_reasons.of_event({"reason_code": "released", "reason": "released"}).code == "released"
