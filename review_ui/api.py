"""The partner API: `POST /api/v1/tips` with `Authorization: Bearer KEY` (index/casework/partners.py), JSON in and
out, described by OpenAPI 3 at /api/v1/openapi.json. No session, no cookie: CSRF does not apply."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from index.casework import partners, tips
from index.casework.tips import TipIntake, TipPolicy
from review_ui import openapi
from review_ui.security import csrf, repository
from safewatch.errors import SafeWatchError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
MAX_BODY = 64 * 1024
FIELDS = set(openapi.TIP_REQUEST["properties"])


def _error(message: str, status: int):
    response = jsonify({"error": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="safewatch"'
    return response


@bp.route("/openapi.json")
def openapi_document():
    return jsonify(openapi.document(request.host_url))


@bp.route("/tips", methods=["POST"])
def create_tip():
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    partner = partners.authenticate(repository(), key.strip()) if scheme.lower() == "bearer" else None
    if partner is None:
        return _error("A valid API key is needed: send it as 'Authorization: Bearer KEY'.", 401)
    if (request.content_length or 0) > MAX_BODY:
        return _error(f"The body is larger than {MAX_BODY // 1024} KiB.", 400)
    if not request.is_json:
        return _error("Send JSON (Content-Type: application/json).", 415)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error("The body is not a JSON object.", 400)
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        return _error(f"Unknown field(s): {', '.join(unknown)[:200]}. Allowed: {', '.join(sorted(FIELDS))}.", 400)
    urls, description = body.get("urls", []), body.get("description", "")
    category, contact = body.get("category", tips.NOT_SURE), body.get("contact", "")
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        return _error("'urls' is a list of web addresses.", 400)
    for name, value in (("description", description), ("category", category), ("contact", contact)):
        if not isinstance(value, str):
            return _error(f"'{name}' is a string.", 400)
    if not isinstance(body.get("disclosure", False), bool):
        return _error("'disclosure' is true or false.", 400)
    try:
        filed = tips.file_tip(repository(), TipIntake("api", tuple(urls), description, category, contact,
                                                       body.get("disclosure", False), partner=partner["name"]),
                              policy=TipPolicy.from_config(current_app.config["SAFEWATCH"]),
                              actor=f"partner:{partner['name']}")
    except SafeWatchError as error:
        return _error(str(error), 400)
    g.partner = partner["name"]
    response = jsonify({"reference": filed.tip["reference"], "status": "received"})
    response.status_code = 201
    return response
