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
    return run_server(app, host, port, threads=config.ui_threads)


def run_server(app, host: str, port: int, *, threads: int) -> int:
    """Serve `app` with waitress (a production WSGI server: a pool of `threads` workers) until
    Ctrl-C or SIGTERM, then stop accepting, finish the requests in flight and return 0.

    The signal handlers are set here because a crawl run in the same process (the demo) leaves
    Twisted's behind, which ignore both signals once its reactor has stopped."""
    import signal

    from waitress.server import create_server

    def stop(signum, frame):
        raise KeyboardInterrupt

    server = create_server(app, host=host, port=port, threads=threads, ident="SafeWatch")
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"SafeWatch review UI on http://{host}:{port}/  ({threads} threads; Ctrl-C to stop)", flush=True)
    try:
        server.run()  # returns on KeyboardInterrupt, after shutting its workers down
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print("Review UI stopped.", flush=True)
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
    from index.casework.accounts import create_user, generate_password
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
    from index.casework.accounts import set_disabled
    set_disabled(repository(config), args.username, True, actor=cli_actor())
    print(f"Disabled {args.username}.")
    return 0


def users_enable(config: Config, args) -> int:
    from index.casework.accounts import set_disabled
    set_disabled(repository(config), args.username, False, actor=cli_actor())
    print(f"Enabled {args.username}.")
    return 0


def users_password(config: Config, args) -> int:
    import getpass
    import sys

    from index.casework.accounts import generate_password, set_password
    if args.generate:
        password = generate_password()
    elif sys.stdin.isatty():
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            print("error: the two passwords differ.", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    set_password(repository(config), args.username, password, actor=cli_actor())
    print(f"New password of {args.username}" + (f" (shown once): {password}" if args.generate else " set.")
          + " Its sessions have ended.")
    return 0


def users_roles(config: Config, args) -> int:
    from index.casework.accounts import set_roles
    roles = sorted(set(args.roles))
    set_roles(repository(config), args.username, roles, actor=cli_actor())
    print(f"{args.username}: {', '.join(roles)}.")
    return 0
