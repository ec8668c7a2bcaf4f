import re

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def assert_safe_page(response):
    """The strict CSP is sent and the page has no inline script, style element or style attribute."""
    assert "Content-Security-Policy" in response.headers
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = response.content.decode()
    assert 'style="' not in html
    assert "<style" not in html.lower()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert " onclick=" not in html.lower()
    return html


def login(client, user):
    client.force_login(user)
    return client
