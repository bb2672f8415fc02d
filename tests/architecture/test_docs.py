"""docs/architecture.md and docs/domain.md say what the code holds: every package layer, category and
status they must name is named, and every module path they cite exists."""

from __future__ import annotations

import re
from pathlib import Path

from safewatch.statuses import STATUSES
from safewatch.taxonomy import CATEGORIES
from tests.architecture.test_layers import LAYERS

DOCS = Path(__file__).resolve().parents[2] / "docs"
ROOT = DOCS.parent


def test_the_domain_brief_names_every_category_and_status_of_the_code():
    text = (DOCS / "domain.md").read_text(encoding="utf-8")
    assert [code for code in (c.code for c in CATEGORIES) if f"`{code}`" not in text] == []
    assert [status for status in STATUSES if f"| `{status}` |" not in text] == []


def test_the_architecture_map_names_every_layer_and_cites_only_files_that_exist():
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    for prefix, _, _ in LAYERS:
        if prefix != "index":
            assert prefix.replace(".", "/") in text.replace("__main__.py", "__main__"), prefix
    cited = set(re.findall(r"`((?:safewatch|index|crawlers|classifier|review_ui|tests)/[\w/.-]+)`", text))
    assert cited and [path for path in sorted(cited) if not (ROOT / path).exists()] == []
