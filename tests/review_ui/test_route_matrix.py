"""The authorisation matrix through Flask's test client: every route of the app, for every role and
for a visitor who is not signed in. Routes are read from the app and roles from each route's own
guard, so a route added later is covered (or fails the first test if it has no guard)."""

import pytest
from werkzeug.routing import IntegerConverter

from index.accounts import create_user

PASSWORD = "correct-horse-battery"
ROLES = ("reviewer", "analyst", "supervisor", "admin")
# Reachable without signing in, on purpose.
PUBLIC = {"static", "favicon", "favicon_ico", "auth.login", "auth.logout", "language.choose"}


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
