"""`safewatch platforms list|validate`: the platform registry that addresses notices."""

from __future__ import annotations

from safewatch import platforms
from safewatch.config import Config


def platforms_list(config: Config, args) -> int:
    registry = platforms.load(config.platforms_file)
    for platform in registry.platforms.values():
        print(f"{platform.code:<12} {platform.legal_name} · {platform.address} · "
              f"{platform.contact_channel}: {platform.contact}")
    return 0


def platforms_validate(config: Config, args) -> int:
    path = args.file or config.platforms_file or platforms.DEFAULT_FILE
    registry = platforms.load(path)
    print(f"{path}: {len(registry)} platform(s), all valid.")
    return 0
