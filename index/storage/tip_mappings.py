"""Mappings of the tips indices (index/casework/tips.py, partners.py, tip_throttle.py); index/storage/mappings.py lists
them in SPECS."""

from __future__ import annotations

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}
_URL = {"type": "keyword", "ignore_above": 2048}

# Tips from the public, partner units and platforms, and those officers enter (phone, email, letter).
TIPS = {
    "dynamic": "strict",
    "properties": {
        "tip_id": _KEYWORD,  # = the document id
        "reference": _KEYWORD,  # TB-2026-00001: what the reporter and the unit quote
        "channel": _KEYWORD,  # web | api | phone | email | letter
        "partner": _KEYWORD,  # the partner whose API key filed it (channel api)
        "entered_by": _KEYWORD,  # the officer who entered it (phone, email, letter)
        "urls": _URL,
        "category": _KEYWORD,  # one of the 14 codes, or not_sure
        "description": {"type": "text", "analyzer": "vi_folded"},
        "contact": {"type": "keyword", "index": False, "doc_values": False},
        # A child telling of abuse of a specific child: first in the queue, marked for referral.
        "disclosure": {"type": "boolean"},
        "referral_needed": {"type": "boolean"},
        "priority": {"type": "integer"},  # 10 for a disclosure, else the category's severity (1-5)
        # An image the reporter attached, kept in the evidence store: {capture_id, sha256, content_type, bytes}.
        "image": {"type": "object", "enabled": False},
        "code_hash": {"type": "keyword", "index": False, "doc_values": False},  # the reporter's code, hashed
        "status": _KEYWORD,  # received | triaged | in_progress | resolved | forwarded
        "outcome": _KEYWORD,
        "duplicate_of": _KEYWORD,  # a tip reference (outcome duplicate)
        "forwarded_to": _KEYWORD,
        "received_at": _DATE,
        "triage_deadline": _DATE,
        "triaged_at": _DATE,
        "triaged_by": _KEYWORD,
        "resolved_at": _DATE,  # resolved or forwarded
        "resolved_by": _KEYWORD,
        "status_changed_at": _DATE,
        "post_ids": _KEYWORD,  # the posts it is linked to (fetched from its addresses, or linked by hand)
        # Fetch of each address by the crawler (crawlers/tip_fetch.py): [{url, state, post_id, reason, at}],
        # state pending | fetched | unreachable | refused.
        "fetches": {"type": "object", "enabled": False},
        "fetch_pending": {"type": "boolean"},
        "note": {"type": "text", "analyzer": "vi_text"},  # the latest handling note (the audit trail keeps all)
    },
}

# API keys of partner units and platforms; the document id is the SHA-256 of the key (the key is never stored).
PARTNERS = {
    "dynamic": "strict",
    "properties": {
        "name": _KEYWORD,
        "key_prefix": _KEYWORD,  # the key's first characters, to tell keys apart in lists
        "created_at": _DATE,
        "created_by": _KEYWORD,
        "revoked_at": _DATE,
        "revoked_by": _KEYWORD,
        "last_used_at": _DATE,
    },
}

# Tips filed on the public page per client address: the recent ones (a sliding window).
TIP_THROTTLE = {
    "dynamic": "strict",
    "properties": {"attempts": _DATE},
}
