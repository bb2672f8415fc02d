"""Index settings and mappings as code. The application only talks to aliases
("<prefix>-posts"); each alias points at a versioned concrete index ("<prefix>-posts-v1")."""

from __future__ import annotations

from dataclasses import dataclass

from index.storage.tip_mappings import PARTNERS, TIP_THROTTLE, TIPS
from safewatch.records import ENGAGEMENT
from safewatch.taxonomy import CODES

ANALYSIS = {
    "normalizer": {
        # Keywords compared without case (handles, platforms, sources).
        "lowercase": {"type": "custom", "filter": ["lowercase"]},
    },
    "analyzer": {
        # Keeps diacritics: "ma túy" and "mà tùy" stay different, so exact spellings rank higher.
        "vi_text": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]},
        # Folds them away: "ma tuy" finds "ma túy", "d" finds "đ".
        "vi_folded": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
    },
}

# Diacritic-insensitive by default; the "exact" sub-field keeps diacritics, so that a query typed
# with them ranks exact spellings first ("ma túy" above "mà tùy").
_TEXT = {
    "type": "text",
    "analyzer": "vi_folded",
    "fields": {"exact": {"type": "text", "analyzer": "vi_text"}},
}
_KEYWORD = {"type": "keyword"}
_KEYWORD_CI = {"type": "keyword", "normalizer": "lowercase"}
_DATE = {"type": "date"}

POSTS = {
    "dynamic": "strict",
    "properties": {
        "post_id": _KEYWORD,  # = the document id; sortable, for search_after
        "url": {"type": "keyword", "ignore_above": 2048},
        "canonical_url": {"type": "keyword", "ignore_above": 2048},
        "thread_url": {"type": "keyword", "ignore_above": 2048},
        "source": _KEYWORD,
        "platform": _KEYWORD,
        "kind": _KEYWORD,
        "language": _KEYWORD,
        "author": _KEYWORD_CI,  # normalised for matching (safewatch.records.normalize_handle)
        "author_name": {"type": "keyword", "ignore_above": 512},  # as shown on the page
        "author_url": {"type": "keyword", "ignore_above": 2048},
        "parent_url": {"type": "keyword", "ignore_above": 2048},
        "media_urls": {"type": "keyword", "ignore_above": 2048, "index": False},
        # What the crawler kept of the media (index/storage/media.py), in media_urls order: captured ones
        # {url, capture_id, sha256, content_type, bytes, captured_at}, others {url, skipped, retry}.
        "media": {"type": "object", "enabled": False},
        "engagement": {"properties": {name: {"type": "long"} for name in ENGAGEMENT}},
        "boosted_by": _KEYWORD_CI,
        "title": _TEXT,
        "text": _TEXT,
        # The text read by the classifier's normaliser and folded (index/storage/search_text.py): teencode and
        # obfuscation match their plain forms.
        "text_normalized": {"type": "text", "analyzer": "vi_folded"},
        "quotes": _TEXT,
        "signature": {"type": "text", "index": False},
        "content_warning": _TEXT,
        "published_at": _DATE,
        "collected_at": _DATE,
        "content_hash": _KEYWORD,
        # Near-duplicates (safewatch/near_duplicates.py): the MinHash signature, kept only to confirm
        # candidates (base64, neither indexed nor in doc values), and the LSH band keys that find them.
        "minhash": {"type": "binary", "doc_values": False},
        "minhash_bands": {"type": "keyword", "doc_values": False},
        # Earlier texts of an edited post, newest last: [{text, content_hash, collected_at}]
        "previous_versions": {"type": "object", "enabled": False},
        # The capture the post was read from (index/storage/evidence.py): {id, sha256, captured_at, url}.
        "evidence": {"properties": {"id": _KEYWORD, "sha256": _KEYWORD, "captured_at": _DATE,
                                    "url": {"type": "keyword", "ignore_above": 2048}}},
        # Removed content found again (index/casework/reappearance.py): the removed post it matches, that post's
        # notices, when and how (text | near_duplicate | media).
        "reappeared_of": _KEYWORD,
        "reappeared_notice_ids": _KEYWORD,
        "reappeared_at": _DATE,
        "reappeared_match": _KEYWORD,
        # Re-checks of posts under a notice (crawlers/recheck.py).
        "last_checked_at": _DATE,
        "last_check": _KEYWORD,  # present | removed | unreachable
        "check_count": {"type": "integer"},
        # Classifier output.
        "scores": {"properties": {code: {"type": "float"} for code in CODES}},
        "labels": _KEYWORD,
        "rule_hits": _KEYWORD,  # "category:term" of each watch rule that matched
        # category -> spans of the original text that drove its score: [{start, end, text, weight}]
        "explanations": {"type": "object", "enabled": False},
        "max_score": {"type": "float"},
        "priority": {"type": "float"},
        "model_version": _KEYWORD,
        # Context frames of the watch rules that matched (reporting, prevention, disclosure…), and
        # whether the post is a child telling of harm done to them (refer to child protection).
        "context": _KEYWORD,
        "disclosure": {"type": "boolean"},
        # Review.
        "status": _KEYWORD,
        "status_changed_at": _DATE,
        # The id of the audit event of the last status change: a post page reads it by id, so the post's
        # history shows a claim or decision made a moment ago before a search of the events sees it.
        "status_event_id": {"type": "keyword", "index": False},
        "claimed_by": _KEYWORD,
        "claim_expires_at": _DATE,
        "reviewer": _KEYWORD,
        "reviewed_at": _DATE,
        "categories": _KEYWORD,
        "decision_note": {"type": "text", "analyzer": "vi_text"},
        "severity": {"type": "integer"},  # the reviewer's, 1-5 (default: the categories' highest)
        "follow_up": _KEYWORD,  # none | warning | takedown | investigation
        "referred_at": _DATE,  # referred to investigation
        # Notices and their outcome (copied from the notice documents for queries on posts).
        "notice_ids": _KEYWORD,
        # The open notice of each kind that holds the post (index/casework/notice_claims.py): set with a
        # conditional write when it is drafted, so a post is never in two open notices of one kind.
        # {kind: {"notice_id", "at"}}; kept, not searched.
        "open_notices": {"type": "object", "enabled": False},
        "warned_at": _DATE,
        "takedown_requested_at": _DATE,
        "takedown_deadline": _DATE,
        "removed_at": _DATE,
    },
}

