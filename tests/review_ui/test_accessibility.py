"""Accessibility basics of every main page, for every role and in both languages, read from the HTML:
one <h1>, the page's language, a label for every control a user fills in, a name for every button and
link, alternative text for images, and table headers with their scope."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from tests.review_ui.conftest import main_pages

CONTROLS = "//input[not(@type='hidden')] | //select | //textarea"


def text_of(element) -> str:
    return " ".join(element.text_content().split())


def visible(element) -> bool:
    return not element.xpath("ancestor-or-self::*[@hidden]")


def label_of(page, control) -> str:
    """The control's accessible name: aria-label, aria-labelledby, a <label for> or an enclosing <label>."""
    if (control.get("aria-label") or "").strip():
        return control.get("aria-label").strip()
    names = [text_of(page.get_element_by_id(ref)) for ref in (control.get("aria-labelledby") or "").split()
             if page.xpath(f"//*[@id='{ref}']")]
    if control.get("id"):
        names += [text_of(label) for label in page.xpath(f"//label[@for='{control.get('id')}']")]
    names += [text_of(label) for label in control.xpath("ancestor::label")]
    return " ".join(name for name in names if name)


def problems(page) -> list[str]:
    found = []
    if len(page.xpath("//h1")) != 1:
        found.append(f"{len(page.xpath('//h1'))} h1")
    if not (page.get("lang") or "").strip():
        found.append("no lang on <html>")
    if not page.xpath("string(//head/title)").strip():
        found.append("no <title>")
    for control in page.xpath(CONTROLS):
        if visible(control) and not label_of(page, control):
            found.append(f"unlabelled {lxml_html.tostring(control, encoding='unicode')[:120]}")
    for image in page.xpath("//img"):
        if image.get("alt") is None:
            found.append(f"image without alt: {image.get('src')}")
    for graphic in page.xpath("//*[local-name()='svg'][@role='img']"):
        if not (graphic.get("aria-label") or "").strip():
            found.append("svg image without a name")
    for element in page.xpath("//button | //a[@href]"):
        if not text_of(element) and not (element.get("aria-label") or "").strip():
            found.append(f"{element.tag} without a name: {lxml_html.tostring(element, encoding='unicode')[:120]}")
    for header in page.xpath("//thead//th"):
        if header.get("scope") != "col":
            found.append("column header without scope=col")
        elif not text_of(header):
            found.append("empty column header")
    for form in page.xpath("//form[@aria-label]"):
        if not form.get("aria-label").strip():
            found.append("form with an empty aria-label")
    return found


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("username", [None, "lan", "an", "chief", "root"])
def test_main_pages_are_accessible(site, browse, username, language):
    client = browse(username, language)
    checked = 0
    for path in main_pages(site)[username]:
        response = client.get(path)
        assert response.mimetype == "text/html", path
        page = lxml_html.fromstring(response.get_data(as_text=True))
        assert page.get("lang") == language, path
        assert problems(page) == [], (path, response.status_code)
        checked += 1
    assert checked == len(main_pages(site)[username])


def test_error_pages_are_accessible(site, browse):
    client = browse("lan")
    for path, method, status in (("/no-such-page", "get", 404), ("/reports", "get", 403),
                                 (f"/posts/{site.flagged}/decision", "post", 400), ("/queue/next", "get", 405)):
        response = getattr(client, method)(path, data={"action": "nothing"} if method == "post" else None)
        assert response.status_code == status, path
        assert problems(lxml_html.fromstring(response.get_data(as_text=True))) == [], path


def test_the_checks_find_what_they_look_for():
    page = lxml_html.fromstring('<html><head><title>x</title></head><body><h1>a</h1><h1>b</h1>'
                                '<input name="q"><label>Tên <input name="name"></label>'
                                '<label for="s">Sắp xếp</label><select id="s"></select><img src="a.png">'
                                '<button></button><table><thead><tr><th>x</th></tr></thead></table></body></html>')
    assert problems(page) == ["2 h1", "no lang on <html>", 'unlabelled <input name="q">',
                              "image without alt: a.png", "button without a name: <button></button>",
                              "column header without scope=col"]
