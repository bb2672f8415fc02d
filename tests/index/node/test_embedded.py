"""A second embedded node, on its own port and data folder: start, reuse, refuse a foreign node on
the same port, stop cleanly."""

from dataclasses import replace

import pytest

from index.node import launcher as embedded
from index.storage.connection import make_client


@pytest.fixture
def node_config(config, tmp_path):
    if not config.uses_embedded_es:
        pytest.skip("SAFEWATCH_ES_URL is set: no embedded node in use")
    return replace(config, var_dir=tmp_path / "var", embedded_es_port=config.embedded_es_port + 17,
                   embedded_es_heap="512m")


def test_start_reuse_refuse_and_stop(node_config, tmp_path):
    quiet = {"log": lambda message: None}
    paths = embedded.NodePaths.for_config(node_config)
    pid = embedded.start(node_config, **quiet)
    try:
        assert embedded.read_pid(paths) == pid
        info = make_client(node_config).info()
        assert info["version"]["number"].startswith("8.") and info["cluster_name"] == "safewatch"
        assert embedded.start(node_config, **quiet) == pid  # already running: reused
        stranger = replace(node_config, var_dir=tmp_path / "other")
        with pytest.raises(embedded.EmbeddedNodeError, match="already served by another Elasticsearch"):
            embedded.start(stranger, **quiet)
    finally:
        assert embedded.stop(node_config, **quiet)
    assert embedded.read_pid(paths) is None and not paths.pid_file.exists()
    assert not embedded.http_ready(node_config)


def test_a_failed_start_shows_the_nodes_own_error(node_config):
    paths = embedded.build(node_config, log=lambda message: None)
    bad_module = paths.modules / "broken"
    bad_module.mkdir()
    (bad_module / "plugin-descriptor.properties").write_text("name=broken\n")
    try:
        with pytest.raises(embedded.EmbeddedNodeError, match="exited with code"):
            embedded.start(node_config, log=lambda message: None, timeout=120)
    finally:
        for child in bad_module.iterdir():
            child.unlink()
        bad_module.rmdir()
    assert embedded.read_pid(paths) is None
