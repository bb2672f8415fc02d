"""Builds the Elasticsearch client from configuration (embedded node or SAFEWATCH_ES_URL)."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from safewatch.config import Config


def make_client(config: Config) -> Elasticsearch:
    # A timed-out request is not sent again: a hung node costs one timeout per batch, not four, and
    # the crawl spools what it could not write. Refused connections are retried twice.
    options: dict = {"request_timeout": config.es_request_timeout, "retry_on_timeout": False,
                     "max_retries": 2}
    if config.es_api_key:
        options["api_key"] = config.es_api_key
    elif config.es_username:
        options["basic_auth"] = (config.es_username, config.es_password or "")
    if config.es_ca_certs:
        options["ca_certs"] = config.es_ca_certs
    return Elasticsearch(config.es_address, **options)


def open_repository(config: Config):
    """The repository for this configuration, with its spool folder for audit events."""
    from index.storage.repository import Repository
    _move_legacy_audit_spool(config)
    return Repository(make_client(config), config.index_prefix, spool_dir=config.audit_spool_path)


def _move_legacy_audit_spool(config: Config) -> None:
    """Versions before 0.2 spooled audit events among the posts (spool/<prefix>/events.jsonl): move
    them to their own folder, appended after any events already waiting there."""
    legacy = config.spool_path / "events.jsonl"
    if not legacy.is_file():
        return
    config.audit_spool_path.mkdir(parents=True, exist_ok=True)
    with (config.audit_spool_path / "events.jsonl").open("a", encoding="utf-8") as stream:
        stream.write(legacy.read_text(encoding="utf-8"))
    legacy.unlink()
