"""Configuration: defaults in code, overrides from SAFEWATCH_* environment variables.

No module-level singleton: callers build a Config (usually `Config.from_env()`) and pass it on.
Secrets (Elasticsearch credentials, the Flask secret key) only ever come from the environment or
from files under var/, which git ignores.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from safewatch.errors import SafeWatchError

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _default_var_dir() -> Path:
    # In a checkout (the usual case) state lives in <checkout>/var; an installed copy uses ./var.
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "var"
    return Path.cwd() / "var"


class ConfigError(SafeWatchError, ValueError):
    """A SAFEWATCH_* setting that cannot be used as given."""


def _watermarks(text: str | None, default: tuple[str, str, str]) -> tuple[str, str, str]:
    """"low,high,flood": three free-space sizes ("500mb") or three used-disk percentages ("85%")."""
    if not text:
        return default
    parts = tuple(part.strip().lower() for part in text.split(","))
    size, percent = re.compile(r"\d+(?:\.\d+)?(?:b|kb|mb|gb|tb)"), re.compile(r"\d+(?:\.\d+)?%")
    if len(parts) != 3 or not (all(size.fullmatch(p) for p in parts) or all(percent.fullmatch(p) for p in parts)):
        raise ConfigError(f"SAFEWATCH_ES_DISK_WATERMARKS={text!r}: give low,high,flood as three sizes "
                          "(500mb,300mb,100mb: free space) or three percentages (85%,90%,95%: space used).")
    return parts


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
    # Free space below which the embedded node stops placing new shards, moves shards away, and
    # blocks writes (flood stage: writes go to the spool until space is freed). Absolute values suit
    # small disks; percentages ("85%,90%,95%" of the disk used) suit large ones.
    embedded_es_disk_watermarks: tuple[str, str, str] = ("500mb", "300mb", "100mb")
    # Notices: platforms must remove content within 24 hours of a request (Decree 147/2024).
    takedown_deadline_hours: float = 24.0
    notice_reference_suffix: str = "SW"  # reference numbers read "0001/2026/SW"
    # Tips (index/casework/tips.py): hours from receipt to triage; the public page's image limit and how many tips
    # one client address may file per window.
    tip_triage_hours: float = 24.0
    tip_max_image_bytes: int = 3 * 1024 * 1024
    tip_rate_limit: int = 5
    tip_rate_window_minutes: float = 60.0
    platforms_file: Path | None = None  # the platform registry; default: safewatch/platforms.yml
    contact_officer: str = ""  # named in letters ("name, phone"); empty: the drafter's display name
    citations_file: Path | None = None  # the programme and legal citations; default: safewatch/citations.yml
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
    # A 429 or 503 asking to come back later (Retry-After) is waited out up to this many seconds, the
    # whole host backing off; asked to wait longer, the crawl gives up on that page until next time.
    max_retry_after: float = 120.0
    # A 429 or 503 without a usable Retry-After: the host backs off this many seconds before the
    # first retry, twice as long before the next.
    retry_back_off: float = 5.0
    # Media of new posts kept in the evidence store (index/storage/media.py): how many per post (0: none),
    # how large.
    max_media_per_post: int = 4
    max_media_bytes: int = 5 * 1024 * 1024  # a larger image is recorded as skipped, never kept
    # The crawler fetches only the public web (crawlers/address_policy.py); private hosts a deployment
    # really watches are allowed here, each "host" or "host:port".
    crawl_allow_private: tuple[str, ...] = ()
    # The scheduler (crawlers/scheduler.py): a failed crawl is retried after this many seconds, the
    # wait doubling after each further failure up to the source's schedule; overdue notices are
    # marked this often whatever the crawls do; a crawl asked to stop (SIGTERM) is killed after the
    # grace period; at most this many crawls run at once.
    scheduler_retry_seconds: float = 300.0
    scheduler_overdue_seconds: float = 300.0
    scheduler_stop_grace: float = 30.0
    scheduler_max_crawls: int = 1
    # Review UI.
    ui_host: str = "127.0.0.1"
    ui_port: int = 5000
    ui_threads: int = 16  # waitress worker threads: enough for a unit's reviewers at once
    secret_key: str | None = None
    # Sign-in and sessions (index/casework/login_throttle.py, index/casework/sessions.py).
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
            tip_triage_hours=float(env.get("SAFEWATCH_TIP_TRIAGE_HOURS", base.tip_triage_hours)),
            tip_max_image_bytes=int(env.get("SAFEWATCH_TIP_MAX_IMAGE_BYTES", base.tip_max_image_bytes)),
            tip_rate_limit=int(env.get("SAFEWATCH_TIP_RATE_LIMIT", base.tip_rate_limit)),
            tip_rate_window_minutes=float(env.get("SAFEWATCH_TIP_RATE_WINDOW_MINUTES", base.tip_rate_window_minutes)),
            platforms_file=Path(env["SAFEWATCH_PLATFORMS_FILE"]) if env.get("SAFEWATCH_PLATFORMS_FILE") else None,
            contact_officer=env.get("SAFEWATCH_CONTACT_OFFICER", base.contact_officer).strip(),
            citations_file=Path(env["SAFEWATCH_CITATIONS_FILE"]) if env.get("SAFEWATCH_CITATIONS_FILE") else None,
            embedded_es_port=int(env.get("SAFEWATCH_ES_PORT", base.embedded_es_port)),
            embedded_es_heap=env.get("SAFEWATCH_ES_HEAP", base.embedded_es_heap),
            embedded_es_disk_watermarks=_watermarks(env.get("SAFEWATCH_ES_DISK_WATERMARKS"),
                                                    base.embedded_es_disk_watermarks),
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
            max_retry_after=float(env.get("SAFEWATCH_MAX_RETRY_AFTER", base.max_retry_after)),
            retry_back_off=float(env.get("SAFEWATCH_RETRY_BACK_OFF", base.retry_back_off)),
            max_media_per_post=int(env.get("SAFEWATCH_MAX_MEDIA_PER_POST", base.max_media_per_post)),
            max_media_bytes=int(env.get("SAFEWATCH_MAX_MEDIA_BYTES", base.max_media_bytes)),
            crawl_allow_private=_comma_separated(env.get("SAFEWATCH_CRAWL_ALLOW_PRIVATE", "")),
            scheduler_retry_seconds=float(env.get("SAFEWATCH_SCHEDULER_RETRY_SECONDS", base.scheduler_retry_seconds)),
            scheduler_overdue_seconds=float(env.get("SAFEWATCH_SCHEDULER_OVERDUE_SECONDS",
                                                    base.scheduler_overdue_seconds)),
            scheduler_stop_grace=float(env.get("SAFEWATCH_SCHEDULER_STOP_GRACE", base.scheduler_stop_grace)),
            scheduler_max_crawls=int(env.get("SAFEWATCH_SCHEDULER_MAX_CRAWLS", base.scheduler_max_crawls)),
            ui_host=env.get("SAFEWATCH_UI_HOST", base.ui_host),
            ui_port=int(env.get("SAFEWATCH_UI_PORT", base.ui_port)),
            ui_threads=int(env.get("SAFEWATCH_UI_THREADS", base.ui_threads)),
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

    @property
    def spool_path(self) -> Path:
        """Posts that Elasticsearch could not take yet (index.storage.ingest.Ingestor replays them)."""
        return self.var_dir / "spool" / self.index_prefix

    @property
    def crawl_locks_path(self) -> Path:
        """One lock file per source (crawlers/crawl_lock.py): one crawl of a source at a time."""
        return self.var_dir / "locks" / self.index_prefix

    @property
    def audit_spool_path(self) -> Path:
        """Audit events that Elasticsearch could not take yet (Repository.replay_events): a folder of
        their own, so that neither replay ever reads the other's files."""
        return self.var_dir / "audit-spool" / self.index_prefix

    def with_overrides(self, **changes: object) -> Config:
        return replace(self, **changes)  # type: ignore[arg-type]  # dataclasses.replace checks the names


def _comma_separated(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())
