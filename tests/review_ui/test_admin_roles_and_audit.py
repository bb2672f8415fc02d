"""Administration (#14): an admin edits a user's roles (never their own admin role), sees each
account's last sign-in, reads the audit trail filtered by actor, action and days in Vietnam, and
exports it as CSV (the export is itself audited)."""

import csv
import io
import re

import pytest

from index.casework.accounts import create_user
from review_ui.language import COOKIE as LANGUAGE_COOKIE

PASSWORD = "a-long-password"


@pytest.fixture
def admin_client(client, repo):
    create_user(repo, "root", PASSWORD, ["admin"], actor="test")
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    client.set_cookie(LANGUAGE_COOKIE, "en")  # the page in English
    client.post("/login", data={"username": "root", "password": PASSWORD})
    return client


def test_admin_edits_roles_and_sees_last_sign_in(admin_client, repo, app):
    page = admin_client.get("/admin/users").get_data(as_text=True)
    lan_row = re.search(r"<code>lan</code>.*?</tr>", page, re.S).group(0)
    assert 'class="last-login">Never<' in lan_row
    root_row = re.search(r"<code>root</code>.*?</tr>", page, re.S).group(0)
    assert re.search(r'class="last-login">\d\d/\d\d/\d{4} \d\d:\d\d<', root_row)

    response = admin_client.post("/admin/users/lan/roles", data={"roles": ["reviewer", "analyst", "boss"]})
    assert response.status_code == 302
    assert repo.get_user("lan")["roles"] == ["reviewer", "analyst"]
    lan = app.test_client()
    lan.post("/login", data={"username": "lan", "password": PASSWORD})
    assert lan.get("/search.csv").status_code == 200  # analysts may export; reviewers may not

    admin_client.post("/admin/users/lan/roles", data={"roles": []})
    assert repo.get_user("lan")["roles"] == ["reviewer", "analyst"]  # at least one role
    refused = admin_client.post("/admin/users/root/roles", data={"roles": ["supervisor"]}, follow_redirects=True)
    assert "cannot take the admin role from your own account" in refused.get_data(as_text=True)
    assert repo.get_user("root")["roles"] == ["admin"]
    assert admin_client.post("/admin/users/nobody/roles", data={"roles": ["reviewer"]}).status_code == 404
    repo.refresh()
    changes = repo.client.search(index=repo.events, query={"term": {"action": "roles_changed"}})["hits"]["hits"]
    assert [(h["_source"]["actor"], h["_source"]["details"]["roles"]) for h in changes] == \
        [("root", ["reviewer", "analyst"])]


def test_audit_log_filters_and_exports(admin_client, repo):
    for at, actor, action in (("2026-11-30T18:00:00+00:00", "lan", "claimed"),  # 1 December in Vietnam
                              ("2026-11-30T10:00:00+00:00", "lan", "decided"),
                              ("2026-11-30T10:00:00+00:00", "Chief", "approved")):
        repo.client.index(index=repo.events, document={"at": at, "actor": actor, "action": action}, refresh=True)
    page = admin_client.get("/admin/audit?actor=LAN").get_data(as_text=True)
    assert page.count('<tr class="event">') == 2
    assert '<option value="approved"' in page  # the actions in the trail are the choices
    one_day = admin_client.get("/admin/audit?actor=lan&from=2026-12-01&to=2026-12-01").get_data(as_text=True)
    assert one_day.count('<tr class="event">') == 1 and "claimed" in one_day
    assert admin_client.get("/admin/audit?action=approved").get_data(as_text=True).count('<tr class="event">') == 1
    reversed_range = admin_client.get("/admin/audit?from=2026-12-02&to=2026-12-01")
    assert reversed_range.status_code == 400 and "reversed" in reversed_range.get_data(as_text=True)

    export = admin_client.get("/admin/audit.csv?actor=lan")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["Time", "Actor", "Action"]
    assert [row[:3] for row in rows[1:]] == [["2026-12-01T01:00:00+07:00", "lan", "claimed"],
                                             ["2026-11-30T17:00:00+07:00", "lan", "decided"]]
    repo.refresh()
    exported = repo.client.search(index=repo.events, query={"term": {"action": "audit_exported"}})["hits"]["hits"]
    assert exported[0]["_source"]["actor"] == "root" and exported[0]["_source"]["details"]["rows"] == 2


def test_only_admins_read_the_audit_log(client, repo):
    create_user(repo, "chief", PASSWORD, ["supervisor"], actor="test")
    client.post("/login", data={"username": "chief", "password": PASSWORD})
    assert client.get("/admin/audit").status_code == 403 and client.get("/admin/audit.csv").status_code == 403
    assert client.post("/admin/users/chief/roles", data={"roles": ["admin"]}).status_code == 403
    assert repo.get_user("chief")["roles"] == ["supervisor"]
