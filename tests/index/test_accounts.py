"""Accounts: hashed passwords, and login throttling after wrong passwords (even the right password
is refused while locked; the lock grows with each further series; a reset clears it)."""

from datetime import UTC, datetime, timedelta

import pytest

from index.accounts import (
    MAX_FAILED_LOGINS,
    AccountError,
    AccountLocked,
    authenticate,
    create_user,
    set_disabled,
    set_password,
)

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
PASSWORD = "a-long-password"


def test_passwords_are_hashed_and_checked(repo):
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    stored = repo.get_user("lan")
    assert PASSWORD not in str(stored) and stored["password_hash"].startswith(("scrypt:", "pbkdf2:"))
    assert authenticate(repo, "Lan ", PASSWORD, now=T0)["username"] == "lan"
    assert authenticate(repo, "lan", "wrong-password", now=T0) is None
    assert authenticate(repo, "nobody", PASSWORD, now=T0) is None
    with pytest.raises(AccountError, match="at least 10"):
        create_user(repo, "minh", "short", ["reviewer"], actor="test")
    set_disabled(repo, "lan", True, actor="test")
    assert authenticate(repo, "lan", PASSWORD, now=T0) is None


def test_wrong_passwords_lock_the_account_for_a_while(repo):
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert authenticate(repo, "lan", "guess-guess", now=T0) is None
    assert authenticate(repo, "lan", PASSWORD, now=T0)  # a success before the limit clears the count
    assert repo.get_user("lan")["failed_logins"] == 0

    for _ in range(MAX_FAILED_LOGINS):
        authenticate(repo, "lan", "guess-guess", now=T0)
    with pytest.raises(AccountLocked, match="15 more minute") as locked:
        authenticate(repo, "lan", PASSWORD, now=T0 + timedelta(seconds=1))
    assert locked.value.minutes == 15
    assert authenticate(repo, "lan", PASSWORD, now=T0 + timedelta(minutes=16))  # the lock has passed

    later = T0 + timedelta(minutes=20)
    for _ in range(MAX_FAILED_LOGINS):
        authenticate(repo, "lan", "guess-guess", now=later)
    with pytest.raises(AccountLocked, match="15 more minute"):
        authenticate(repo, "lan", PASSWORD, now=later)
    later += timedelta(minutes=16)  # that lock has passed; a further series without success doubles it
    for _ in range(MAX_FAILED_LOGINS):
        authenticate(repo, "lan", "guess-guess", now=later)
    with pytest.raises(AccountLocked, match="30 more minute"):
        authenticate(repo, "lan", PASSWORD, now=later)
    set_password(repo, "lan", "a-new-long-password", actor="test")  # an admin's reset unlocks
    assert authenticate(repo, "lan", "a-new-long-password", now=later)


def test_every_account_change_is_audited_with_its_actor(repo):
    from index.accounts import set_roles
    create_user(repo, "thu", "a-long-password", ["reviewer"], actor="root", request_id="r1")
    set_password(repo, "thu", "another-long-password", actor="cli:ops")
    set_disabled(repo, "thu", True, actor="root")
    set_disabled(repo, "thu", False, actor="root")
    set_roles(repo, "thu", ["supervisor"], actor="cli:ops")
    repo.refresh()
    # details is stored, not indexed: read every event of this fresh index and keep thu's.
    hits = repo.client.search(index=repo.events, query={"match_all": {}}, sort=[{"at": "asc"}], size=50)["hits"]["hits"]
    trail = [(h["_source"]["action"], h["_source"]["actor"]) for h in hits
             if h["_source"].get("details", {}).get("username") == "thu"]
    assert trail == [("user_created", "root"), ("password_reset", "cli:ops"), ("user_disabled", "root"),
                     ("user_enabled", "root"), ("roles_changed", "cli:ops")]
    with pytest.raises(AccountError, match="Roles must be among"):
        set_roles(repo, "thu", ["boss"], actor="root")
