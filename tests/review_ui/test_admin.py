"""Admin pages: only admins manage accounts; a new or reset password is shown once and works; a
disabled account cannot sign in; every change is in the audit trail."""

import re

import pytest

from index.casework.accounts import create_user

PASSWORD = "a-long-password"


@pytest.fixture
def admin_client(client, repo):
    create_user(repo, "root", PASSWORD, ["admin"], actor="test")
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    client.post("/login", data={"username": "root", "password": PASSWORD})
    return client


def shown_password(page: str) -> str:
    return re.search(r'class="flash flash-ok new-password".*?<code>([^<]+)</code>', page, re.S).group(1)


def test_only_admins_reach_the_account_pages(client, repo):
    create_user(repo, "chief", PASSWORD, ["supervisor"], actor="test")
    assert client.get("/admin/users").status_code == 302  # to the login page
    client.post("/login", data={"username": "chief", "password": PASSWORD})
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", data={"username": "x1", "roles": ["admin"]}).status_code == 403
    assert repo.get_user("x1") is None


def test_admin_creates_resets_disables_and_enables(admin_client, repo, app):
    page = admin_client.post("/admin/users", data={"username": "minh", "display_name": "<b>Minh</b>",
                                                   "roles": ["reviewer", "analyst", "root-of-all"]})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "&lt;b&gt;Minh&lt;/b&gt;" in text
    password = shown_password(text)
    assert repo.get_user("minh")["roles"] == ["reviewer", "analyst"]
    assert password not in str(repo.get_user("minh"))
    assert password not in admin_client.get("/admin/users").get_data(as_text=True)  # shown once

    other = app.test_client()
    assert other.post("/login", data={"username": "minh", "password": password}).status_code == 302

    reset = admin_client.post("/admin/users/minh/password").get_data(as_text=True)
    new_password = shown_password(reset)
    assert new_password != password
    assert app.test_client().post("/login", data={"username": "minh", "password": password}).status_code == 401

    admin_client.post("/admin/users/minh/disable")
    assert repo.get_user("minh")["disabled"] is True
    assert app.test_client().post("/login", data={"username": "minh", "password": new_password}).status_code == 401
    admin_client.post("/admin/users/minh/enable")
    assert app.test_client().post("/login", data={"username": "minh", "password": new_password}).status_code == 302

    assert admin_client.post("/admin/users/root/disable").status_code == 302
    assert repo.get_user("root")["disabled"] is False  # not yourself
    assert admin_client.post("/admin/users/nobody/password").status_code == 404
    bad = admin_client.post("/admin/users", data={"username": "Bad Name!", "roles": ["reviewer"]},
                            follow_redirects=True)
    assert "Không tạo được tài khoản" in bad.get_data(as_text=True)

    repo.refresh()
    actions = [hit["_source"]["action"] for hit in repo.client.search(
        index=repo.events, query={"term": {"actor": "root"}}, size=50)["hits"]["hits"]]
    for action in ("user_created", "password_reset", "user_disabled", "user_enabled"):
        assert action in actions
