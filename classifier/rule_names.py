"""The names of the watch rules' patterns (classifier/rules/watch_rules.yml), for showing a rule hit
as people call it ("Giá tiền") rather than as its regular expression."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from classifier.rules import DEFAULT_RULES


@lru_cache(maxsize=4)
def pattern_names(path: Path = DEFAULT_RULES) -> dict[tuple[str, str], dict[str, str]]:
    """(category or frame, regex) -> {"vi": name, "en": English name (the Vietnamese one if none)}."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    sections = {**{code: entry for code, entry in raw.items() if code != "context"}, **(raw.get("context") or {})}
    names = {}
    for code, entry in sections.items():
        for pattern in (entry or {}).get("patterns") or []:
            if isinstance(pattern, dict) and pattern.get("name"):
                name = str(pattern["name"])
                names[(code, str(pattern.get("pattern")))] = {"vi": name, "en": str(pattern.get("name_en") or name)}
    return names
