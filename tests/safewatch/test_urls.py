from safewatch.urls import is_web_url


def test_only_http_and_https_addresses_with_a_host_are_web_urls():
    assert is_web_url("https://x.example/p?q=1") and is_web_url(" HTTP://x.example ")
    for not_web in ("javascript:alert(1)", "file:///etc/passwd", "//x.example/p", "http://", "http://[::1",
                    "mailto:a@x.example", "data:text/html,x", "", None, 42):
        assert not is_web_url(not_web), not_web