EVENTS = {
    "dynamic": "strict",
    "properties": {
        "post_id": _KEYWORD,
        "notice_id": _KEYWORD,
        "tip_id": _KEYWORD,  # events of a tip (index/casework/tips.py)
        "action": _KEYWORD,
        "actor": _KEYWORD,
        "at": _DATE,
        "from_status": _KEYWORD,
        "to_status": _KEYWORD,
        "reason": {"type": "text", "analyzer": "vi_text"},
        # Why, as a code and its values (index/casework/audit_reasons.py), shown in the reader's language.
        "reason_code": _KEYWORD,
        "reason_values": {"type": "object", "enabled": False},
        "case_id": _KEYWORD,  # the case an event of a case belongs to (index/casework/cases.py)
        "request_id": _KEYWORD,  # made by the server for each request of the review UI
        # What the client said about itself: its own X-Request-Id (cut to a safe length and charset)
        # and its address (the peer's, or a trusted proxy's X-Forwarded-For).
        "client_request_id": _KEYWORD,
        "client_address": _KEYWORD,
        "details": {"type": "object", "enabled": False},
    },
}

NOTICES = {
    "dynamic": "strict",
    "properties": {
        "notice_id": _KEYWORD,
        "kind": _KEYWORD,  # warning | takedown
        "reference": _KEYWORD,  # the unit's reference number, e.g. 123/CV-ANM
        "recipient_type": _KEYWORD,  # platform | poster
        "recipient": _KEYWORD_CI,
        "channel": _KEYWORD,  # phone | letter | electronic
        "legal_basis": {"type": "text", "analyzer": "vi_folded"},
        "categories": _KEYWORD,
        "post_ids": _KEYWORD,
        "post_urls": {"type": "keyword", "ignore_above": 2048},
        "platform": _KEYWORD,
        "source": _KEYWORD,
        "status": _KEYWORD,  # draft | approved | sent | removed | overdue | cancelled
        "created_by": _KEYWORD,
        "created_at": _DATE,
        "approved_by": _KEYWORD,
        "approved_at": _DATE,
        "sent_at": _DATE,
        "deadline": _DATE,
        "outcome": _KEYWORD,  # removed | refused | no_response
        "outcome_at": _DATE,
        "removal_hours": {"type": "float"},
        "within_deadline": {"type": "boolean"},
        "note": {"type": "text", "analyzer": "vi_text"},
        "cancel_reason": {"type": "text", "analyzer": "vi_text"},  # the canceller's own words (notices.cancel)
        # The evidence each post had when the notice was drafted (a re-crawl may capture it again):
        # [{post_id, url, sha256, captured_at, evidence_id, content_hash, excerpt, account}]
        "evidence": {"type": "object", "enabled": False},
        # The recipient as the platform registry (safewatch/platforms.yml) had it when drafted:
        # {platform, legal_name, address, contact_channel, contact}; kept, not searched.
        "recipient_details": {"type": "object", "enabled": False},
        "contact_officer": _KEYWORD,  # named in the letter: who the platform answers to
        # Review of a draft (index/casework/notice_revisions.py): returned by an approver until the drafter edits it;
        # the thread of comments [{by, at, text, kind: comment|return|edit}] stays on the notice.
        "needs_revision": {"type": "boolean"},
        "returned_by": _KEYWORD,
        "returned_at": _DATE,
        "edited_at": _DATE,
        "comments": {"type": "object", "enabled": False},
        # Every sending, the first kept in sent_at and each re-sending (escalation) added:
        # [{at, channel, by, deadline}]; `deadline` is the latest one's.
        "sendings": {"type": "object", "enabled": False},
        "last_sent_at": _DATE,
        "resend_count": {"type": "integer"},
    },
}

