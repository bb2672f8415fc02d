"""The source registry: the shipped file is valid; every mistake names the source and the field."""

import os
import re
import subprocess
import sys

import pytest

from crawlers.registry import DEFAULT_FILE, SourceError, find, load_sources


def test_shipped_registry_is_valid():
    sources = load_sources()
    demo = find(sources, "demo-forum")
    assert demo.kind == "html" and demo.urls("http://127.0.0.1:1") == ["http://127.0.0.1:1/index.html"]
    assert demo.forum_rules.post == "article.post" and demo.schedule_text == "6h"


GOOD = """sources:
  - id: f1
    name: Forum one
    platform: forum
    kind: html
    start_urls: ["https://forum.example/"]
"""


@pytest.mark.parametrize(("change", "message"), [
    (("kind: html", "kind: forumm"), "source 'f1', field 'kind': unknown kind 'forumm'"),
    (("kind: html", "kind: rss\n    options: {colour: red}"), "source 'f1', field 'options': unknown option(s) colour"),
    (("kind: html", "kind: mastodon\n    rules: {post: div}"), "only kinds html, rss, sitemap use rules"),
    (("kind: html", "kind: html\n    options: {x: 1}"), "field 'options': kind 'html' takes no options"),
    (('start_urls: ["https://forum.example/"]', "start_urls: [forum.example]"), "field 'start_urls'"),
    (("    platform: forum\n", ""), "field 'platform': missing"),
    (("id: f1", "id: F 1"), "field 'id'"),
    (("kind: html", "kind: html\n    schedule: weekly"), "field 'schedule': 'weekly' is not like"),
    (("kind: html", "kind: html\n    rate_limit: {concurrency: 0}"), "concurrency must be"),
    (("kind: html", "kind: html\n    rules: {post: 'div[[['}"), "rule 'post': bad CSS selector"),
    (("kind: html", "kind: html\n    rules: {postt: div}"), "unknown rule 'postt'"),
    (("kind: html", "kind: html\n    colour: red"), "field 'colour': unknown field"),
])
def test_mistakes_are_reported_with_source_and_field(tmp_path, change, message):
    path = tmp_path / "sources.yml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(SourceError, match=re.escape(message)):
        load_sources(path)


def test_duplicate_ids_and_bad_yaml(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(GOOD + GOOD.replace("sources:\n", ""), encoding="utf-8")
    with pytest.raises(SourceError, match="id used twice"):
        load_sources(path)
    path.write_text("sources: [", encoding="utf-8")
    with pytest.raises(SourceError, match="not valid YAML"):
        load_sources(path)


def test_a_registry_that_is_not_utf8_is_named_with_its_line(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_bytes(GOOD.replace("sources:\n", "sources:\n# Di\u1ec5n \u0111\u00e0n\n").encode("utf-8")
                     + "  # Diễn đàn\n".encode("cp1258", errors="replace") + b"  # \xe9\n")
    with pytest.raises(SourceError, match=r"sources.yml: not UTF-8 text \(byte 0x[0-9a-f]{2} on line \d+\)"):
        load_sources(path)
    crawl = subprocess.run([sys.executable, "-m", "safewatch", "crawl", "f1"], capture_output=True, text=True,
                           env={**os.environ, "SAFEWATCH_SOURCES_FILE": str(path)})
    assert crawl.returncode == 1 and "Traceback" not in crawl.stderr and "not UTF-8 text" in crawl.stderr


def test_sources_list_show_and_check_from_the_command_line(tmp_path):
    run = [sys.executable, "-m", "safewatch", "sources"]
    listed = subprocess.run([*run, "list"], capture_output=True, text=True)
    assert "demo-forum" in listed.stdout and "demo-feed" in listed.stdout
    shown = subprocess.run([*run, "show", "demo-forum"], capture_output=True, text=True)
    assert "rule        post: article.post" in shown.stdout
    assert subprocess.run([*run, "validate"], capture_output=True, text=True).returncode == 0
    bad = tmp_path / "bad.yml"
    bad.write_text(GOOD.replace("kind: html", "kind: forumm"), encoding="utf-8")
    failed = subprocess.run([*run, "validate", str(bad)], capture_output=True, text=True)
    assert failed.returncode == 1 and "source 'f1', field 'kind'" in failed.stderr
    missing = subprocess.run([*run, "show", "nope"], capture_output=True, text=True,
                             env={**os.environ, "SAFEWATCH_SOURCES_FILE": str(DEFAULT_FILE)})
    assert missing.returncode == 1 and "No source 'nope'" in missing.stderr


def test_commented_examples_of_every_kind_in_the_shipped_registry_are_valid():
    import yaml

    from crawlers.kinds import KINDS
    from crawlers.registry import _parse
    examples = DEFAULT_FILE.read_text(encoding="utf-8").split("# Examples of the other kinds")[1]
    lines = [line[2:] for line in examples.splitlines() if line.startswith("# ")]
    entries = yaml.safe_load("\n".join(line for line in lines if line.startswith((" ", "-"))))
    sources = [_parse(entry, f"example #{n}") for n, entry in enumerate(entries)]
    assert {s.kind for s in sources} | {s.kind for s in load_sources()} == set(KINDS)


def test_xpath_rules_are_checked_too(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(GOOD.replace("kind: html", "kind: html\n    rules: {post: \"xpath://div[@class='c']\"}"),
                    encoding="utf-8")
    assert load_sources(path)[0].forum_rules.post == "xpath://div[@class='c']"
    path.write_text(GOOD.replace("kind: html", "kind: html\n    rules: {post: \"xpath://div[[\"}"), encoding="utf-8")
    with pytest.raises(SourceError, match="rule 'post': bad XPath expression"):
        load_sources(path)
