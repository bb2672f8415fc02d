"""Tips through the routes: the public page (image checked by its bytes, throttled, CSRF), the partner API
validated against its own OpenAPI description, the staff pages, and the report's tips table."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import jsonschema
import pytest

from index import partners
from index.accounts import create_user
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
    from index import tips
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
