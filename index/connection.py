"""Builds the Elasticsearch client from configuration (embedded node or SAFEWATCH_ES_URL)."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from safewatch.config import Config


def make_client(config: Config) -> Elasticsearch:
    options: dict = {"request_timeout": config.es_request_timeout, "retry_on_timeout": True,
                     "max_retries": 3}
    if config.es_api_key:
        options["api_key"] = config.es_api_key
    elif config.es_username:
        options["basic_auth"] = (config.es_username, config.es_password or "")
    if config.es_ca_certs:
        options["ca_certs"] = config.es_ca_certs
    return Elasticsearch(config.es_address, **options)


def open_repository(config: Config):
    """The repository for this configuration, with its spool folder for audit events."""
    from index.repository import Repository
    return Repository(make_client(config), config.index_prefix,
                      spool_dir=config.var_dir / "spool" / config.index_prefix)
