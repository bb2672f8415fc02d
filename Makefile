# The two commands of the README. Both set up whatever is missing (virtualenv, Python packages,
# the Elasticsearch jars from Maven Central) and are safe to run again.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test setup lint clean help

help:
	@echo "make run   - the demo end to end: Elasticsearch, crawl, classify, index, review UI on :5000"
	@echo "make test  - the test suite against a real Elasticsearch node"
	@echo "make lint  - ruff"
	@echo "make clean - remove the virtualenv and var/ (indices, models, the node)"

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e '.[test,torch,bench]'
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(INSTALLED)
	$(BIN)/safewatch es build

run: setup
	$(BIN)/safewatch demo

test: setup lint
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .

clean:
	-$(BIN)/safewatch es stop
	rm -rf $(VENV) var index/server/target
