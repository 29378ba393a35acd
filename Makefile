# Two entry points: `make demo` and `make test`. Both install everything they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: install browser demo serve test lint typecheck migrations-check services clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,s3]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's chromium; never a downloaded browser.
# The CJK and Thai fonts let the Korean, Japanese and Thai screens render (and be screenshotted).
BROWSER_PKGS := chromium fonts-noto-cjk fonts-thai-tlwg
browser:
	@missing=""; for p in $(BROWSER_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

services:
	@bash scripts/ensure-services.sh

demo: install
	$(BIN)/cliffhanger demo

serve: install
	$(BIN)/cliffhanger serve

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

migrations-check: install
	$(BIN)/cliffhanger db check

test: install browser services lint typecheck migrations-check
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) cliffhanger-data .pytest_cache .mypy_cache .ruff_cache
