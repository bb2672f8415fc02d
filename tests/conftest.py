"""Shared fixtures: a real Elasticsearch node (the embedded one, started or reused, or the cluster
named by SAFEWATCH_ES_URL), a unique index prefix per run, a model trained on the seed corpus, the
demo site on a free port, and the Flask app."""

from __future__ import annotations

import os
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from safewatch.config import Config


@pytest.fixture(scope="session")
def base_config(tmp_path_factory) -> Config:
    config = Config.from_env()
    return replace(config, index_prefix=f"swtest-{uuid.uuid4().hex[:8]}",
                   model_dir=tmp_path_factory.mktemp("models"),
                   secret_key="test-secret-key-not-for-production")


@pytest.fixture(scope="session")
def es_node(base_config):
    """Ensures a node answers for the whole session; stops it afterwards only if we started it."""
    if not base_config.uses_embedded_es:
        yield base_config
        return
    from index.node import launcher as embedded
    paths = embedded.NodePaths.for_config(base_config)
    was_running = embedded.read_pid(paths) is not None and embedded.http_ready(base_config)
    embedded.start(base_config, log=lambda message: None)
    yield base_config
    if not was_running and os.environ.get("SAFEWATCH_KEEP_ES") != "1":
        embedded.stop(base_config, log=lambda message: None)


@pytest.fixture(scope="session")
def config(es_node) -> Config:
    return es_node


@pytest.fixture(scope="session")
def es_client(config):
    from index.storage.connection import make_client
    client = make_client(config)
    yield client
    client.close()


@pytest.fixture
def repo(es_client, config):
    """A repository with its own fresh indices, for tests that count documents."""
    from index.storage.repository import Repository
    repository = Repository(es_client, f"{config.index_prefix}-{uuid.uuid4().hex[:6]}")
    repository.setup()
    yield repository
    repository.drop_all()


@pytest.fixture(scope="session")
def trained_models(base_config) -> Path:
    from classifier.train import train
    train(base_config.models_path, log=lambda message: None)
    return base_config.models_path


@pytest.fixture(scope="session")
def classifier(trained_models):
    from classifier.predict import Classifier
    return Classifier.load(trained_models)


@pytest.fixture
def demo_site():
    from crawlers.demo_server import DemoSite
    with DemoSite(port=0) as site:
        yield site


@pytest.fixture
def app(config, repo):
    from review_ui import create_app
    app = create_app(replace(config, index_prefix=repo.prefix), {"TESTING": True, "WTF_CSRF_ENABLED": False})
    yield app


@pytest.fixture
def client(app):
    return app.test_client()

