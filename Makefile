# The two commands of the README. Everything they need is installed by them.
#   make demo   build the demo warehouse (if missing) and start the dashboard on http://127.0.0.1:8501
#   make test   lint, check generated files, run every test (leaves the work tree as it was)
#   make screenshots   retake the user guide's screenshots (docs/guide/img/) in headless Chromium
#   make cluster  the demo dashboard as PROCESSES processes behind nginx on http://127.0.0.1:$(PORT) (Ctrl-C stops all)
SHELL := /bin/bash
PY := .venv/bin/python
DEMO := data/demo
UNITS ?= 5000
YEARS ?= 2016-2020
PORT ?= 8501
PROCESSES ?= 2

.PHONY: demo test screenshots cluster venv system system-nginx clean-demo

venv: .venv/.installed
.venv/.installed: requirements.txt
	@command -v python3 >/dev/null || { echo "缺少 python3（需要 3.11+）：apt-get install python3 python3-venv"; exit 1; }
	python3 -m venv .venv
	.venv/bin/pip install --quiet --upgrade pip
	.venv/bin/pip install --quiet -r requirements.txt
	touch $@

system:
	@bash scripts/system-deps.sh chromium fonts-wqy-microhei

system-nginx:  # the cluster (deploy/) and its test; not needed by a single dashboard
	@bash scripts/system-deps.sh nginx

$(DEMO)/warehouse/CURRENT: | venv
	$(PY) -m etl demo --inbox $(DEMO)/inbox --units $(UNITS) --years $(YEARS)
	$(PY) -m etl run --inbox $(DEMO)/inbox --warehouse $(DEMO)/warehouse

demo: venv system $(DEMO)/warehouse/CURRENT
	$(PY) -m accounts demo --store $(DEMO)/users.json
	ISTC_WAREHOUSE=$(DEMO)/warehouse ISTC_USERS=$(DEMO)/users.json ISTC_DEMO=1 $(PY) -m ui.server --server.port $(PORT)

test: venv system system-nginx
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m etl docs --check
	$(PY) -m pytest

screenshots: venv system
	ISTC_SCREENSHOTS=docs/guide/img $(PY) -m pytest tests/browser --ignore tests/browser/test_cluster.py

# nginx on $(PORT), dashboard processes on the ports after it; nginx runs on a generated config in a temporary
# prefix (nothing under /etc changes), all in the foreground until Ctrl-C.
cluster: venv system-nginx $(DEMO)/warehouse/CURRENT
	$(PY) -m accounts demo --store $(DEMO)/users.json
	ISTC_DEMO=1 $(PY) -m deploy.cluster run --warehouse $(DEMO)/warehouse --users $(DEMO)/users.json --port $(PORT) --processes $(PROCESSES)

clean-demo:
	rm -rf $(DEMO)
