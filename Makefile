# The two commands of the README. Both set up whatever is missing (virtualenv, Python packages,
# the Elasticsearch jars from Maven Central) and are safe to run again.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
# The browser tests (tests/browser) drive Debian's Chromium; fonts-dejavu-core has the Vietnamese glyphs.
# Playwright comes from the test extra and never downloads a browser of its own.
BROWSER_PACKAGES := chromium fonts-dejavu-core
BROWSER_FILES := /usr/bin/chromium /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: run test setup browser lint translations clean help

help:
	@echo "make run   - the demo end to end: Elasticsearch, crawl, classify, index, review UI on :5000"
	@echo "make test  - the test suite against a real Elasticsearch node"
	@echo "make lint  - ruff"
	@echo "make translations - the review UI's messages: extract, merge into the Vietnamese catalog, compile"
	@echo "make clean - remove the virtualenv and var/ (indices, models, the node)"

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e '.[test,torch,bench]'
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(INSTALLED)
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

test: setup lint browser
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .

# The review UI's messages are English in the code; review_ui/translations/vi holds their Vietnamese.
# Extract them, merge them into the catalog (new ones arrive untranslated: translate them in the .po,
# then run this again to compile the .mo, which is committed so that nothing needs building).
# The errors of index/ shown in the UI (review_ui/language.py DOMAIN_ERRORS) are keywords too.
BABEL_KEYWORDS := -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -k TransitionError -k ConcurrentChange \
  -k NoticeError -k AccountError -k PeriodError -k SavedSearchError -k SavedSearchNotFound -k IndexBusy -k QueryError \
  -k PermissionDenied -k NoticeStateError
translations: $(INSTALLED)
	@mkdir -p var
	$(BIN)/pybabel extract -F review_ui/babel.cfg $(BABEL_KEYWORDS) --add-location=file --sort-by-file --no-wrap \
	  --project=SafeWatch --copyright-holder=SafeWatch -o var/messages.pot review_ui index
	$(BIN)/pybabel update -i var/messages.pot -d review_ui/translations -l vi --no-wrap --no-fuzzy-matching \
	  --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d review_ui/translations -l vi --statistics

clean:
	-$(BIN)/safewatch es stop
	rm -rf $(VENV) var index/server/target
