"""The authorisation matrix through Flask's test client: every route of the app, for every role and
for a visitor who is not signed in. Routes are read from the app and roles from each route's own
guard, so a route added later is covered (or fails the first test if it has no guard)."""

import pytest
from werkzeug.routing import IntegerConverter

from index.casework.accounts import create_user

PASSWORD = "correct-horse-battery"
ROLES = ("reviewer", "analyst", "supervisor", "admin")
# Reachable without signing in, on purpose.
PUBLIC = {"static", "favicon", "favicon_ico", "auth.login", "auth.logout", "language.choose",
          # tips (#17): the public report page and its status check; the partner API (its own key, checked by
          # index/casework/partners.py) and its OpenAPI description
          "public_report.report", "public_report.status", "api.create_tip", "api.openapi_document"}


def routes(app):
    """(endpoint, method, path, required roles or None for public) for every route."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        values = {name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x" for name in rule.arguments}
        path = adapter.build(rule.endpoint, values)
        roles = getattr(view, "required_roles", None)
        for method in ("GET", "POST"):
            if method in rule.methods:
                found.append((rule.endpoint, method, path, None if roles is None else tuple(roles)))
    return sorted(found)


def test_every_route_has_a_guard_unless_public(app):
    unguarded = {endpoint for endpoint, _, _, roles in routes(app) if roles is None}
    assert unguarded <= PUBLIC, unguarded - PUBLIC
    assert len(routes(app)) > 25


def test_visitors_are_sent_to_the_login_page(client, app):
    for _, method, path, roles in routes(app):
        if roles is None:
            continue
        response = client.open(path, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"], (method, path)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_routes_of_its_role(client, app, repo, role):
    create_user(repo, f"user-{role}", PASSWORD, [role], actor="test")
    assert client.post("/login", data={"username": f"user-{role}", "password": PASSWORD}).status_code == 302
    checked = 0
    for endpoint, method, path, roles in routes(app):
        if roles is None or endpoint == "auth.logout":
            continue
        permitted = role == "admin" or not roles or role in roles
        if method == "POST" and permitted:
            continue  # it would act (claim, approve...); the role check is what is tested here
        response = client.open(path, method=method)
        assert (response.status_code == 403) != permitted, (role, method, path, response.status_code)
        checked += 1
    assert checked > 10


# Malformed query parameters (and the same as form fields for POST routes): none may give a 5xx.
MALFORMED = {
    "impossible date": {"from": "2026-99-99", "to": "2026-02-30"},
    "not a date": {"from": "yesterday", "to": "abc", "start": "x", "end": "2026-13-01", "period": "2026-H3"},
    "bad after": {"after": "%%%"},
    "nested after": {"after": "[[1], {\"a\": 1}, null]"},
    "after of wrong types": {"after": "[\"high\", \"yesterday\", 7]", "sort": "relevance"},
    "after out of range": {"after": "[1e999, 99999999999999999999999, \"x\"]"},
    "bad page": {"page": "-1", "size": "99999999999999999999", "limit": "NaN"},
    "url building keys": {"_scheme": "javascript", "_anchor": "x", "_external": "1", "_method": "DELETE",
                          "endpoint": "admin.users", "values": "x"},
    "very long values": {"q": "kẹo " * 5000, "status": "x" * 10_000, "next": "/" + "a" * 10_000,
                         "category": "y" * 10_000, "post_id": "z" * 10_000},
    "nul bytes": {"q": "a\x00b", "status": "\x00", "sort": "\x00", "next": "/\x00", "username": "\x00",
                  "password": "\x00", "language": "\x00", "channel": "\x00", "name": "\x00", "query": "\x00"},
    "empty username": {"username": "", "password": "", "roles": "admin"},
    "unknown choices": {"status": "deleted", "sort": "random", "kind": "x", "format": "exe", "action": "x",
                        "severity": "99", "follow_up": "x", "language": "klingon"},
}


def filled_routes(app, site, malformed_variables: bool):
    """(endpoint, method, path) of every route, its URL variables filled with the site's real ids or
    with malformed values."""
    adapter = app.url_map.bind("localhost")
    real = {"post_id": site.flagged, "notice_id": site.notice, "username": "lan", "search_id": "x"}
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if rule.endpoint in ("static", "auth.logout"):
            continue
        values = {}
        for name in rule.arguments:
            if isinstance(rule._converters[name], IntegerConverter):
                values[name] = 99999999999999999999 if malformed_variables else 1
            else:
                values[name] = ("../..\x00" + "é" * 3000) if malformed_variables else real.get(name, "x")
        path = adapter.build(rule.endpoint, values)
        for method in ("GET", "POST"):
            if method in rule.methods:
                yield rule.endpoint, method, path


@pytest.mark.parametrize("malformed", MALFORMED, ids=list(MALFORMED))
def test_malformed_parameters_on_every_route_are_never_a_server_error(app, site, malformed):
    client = app.test_client()
    assert client.post("/login", data={"username": "root", "password": "correct-horse-battery"}).status_code == 302
    parameters = MALFORMED[malformed]
    failures, walked = [], 0
    for malformed_variables in (False, True):
        for endpoint, method, path in filled_routes(app, site, malformed_variables):
            try:
                if method == "GET":
                    response = client.get(path, query_string=parameters)
                else:
                    response = client.post(path, query_string=parameters, data=parameters)
                status = response.status_code
            except Exception as error:  # TESTING propagates what would be a 500
                status = f"{type(error).__name__}: {str(error)[:200]}"
            walked += 1
            if not isinstance(status, int) or status >= 500:
                failures.append((method, endpoint, malformed_variables, status))
    assert walked > 60 and not failures, failures
