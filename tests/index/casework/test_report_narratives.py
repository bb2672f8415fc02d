"""The supervisor's narrative of a period's report: the rules hold whoever calls (role, revision, size,
unknown sections), a save that changes nothing writes nothing, and each save is an audit event."""

from datetime import date

import pytest

from index.casework import report_narratives
from index.casework.periods import period
from index.casework.permissions import PermissionDenied
from index.casework.report_narratives import NarrativeChanged, NarrativeError, save_narrative
from tests.actors import CHIEF, HOA, LAN

HALF = period("half", date(2026, 3, 1))


def saved_events(repo):
    repo.refresh()
    return list(repo.scan_events({"term": {"action": "report_narrative_saved"}}, sort=[{"at": "asc"}]))


def test_the_rules_of_the_narrative(repo):
    with pytest.raises(PermissionDenied):
        save_narrative(repo, HALF, {"assessment": "x"}, actor=LAN, revision=0)
    first = save_narrative(repo, HALF, {"assessment": " Tốt.\r\nỔn định.\x00 ", "difficulties": "Ít người."},
                           actor=CHIEF, revision=0, request_id="r1")
    assert first.revision == 1 and first.sections == {"assessment": "Tốt.\nỔn định.", "difficulties": "Ít người.",
                                                      "recommendations": ""}
    with pytest.raises(NarrativeChanged):  # written on the revision before: refused, nothing lost
        save_narrative(repo, HALF, {"assessment": "Khác"}, actor=HOA, revision=0)
    same = save_narrative(repo, HALF, {"assessment": "Tốt.\nỔn định."}, actor=HOA, revision=1)
    assert same.revision == 1 and len(saved_events(repo)) == 1  # nothing changed: no write, no event
    second = save_narrative(repo, HALF, {"recommendations": "Tập huấn."}, actor=HOA, revision=1)
    assert second.revision == 2 and second.sections["assessment"] == "Tốt.\nỔn định."  # others kept
    with pytest.raises(NarrativeError):
        save_narrative(repo, HALF, {"summary": "x"}, actor=CHIEF, revision=2)
    with pytest.raises(NarrativeError):
        save_narrative(repo, HALF, {"assessment": "x" * (report_narratives.MAX_CHARS + 1)}, actor=CHIEF, revision=2)
    events = saved_events(repo)
    assert [(e["actor"], e["details"]["revision"], e["details"]["changed"]) for e in events] == [
        ("chief", 1, ["assessment", "difficulties"]), ("hoa", 2, ["recommendations"])]
    assert events[1]["details"]["texts"] == {"recommendations": "Tập huấn."}
    assert report_narratives.get_narrative(repo, HALF).updated_by == "hoa"
    # The same dates chosen as a custom range are the same report.
    custom = period("custom", date(2026, 1, 1), date(2026, 6, 30))
    assert report_narratives.get_narrative(repo, custom).revision == 2
