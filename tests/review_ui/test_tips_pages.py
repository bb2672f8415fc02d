"""Tips through the routes: the public page (image checked by its bytes, throttled, CSRF), the partner API
validated against its own OpenAPI description, the staff pages, and the report's tips table."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime

import jsonschema
import pytest

from index.casework import partners
from index.casework.accounts import create_user
from index.casework.permissions import Actor
from review_ui import create_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PASSWORD = "correct-horse-battery"


def _schema(document: dict, name: str) -> dict:
    return {**document["components"]["schemas"][name], "components": document["components"]}



def _sign_in(client, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code in (302, 303)


def test_public_page_and_api_to_handled_and_counted(app, client, repo):
    page = client.get("/bao-cao")
    assert page.status_code == 200 and "111" in page.get_data(as_text=True) and "<script src=\"http" not in \
        page.get_data(as_text=True)
    refused = client.post("/bao-cao", data={"urls": "https://forum.example/t/1", "description": "x",
                                            "image": (io.BytesIO(b"<svg onload=alert(1)>"), "a.png", "image/png")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400 and "JPEG" in refused.get_data(as_text=True)
    filed = client.post("/bao-cao", data={"urls": "https://forum.example/t/1", "category": "grooming",
                                          "description": "Người lạ xin ảnh con tôi 12 tuổi",
                                          "image": (io.BytesIO(PNG), "a.png", "image/png")},
                        content_type="multipart/form-data")
    assert filed.status_code == 201
    html = filed.get_data(as_text=True)
    reference = re.search(r'id="tip-reference">([^<]+)<', html).group(1)
    code = re.search(r'id="tip-code">([^<]+)<', html).group(1)

    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.") and "/api/v1/tips" in document["paths"]
    key = partners.add(repo, "Nền tảng A", actor="test")
    request_body = {"urls": ["https://video.example/v/2"], "description": "thử thách nguy hiểm",
                    "category": "dangerous_challenge"}
    jsonschema.validate(request_body, _schema(document, "TipRequest"))
    unauthorised = client.post("/api/v1/tips", json=request_body)
    assert unauthorised.status_code == 401
    jsonschema.validate(unauthorised.get_json(), _schema(document, "Error"))
    bad = client.post("/api/v1/tips", json={"urls": "not a list"}, headers={"Authorization": f"Bearer {key}"})
    assert bad.status_code == 400 and "urls" in bad.get_json()["error"]
    jsonschema.validate(bad.get_json(), _schema(document, "Error"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"urls": "not a list"}, _schema(document, "TipRequest"))
    created = client.post("/api/v1/tips", json=request_body, headers={"Authorization": f"Bearer {key}"})
    assert created.status_code == 201
    jsonschema.validate(created.get_json(), _schema(document, "TipCreated"))
    api_reference = created.get_json()["reference"]

    create_user(repo, "lan", PASSWORD, ["reviewer"], display_name="Lan", actor="test")
    assert client.get("/tips").status_code == 302  # sign-in first
    _sign_in(client, "lan")
    listing = client.get("/tips").get_data(as_text=True)
    assert reference in listing and api_reference in listing
    from index.casework import tips
    tip = tips.by_reference(repo, reference)
    image = client.get(f"/tips/{tip['id']}/image")
    assert image.status_code == 200 and image.data == PNG and image.mimetype == "image/png"
    assert 'class="reveal"' in client.get(f"/tips/{tip['id']}").get_data(as_text=True)  # blurred until shown
    assert client.post(f"/tips/{tip['id']}/triage", data={"category": "grooming"}).status_code == 303
    assert client.post(f"/tips/{tip['id']}/resolve", data={"outcome": "no_violation"}).status_code == 303
    assert tips.get_tip(repo, tip["id"])["status"] == "resolved"

    status = client.post("/bao-cao/trang-thai", data={"reference": reference, "code": code})
    assert status.status_code == 200 and 'data-status="handled"' in status.get_data(as_text=True)
    wrong = client.post("/bao-cao/trang-thai", data={"reference": reference, "code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 404 and "data-status" not in wrong.get_data(as_text=True)

    create_user(repo, "chief", PASSWORD, ["supervisor"], display_name="Chief", actor="test")
    client.post("/logout")
    _sign_in(client, "chief")
    report = client.get("/reports").get_data(as_text=True)
    received = re.search(r'id="tips-received"><th scope="row">[^<]+</th><td class="num">(\d+)<', report)
    assert received and received.group(1) == "2"
    assert 'id="tips-resolution-rate"' in report


def test_public_page_throttled_and_csrf_protected(config, repo):
    app = create_app(replace(config, index_prefix=repo.prefix, tip_rate_limit=2), {"TESTING": True})
    client = app.test_client()
    assert client.post("/bao-cao", data={"description": "x"}).status_code == 400  # no CSRF token
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/bao-cao").get_data(as_text=True)).group(1)
    for _ in range(2):
        filed = client.post("/bao-cao", data={"csrf_token": token, "description": "bạo lực học đường"})
        assert filed.status_code == 201
    assert client.post("/bao-cao", data={"csrf_token": token, "description": "lần ba"}).status_code == 429
    # the API has no session: no CSRF token, a key instead
    assert client.post("/api/v1/tips", json={"description": "x"}).status_code == 401


def test_officers_enter_tips_received_by_phone_email_or_letter(config, repo):
    app = create_app(replace(config, index_prefix=repo.prefix), {"TESTING": True})  # CSRF on
    for username, roles in (("lan", ["reviewer"]), ("an", ["analyst"])):
        create_user(repo, username, PASSWORD, roles, display_name=username, actor="test")
    client = app.test_client()
    assert client.get("/tips/new").status_code == 302  # sign-in first
    _sign_in_with_token(client, "an")
    assert client.get("/tips/new").status_code == 403  # analysts read tips, they do not enter them
    client = app.test_client()
    _sign_in_with_token(client, "lan")
    form_page = client.get("/tips/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_page).group(1)
    fields = {"channel": "letter", "received_at": "2026-03-02T09:30", "urls": "https://forum.example/t/7",
              "category": "grooming", "description": "Thư của cô giáo: <script>alert(1)</script>",
              "contact": "trường THCS A", "disclosure": "yes"}
    assert client.post("/tips/new", data=fields).status_code == 400  # no CSRF token
    refused = client.post("/tips/new", data={**fields, "channel": "web", "csrf_token": token})
    assert refused.status_code == 400 and "flash-error" in refused.get_data(as_text=True)
    future = client.post("/tips/new", data={**fields, "received_at": "2099-01-01T00:00", "csrf_token": token})
    assert future.status_code == 400 and "flash-error" in future.get_data(as_text=True)
    assert repo.search_documents("tips", {"match_all": {}}) == []
    done = client.post("/tips/new", data={**fields, "csrf_token": token})
    assert done.status_code == 201
    html = done.get_data(as_text=True)
    reference = re.search(r'id="tip-reference">([^<]+)<', html).group(1)
    code = re.search(r'id="tip-code">([^<]+)<', html).group(1)
    from index.casework import tips
    repo.refresh()
    tip = tips.by_reference(repo, reference)
    assert (tip["channel"], tip["entered_by"], tip["category"], tip["disclosure"]) == \
        ("letter", "lan", "grooming", True)
    assert tip["received_at"] == "2026-03-02T02:30:00+00:00" and tip["urls"] == ["https://forum.example/t/7"]
    assert tips.public_status(repo, reference, code) == "received"
    received = tips.events(repo, tip["id"])
    assert [(e["action"], e["actor"]) for e in received] == [("tip_received", "lan")]
    assert "via letter" in received[0]["reason"]
    shown = client.get(f"/tips/{tip['id']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "<script>alert(1)" not in shown
    from index.casework.permissions import PermissionDenied
    with pytest.raises(PermissionDenied):  # the rule is the domain's, whoever calls
        tips.enter_tip(repo, tips.TipIntake("phone", description="x"), actor="nobody")
    with pytest.raises(tips.TipError, match="future"):
        tips.enter_tip(repo, tips.TipIntake("phone", description="x", received_at=datetime(2099, 1, 1, tzinfo=UTC)),
                       actor=Actor("lan", frozenset({"reviewer"})))


def _sign_in_with_token(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303)


def test_a_body_past_the_limit_is_refused_even_without_a_declared_length(client):
    """No request body larger than the largest form (the public report with its image) is read, on the
    public page or any other route: a declared length past it is refused at once, and a chunked body
    (no Content-Length, as waitress passes it on) is cut off once it passes it."""
    import io
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    multipart = b"--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n" + b"\0" * limit
    for path in ("/bao-cao", "/login"):
        declared = client.post(path, data=multipart, content_type="multipart/form-data; boundary=x")
        chunked = client.post(path, input_stream=io.BytesIO(b"description=" + b"a" * limit),
                              content_type="application/x-www-form-urlencoded",
                              headers={"Transfer-Encoding": "chunked"},
                              environ_overrides={"wsgi.input_terminated": True})
        # Werkzeug stops reading the chunked body at the limit; its form parser, silent, then has no form,
        # and the CSRF check refuses it: refused either way, nothing read past the limit.
        assert declared.status_code == 413 and chunked.status_code in (400, 413), path
