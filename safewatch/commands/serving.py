"""Handlers of `safewatch serve`, `users` and `demo`."""

from __future__ import annotations

from safewatch.commands import repository
from safewatch.config import Config


def serve(config: Config, args) -> int:
    from review_ui import create_app
    repository(config).setup()
    app = create_app(config)
    host = args.host or config.ui_host
    port = args.port or config.ui_port
    print(f"SafeWatch review UI on http://{host}:{port}/  (Ctrl-C to stop)")
    from werkzeug.serving import run_simple
    run_simple(host, port, app, threaded=True, use_reloader=False)
    return 0


def cli_actor() -> str:
    """Who changes accounts from the command line, for the audit trail: "cli:<os user>"."""
    import getpass
    import os
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        name = f"uid{os.getuid()}"
    return f"cli:{name}"


def users_add(config: Config, args) -> int:
    from index.accounts import create_user, generate_password
    repo = repository(config)
    repo.setup()
    password = generate_password()
    create_user(repo, args.username, password, sorted(set(args.roles)), args.name, actor=cli_actor())
    print(f"Created {args.username} ({', '.join(sorted(set(args.roles)))}). Password (shown once): {password}")
    return 0


def users_list(config: Config, args) -> int:
    for user in repository(config).list_users():
        state = "disabled" if user.get("disabled") else "active"
        print(f"{user['username']:<24} {','.join(user['roles']):<30} {state}")
    return 0


def users_disable(config: Config, args) -> int:
    from index.accounts import set_disabled
    set_disabled(repository(config), args.username, True, actor=cli_actor())
    print(f"Disabled {args.username}.")
    return 0


def users_enable(config: Config, args) -> int:
    from index.accounts import set_disabled
    set_disabled(repository(config), args.username, False, actor=cli_actor())
    print(f"Enabled {args.username}.")
    return 0


def users_password(config: Config, args) -> int:
    from index.accounts import generate_password, set_password
    password = generate_password()
    set_password(repository(config), args.username, password, actor=cli_actor())
    print(f"New password for {args.username} (shown once): {password}")
    return 0


def users_roles(config: Config, args) -> int:
    from index.accounts import set_roles
    roles = sorted(set(args.roles))
    set_roles(repository(config), args.username, roles, actor=cli_actor())
    print(f"{args.username}: {', '.join(roles)}.")
    return 0


def demo(config: Config, args) -> int:
    from safewatch.demo import run_demo
    return run_demo(config, serve=not args.no_serve)