USERS = {
    "dynamic": "strict",
    "properties": {
        "username": _KEYWORD,
        "display_name": {"type": "text"},
        "password_hash": {"type": "keyword", "index": False},
        "roles": _KEYWORD,
        "disabled": {"type": "boolean"},
        "created_at": _DATE,
        # Before index.casework.login_throttle: failed attempts in a row, and until when sign-in is refused (unused).
        "failed_logins": {"type": "integer"},
        "locked_until": _DATE,
        # Raised when the account's sessions must all end (password changed, account disabled).
        "session_generation": {"type": "integer"},
    },
}

# Signed-in sessions (index/casework/sessions.py); the document id is a hash of the token in the cookie.
SESSIONS = {
    "dynamic": "strict",
    "properties": {
        "username": _KEYWORD,
        "generation": {"type": "integer"},  # the account's session_generation when it began
        "created_at": _DATE,
        "last_seen_at": _DATE,
        "ended_at": _DATE,
        "end_reason": _KEYWORD,  # logout | idle | expired | revoked
        "client_address": _KEYWORD,
    },
}

# Wrong passwords (index/casework/login_throttle.py): one document per account name ("account:<name>", for names
# that exist or not) and per client address ("address:<address>").
LOGIN_THROTTLE = {
    "dynamic": "strict",
    "properties": {
        "failures": {"type": "integer"},  # attempts in a row on an account name without success
        "locked_until": _DATE,
        "attempts": _DATE,  # recent failed attempts from an address (the sliding window)
    },
}


# Searches analysts saved to run again (index/casework/saved_searches.py); one document per user and name.
SAVED_SEARCHES = {
    "dynamic": "strict",
    "properties": {
        "search_id": _KEYWORD,
        "username": _KEYWORD,
        "name": {"type": "keyword", "normalizer": "lowercase"},
        "query": {"type": "keyword", "index": False, "doc_values": False},  # the /search query string
        "created_at": _DATE,
        "updated_at": _DATE,
    },
}

