"""Configuration: defaults in code, overrides from SAFEWATCH_* environment variables.

No module-level singleton: callers build a Config (usually `Config.from_env()`) and pass it on.
Secrets (Elasticsearch credentials, the Flask secret key) only ever come from the environment or
from files under var/, which git ignores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _default_var_dir() -> Path:
    # In a checkout (the usual case) state lives in <checkout>/var; an installed copy uses ./var.
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "var"
    return Path.cwd() / "var"


@dataclass(frozen=True)
class Config:
    """Every setting SafeWatch reads, with its default."""

    var_dir: Path = field(default_factory=_default_var_dir)
    # Elasticsearch: when es_url is set, that cluster is used and nothing is started locally.
    es_url: str | None = None
    es_api_key: str | None = None
    es_username: str | None = None
    es_password: str | None = None
    es_ca_certs: str | None = None
    es_request_timeout: float = 30.0
    index_prefix: str = "safewatch"
    # The embedded node (used only when es_url is not set).
    embedded_es_port: int = 9250
    embedded_es_heap: str = "1g"
    # Notices: platforms must remove content within 24 hours of a request (Decree 147/2024).
    takedown_deadline_hours: float = 24.0
    notice_reference_suffix: str = "SW"  # reference numbers read "0001/2026/SW"
    # Classifier and crawling.
    model_dir: Path | None = None
    rules_file: Path | None = None  # default: classifier/rules/watch_rules.yml
    backend: str = "sklearn"  # sklearn | transformer | ensemble
    quantize: bool = False  # int8 dynamic quantisation of the transformer on CPU
    sources_file: Path | None = None  # default: crawlers/sources.yml
    user_agent: str = "SafeWatchBot/0.1 (+child-protection crawler of a police cyber unit)"
    demo_site_port: int = 8765
    evidence_dir: Path | None = None  # default: <var>/evidence (raw captures, kept as evidence)
    recheck_hours: float = 6.0  # how often posts under a warning or removal request are fetched again
    download_timeout: float = 30.0  # seconds for one page (a slow server costs no more)
    max_page_bytes: int = 10 * 1024 * 1024  # a larger page, or one that unpacks larger, is dropped
    # Media of new posts kept in the evidence store (crawlers/media.py): how many per post (0: none),
    # how large.
    max_media_per_post: int = 4
    max_media_bytes: int = 5 * 1024 * 1024  # a larger image is recorded as skipped, never kept
    # Review UI.
    ui_host: str = "127.0.0.1"
    ui_port: int = 5000
    secret_key: str | None = None
    # Sign-in and sessions (index/login_throttle.py, index/sessions.py).
    session_idle_minutes: float = 30.0  # a session unused this long ends
    session_max_hours: float = 12.0  # and any session ends this long after sign-in
    login_max_failures: int = 5  # wrong passwords in a row that lock an account name (known or not)
    login_lock_minutes: float = 15.0  # the first lock; each further series doubles it, up to a day
    login_address_max_failures: int = 20  # wrong passwords from one client address within the window
    login_address_window_minutes: float = 15.0
    # Reverse proxies in front of the UI whose X-Forwarded-For is believed (0: none, use the peer address).
    trusted_proxies: int = 0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        base = cls()
        var_dir = Path(env["SAFEWATCH_VAR_DIR"]) if env.get("SAFEWATCH_VAR_DIR") else base.var_dir
        return replace(
            base,
            var_dir=var_dir,
            es_url=env.get("SAFEWATCH_ES_URL") or None,
            es_api_key=env.get("SAFEWATCH_ES_API_KEY") or None,
            es_username=env.get("SAFEWATCH_ES_USERNAME") or None,
            es_password=env.get("SAFEWATCH_ES_PASSWORD") or None,
            es_ca_certs=env.get("SAFEWATCH_ES_CA_CERTS") or None,
            es_request_timeout=float(env.get("SAFEWATCH_ES_TIMEOUT", base.es_request_timeout)),
            index_prefix=env.get("SAFEWATCH_INDEX_PREFIX", base.index_prefix),
            takedown_deadline_hours=float(env.get("SAFEWATCH_TAKEDOWN_DEADLINE_HOURS", base.takedown_deadline_hours)),
            notice_reference_suffix=env.get("SAFEWATCH_NOTICE_REFERENCE_SUFFIX", base.notice_reference_suffix),
            embedded_es_port=int(env.get("SAFEWATCH_ES_PORT", base.embedded_es_port)),
            embedded_es_heap=env.get("SAFEWATCH_ES_HEAP", base.embedded_es_heap),
            model_dir=Path(env["SAFEWATCH_MODEL_DIR"]) if env.get("SAFEWATCH_MODEL_DIR") else None,
            rules_file=Path(env["SAFEWATCH_RULES_FILE"]) if env.get("SAFEWATCH_RULES_FILE") else None,
            backend=env.get("SAFEWATCH_BACKEND", base.backend),
            sources_file=Path(env["SAFEWATCH_SOURCES_FILE"]) if env.get("SAFEWATCH_SOURCES_FILE") else None,
            quantize=env.get("SAFEWATCH_QUANTIZE", "0") == "1",
            demo_site_port=int(env.get("SAFEWATCH_DEMO_SITE_PORT", base.demo_site_port)),
            evidence_dir=Path(env["SAFEWATCH_EVIDENCE_DIR"]) if env.get("SAFEWATCH_EVIDENCE_DIR") else None,
            recheck_hours=float(env.get("SAFEWATCH_RECHECK_HOURS", base.recheck_hours)),
            download_timeout=float(env.get("SAFEWATCH_DOWNLOAD_TIMEOUT", base.download_timeout)),
            max_page_bytes=int(env.get("SAFEWATCH_MAX_PAGE_BYTES", base.max_page_bytes)),
            max_media_per_post=int(env.get("SAFEWATCH_MAX_MEDIA_PER_POST", base.max_media_per_post)),
            max_media_bytes=int(env.get("SAFEWATCH_MAX_MEDIA_BYTES", base.max_media_bytes)),
            ui_host=env.get("SAFEWATCH_UI_HOST", base.ui_host),
            ui_port=int(env.get("SAFEWATCH_UI_PORT", base.ui_port)),
            secret_key=env.get("SAFEWATCH_SECRET_KEY") or None,
            session_idle_minutes=float(env.get("SAFEWATCH_SESSION_IDLE_MINUTES", base.session_idle_minutes)),
            session_max_hours=float(env.get("SAFEWATCH_SESSION_MAX_HOURS", base.session_max_hours)),
            login_max_failures=int(env.get("SAFEWATCH_LOGIN_MAX_FAILURES", base.login_max_failures)),
            login_lock_minutes=float(env.get("SAFEWATCH_LOGIN_LOCK_MINUTES", base.login_lock_minutes)),
            login_address_max_failures=int(env.get("SAFEWATCH_LOGIN_ADDRESS_MAX_FAILURES",
                                                   base.login_address_max_failures)),
            login_address_window_minutes=float(env.get("SAFEWATCH_LOGIN_ADDRESS_WINDOW_MINUTES",
                                                       base.login_address_window_minutes)),
            trusted_proxies=int(env.get("SAFEWATCH_TRUSTED_PROXIES", base.trusted_proxies)),
        )

    @property
    def uses_embedded_es(self) -> bool:
        return self.es_url is None

    @property
    def es_address(self) -> str:
        return self.es_url or f"http://127.0.0.1:{self.embedded_es_port}"

    @property
    def models_path(self) -> Path:
        return self.model_dir or self.var_dir / "models"

    @property
    def evidence_path(self) -> Path:
        return self.evidence_dir or self.var_dir / "evidence"

    def with_overrides(self, **changes: object) -> Config:
        return replace(self, **changes)
