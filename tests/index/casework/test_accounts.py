"""Accounts: hashed passwords, and login throttling after wrong passwords (even the right password
is refused while locked; the lock grows with each further series; a reset clears it)."""

from datetime import UTC, datetime, timedelta

import pytest

from index.casework import login_throttle
from index.casework.accounts import (
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
    with pytest.raises(AccountError, match="at least 12"):
        create_user(repo, "minh", "short", ["reviewer"], actor="test")
    set_disabled(repo, "lan", True, actor="test")
    assert authenticate(repo, "lan", PASSWORD, now=T0) is None


def test_wrong_passwords_lock_the_account_for_a_while(repo):
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert authenticate(repo, "lan", "guess-guess", now=T0) is None
    assert authenticate(repo, "lan", PASSWORD, now=T0)  # a success before the limit clears the count
    assert login_throttle.failures(repo, "lan") == 0

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


def test_unknown_names_lock_like_real_ones(repo):
    # The same answers, in the same order, for an account that exists and one that does not: a lock
    # tells nobody which names exist (the old code raised only for real accounts).
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    for name in ("lan", "nobody-here"):
        for _ in range(MAX_FAILED_LOGINS):
            assert authenticate(repo, name, "guess-guess", client_address=f"10.0.0.{len(name)}", now=T0) is None
        with pytest.raises(AccountLocked, match="15 more minute"):
            authenticate(repo, name, PASSWORD, client_address="10.0.0.99", now=T0)


def test_one_address_is_throttled_across_names_in_a_sliding_window(repo):
    from index.casework.login_throttle import LoginPolicy
    policy = LoginPolicy(max_failures=5, address_max_failures=4, address_window_minutes=10)
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    for minute, name in enumerate(("a1", "b2", "c3", "d4")):  # different names: no name lock
        assert authenticate(repo, name, "guess-guess", client_address="203.0.113.7", policy=policy,
                            now=T0 + timedelta(minutes=minute)) is None
    with pytest.raises(AccountLocked) as refused:  # even the right password of a real account
        authenticate(repo, "lan", PASSWORD, client_address="203.0.113.7", policy=policy, now=T0 + timedelta(minutes=4))
    assert refused.value.minutes == 6  # until the first guess leaves the window
    assert authenticate(repo, "lan", PASSWORD, client_address="198.51.100.1", policy=policy,
                        now=T0 + timedelta(minutes=4))  # another address is not affected
    assert authenticate(repo, "lan", PASSWORD, client_address="203.0.113.7", policy=policy,
                        now=T0 + timedelta(minutes=10, seconds=1))  # one guess has left the window


def test_a_success_does_not_wipe_the_address_count(repo):
    from index.casework.login_throttle import LoginPolicy
    policy = LoginPolicy(address_max_failures=3)
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    for name in ("x1", "x2"):
        authenticate(repo, name, "guess-guess", client_address="203.0.113.8", policy=policy, now=T0)
    for _ in range(3):  # an attacker's own account cannot reset the count for its address
        assert authenticate(repo, "lan", PASSWORD, client_address="203.0.113.8", policy=policy, now=T0)
    authenticate(repo, "x3", "guess-guess", client_address="203.0.113.8", policy=policy, now=T0)
    with pytest.raises(AccountLocked):
        authenticate(repo, "lan", PASSWORD, client_address="203.0.113.8", policy=policy, now=T0)


def test_weak_passwords_are_refused_everywhere(repo):
    from index.casework.accounts import check_password_rule, common_passwords
    assert len(common_passwords()) > 10_000
    create_user(repo, "minh", PASSWORD, ["reviewer"], actor="test")
    for password in ("short-one", "123456789012", "Qwertyuiop123", "matkhau12345", "iloveyou1234", "anhyeuem2025",
                     "the-best-minh-ever"):
        with pytest.raises(AccountError):
            check_password_rule(password, "minh")
        with pytest.raises(AccountError):
            create_user(repo, "minh2", password.replace("minh", "minh2"), ["reviewer"], actor="test")
        with pytest.raises(AccountError):
            set_password(repo, "minh", password, actor="test")
    assert authenticate(repo, "minh", PASSWORD, now=T0)  # none of them was set


def test_generated_passwords_avoid_look_alikes_and_pass_the_rule():
    from index.casework.accounts import check_password_rule, generate_password
    passwords = {generate_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert not set(password) & set("0Oo1lIi"), password
        check_password_rule(password, "lan")


def test_a_new_password_and_disabling_raise_the_session_generation(repo):
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    assert repo.get_user("lan")["session_generation"] == 0
    set_password(repo, "lan", "a-new-long-password", actor="test")
    set_disabled(repo, "lan", True, actor="test")
    set_disabled(repo, "lan", False, actor="test")  # enabling revives no old session
    assert repo.get_user("lan")["session_generation"] == 2


def test_every_account_change_is_audited_with_its_actor(repo):
    from index.casework.accounts import set_roles
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
