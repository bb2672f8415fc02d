"""What the browser tests put in their index: the users and the hostile post."""

PASSWORD = "correct-horse-battery"
USERS = {  # username -> roles; one reviewer per test that claims, so tests do not share a claim
    "lan": ["reviewer"], "minh": ["reviewer"], "hoa": ["reviewer"], "tuan": ["reviewer"], "thu": ["reviewer"],
    "vy": ["reviewer"], "khoa": ["reviewer"], "linh": ["reviewer"], "an": ["analyst"],
    "son": ["supervisor"], "quan": ["admin"],
}

HOSTILE_TEXT = "<img src=x onerror=alert(1)><script>alert(2)</script>"
HOSTILE_URL = "javascript:alert(3)"
HOSTILE_AUTHOR = '"><svg onload=alert(4)>'
