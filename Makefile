# Resmon: the commands. The logic lives in scripts/; see README.md.
.PHONY: run test lint fix bench messages screenshots sbom help

help:
	@echo "make run       install what is missing, load the demo data, serve http://127.0.0.1:$${PORT:-8000}"
	@echo "make test      the full suite: PostgreSQL (all tests) + SQLite (fast tests) + quality gates"
	@echo "make lint      ruff, mypy and the import contracts only (make fix applies ruff's fixes)"
	@echo "make bench     benchmarks: demo load time, page and API latency (figures, not asserts)"
	@echo "make messages  refresh and compile the vi/en translation catalogues"
	@echo "make screenshots  run the browser tests in Vietnamese and refresh docs/screenshots/"
	@echo "make sbom      the software bill of materials (CycloneDX) from uv.lock: var/sbom.cdx.json"

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

lint:
	@bash scripts/lint.sh

fix:
	@FIX=1 bash scripts/lint.sh

bench:
	@bash scripts/bench.sh

messages:
	@bash scripts/messages.sh

screenshots:
	@TEST_LANGUAGE_CODE=vi SAVE_DOCS_SCREENSHOTS=1 .venv/bin/pytest -q -p no:cacheprovider tests/browser

sbom:
	@bash scripts/sbom.sh