# The narrative of a period's report that supervisors write (index/casework/report_narratives.py); one document
# per period (its first day and the day after its last), every save also in the audit trail.
REPORT_NARRATIVES = {
    "dynamic": "strict",
    "properties": {
        "period_start": {"type": "date", "format": "strict_date"},
        "period_end": {"type": "date", "format": "strict_date"},  # exclusive
        "sections": {"type": "object", "enabled": False},  # section name -> text
        "revision": {"type": "integer"},
        "updated_by": _KEYWORD,
        "updated_at": _DATE,
    },
}


# Cases (index/casework/cases.py): the posts, notices and tips about one actor, account or campaign, with a
# notes thread and tasks. Items are kept as [{kind, id, added_by, added_at}] and searched by
# "kind:id" in item_keys; status_changes [{at, by, to}] give the status at any past time (reports).
CASES = {
    "dynamic": "strict",
    "properties": {
        "case_id": _KEYWORD,
        "reference": _KEYWORD,  # VV-0001/2026
        "title": _TEXT,
        "status": _KEYWORD,  # open | in_progress | closed
        "owner": _KEYWORD,
        "accounts": _KEYWORD_CI,  # the accounts the case is about (safewatch.records.normalize_handle)
        "created_by": _KEYWORD,
        "created_at": _DATE,
        "updated_at": _DATE,
        "closed_at": _DATE,
        "items": {"type": "object", "enabled": False},
        "item_keys": _KEYWORD,
        "notes": {"properties": {"note_id": _KEYWORD, "by": _KEYWORD, "at": _DATE, "text": _TEXT}},
        "tasks": {"properties": {"task_id": _KEYWORD, "text": _TEXT, "assignee": _KEYWORD, "due": _DATE,
                                 "done": {"type": "boolean"}, "done_by": _KEYWORD, "done_at": _DATE,
                                 "created_by": _KEYWORD, "created_at": _DATE}},
        "status_changes": {"type": "object", "enabled": False},
    },
}


# The post each reviewer holds (index/casework/lifecycle.py): one document per reviewer (id: the account name),
# read by id and written with optimistic concurrency, so "which post do I hold" never waits for a search to catch
# up with a claim. It only points: the post itself (in_review, claimed_by, claim_expires_at) says whether the
# hold still stands.
HOLDS = {
    "dynamic": "strict",
    "properties": {
        "post_id": _KEYWORD,
        "claimed_at": _DATE,
    },
}


@dataclass(frozen=True)
class IndexSpec:
    name: str
    version: int
    mappings: dict

    def alias(self, prefix: str) -> str:
        return f"{prefix}-{self.name}"

    def concrete(self, prefix: str) -> str:
        return f"{prefix}-{self.name}-v{self.version}"

    def body(self, prefix: str) -> dict:
        return {
            "settings": {"number_of_shards": 1, "number_of_replicas": 0, "analysis": ANALYSIS},
            "mappings": self.mappings,
            "aliases": {self.alias(prefix): {"is_write_index": True}},
        }


SPECS: tuple[IndexSpec, ...] = (
    IndexSpec("posts", 1, POSTS),
    IndexSpec("events", 1, EVENTS),
    IndexSpec("notices", 1, NOTICES),
    # Sequences such as notice reference numbers, advanced with optimistic concurrency.
    IndexSpec("counters", 1, {"dynamic": "strict", "properties": {"value": {"type": "long"}}}),
    IndexSpec("users", 1, USERS),
    IndexSpec("saved_searches", 1, SAVED_SEARCHES),
    IndexSpec("sessions", 1, SESSIONS),
    IndexSpec("login_throttle", 1, LOGIN_THROTTLE),
    IndexSpec("report_narratives", 1, REPORT_NARRATIVES),
    IndexSpec("cases", 1, CASES),
    IndexSpec("tips", 1, TIPS),
    IndexSpec("partners", 1, PARTNERS),
    IndexSpec("tip_throttle", 1, TIP_THROTTLE),
    IndexSpec("holds", 1, HOLDS),
)
