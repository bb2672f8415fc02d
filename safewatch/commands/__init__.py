"""The `safewatch` command's handlers, by group; each imports the packages it needs when it runs,
so `safewatch --help` stays instant."""

from __future__ import annotations

from safewatch.config import Config


def repository(config: Config):
    from index.storage.connection import open_repository
    return open_repository(config)
