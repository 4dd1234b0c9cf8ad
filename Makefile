# The two commands a newcomer runs. Both set themselves up on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m tracker.demo

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work
# here); a CJK font makes the screenshots readable. Installed once, when missing.
browser:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)
	@test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || (apt-get update && apt-get install -y fonts-wqy-microhei)

test: $(STAMP) browser
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

bench: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
