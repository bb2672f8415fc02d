# The two commands of the README. Both set up whatever is missing (virtualenv, Python packages,
# the Elasticsearch jars from Maven Central) and are safe to run again.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(shell sha1sum pyproject.toml | cut -c1-12)
# `make run` installs what the default path needs; `make test` adds the test tools, the benchmarks'
# extras and torch (the transformer backend's tests; the PyPI build is several GB).
INSTALLED := $(VENV)/.installed-run-$(STAMP)
INSTALLED_ALL := $(VENV)/.installed-all-$(STAMP)
# The browser tests (tests/browser) drive Debian's Chromium; fonts-dejavu-core has the Vietnamese glyphs.
# Playwright comes from the test extra and never downloads a browser of its own. PDF documents use
# Liberation Serif (Times New Roman-compatible): bookworm's fonts-liberation2 (fonts-liberation 1.x lacks
# Vietnamese letters); without it they fall back to the bundled DejaVu Serif and say so in the log.
BROWSER_PACKAGES := chromium fonts-dejavu-core fonts-liberation2
BROWSER_FILES := /usr/bin/chromium /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
  /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: run test setup setup-all browser lint translations clean help

help:
	@echo "make run   - the demo end to end: Elasticsearch, crawl, classify, index, review UI on :5000"
	@echo "make test  - the test suite against a real Elasticsearch node"
	@echo "make lint  - ruff, and mypy on the core, storage and casework layers"
	@echo "make translations - the review UI's messages: extract, merge into the Vietnamese catalog, compile"
	@echo "make clean - remove the virtualenv and var/ (indices, models, the node)"

PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if [ -e $(INSTALLED_ALL) ]; then touch $@; else \
	  $(PIP_INSTALL) '.' && rm -f $(VENV)/.installed-run-* && touch $@; fi

$(INSTALLED_ALL): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) '.[test,torch,bench]'
	@rm -f $(VENV)/.installed-* && touch $@ $(INSTALLED)

setup: $(INSTALLED)
	$(BIN)/safewatch es build

setup-all: $(INSTALLED_ALL)
	$(BIN)/safewatch es build

# Nothing to do when both are there; otherwise install them (refreshing the package lists only if needed).
browser:
	@for file in $(BROWSER_FILES); do test -e $$file || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing $(BROWSER_PACKAGES) for the browser tests"; \
	  $(APT_GET) install -y --no-install-recommends $(BROWSER_PACKAGES) \
	  || { $(APT_GET) update && $(APT_GET) install -y --no-install-recommends $(BROWSER_PACKAGES); }; \
	fi

run: setup
	$(BIN)/safewatch demo

test: setup-all lint browser
	$(BIN)/pytest

# ruff on everything; mypy on the lower layers (docs/architecture.md): the core, storage and casework.
TYPED := safewatch/*.py index/storage index/casework
lint: $(INSTALLED_ALL)
	$(BIN)/ruff check .
	$(BIN)/mypy $(TYPED)

# The review UI's messages are English in the code; review_ui/translations/vi holds their Vietnamese.
# Extract them, merge them into the catalog (new ones arrive untranslated: translate them in the .po,
# then run this again to compile the .mo, which is committed so that nothing needs building).
# The errors of index/ shown in the UI (review_ui/language.py DOMAIN_ERRORS) are keywords too.
BABEL_KEYWORDS := -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -k TransitionError -k ConcurrentChange \
  -k NoticeError -k AccountError -k PeriodError -k SavedSearchError -k SavedSearchNotFound -k IndexBusy -k QueryError \
  -k PermissionDenied -k NoticeStateError -k AlreadyHolding -k NarrativeError -k NarrativeChanged -k CaseError \
  -k CaseNotFound -k TipError -k PartnerError -k TooManyTips
translations: $(INSTALLED_ALL)
	@mkdir -p var
	$(BIN)/pybabel extract -F review_ui/babel.cfg $(BABEL_KEYWORDS) --add-location=file --sort-by-file --no-wrap \
	  --project=SafeWatch --copyright-holder=SafeWatch -o var/messages.pot review_ui index
	$(BIN)/pybabel update -i var/messages.pot -d review_ui/translations -l vi --no-wrap --no-fuzzy-matching \
	  --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d review_ui/translations -l vi --statistics

clean:
	-$(BIN)/safewatch es stop
	rm -rf $(VENV) var index/node/server/target
