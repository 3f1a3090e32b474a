# etlq — one entry point for newcomers and CI.
#   make demo   start a local environment, run the ETL and the checks, write the Allure report
#   make test   the project's own tests plus the smoke and regression suites
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ALLURE := .tools/node_modules/.bin/allure
PYTEST_WORKERS ?= 2

.PHONY: setup demo test unit smoke regression scenarios defects robot libdoc lint report allure bench clean

setup: $(STAMP)

# Re-run only when the dependency set changes; constraints.txt pins every package.
# Two distributions: etlq (harness/etlq, what users install) and etlq-reference-etl (etl/, the
# ETL under test here; it registers the pipeline 'etl'), both editable.
$(STAMP): pyproject.toml etl/pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]" -e ./etl
	@touch $(STAMP)

# Allure command line (Java) from the npm registry, installed into .tools/.
allure: $(ALLURE)
$(ALLURE):
	@mkdir -p .tools
	npm install --silent --no-audit --no-fund --prefix .tools allure-commandline@2.46.1

demo: setup allure
	$(BIN)/etlq demo

# CI runs exactly this (.ci/run). Suites and Robot build their own local environment.
# etlq's own tests keep their Allure results apart from the suites' (reports/allure-results).
SELFTEST_RESULTS := --alluredir=reports/selftest-results --clean-alluredir
test: setup allure
	$(BIN)/python -m pytest tests -n $(PYTEST_WORKERS) -p no:cacheprovider $(SELFTEST_RESULTS)
	$(BIN)/python -m pytest suites -n $(PYTEST_WORKERS) -p no:cacheprovider --etlq-mode=local --clean-alluredir
	env -u ETLQ_DATABASE_URL $(MAKE) --no-print-directory robot  # local, like the suites line

unit: setup
	$(BIN)/python -m pytest tests -n $(PYTEST_WORKERS) -p no:cacheprovider $(SELFTEST_RESULTS)

# Every deploy: read-only against ETLQ_DATABASE_URL when set, e.g. `make smoke ARGS="--etlq-url $$URL"`;
# with neither, the suite builds a local warehouse first.
smoke: setup
	$(BIN)/python -m pytest suites -m smoke -p no:cacheprovider $(ARGS)

# Nightly: every contract check, reconciliation, golden cases, planted defects; local environment.
regression: setup
	$(BIN)/python -m pytest suites -m regression -n $(PYTEST_WORKERS) -p no:cacheprovider --etlq-mode=local $(ARGS)

# Deliveries across run dates through the pipeline, judged by the generic oracles (docs/scenarios.md).
scenarios: setup
	$(BIN)/python -m pytest suites -m scenario -n $(PYTEST_WORKERS) -p no:cacheprovider --etlq-mode=local $(ARGS)

# The defect catalog (testdata/scenarios/defects.yml): caught or missed, and by which oracle.
defects: setup
	$(BIN)/etlq scenario --defects $(ARGS)

robot: setup libdoc
	$(BIN)/python -m robot --outputdir reports/robot --listener allure_robotframework:reports/allure-results robot/

libdoc: setup
	@mkdir -p reports/libdoc
	$(BIN)/python -m robot.libdoc --format HTML etlq.robot_library.EtlqLibrary reports/libdoc/EtlqLibrary.html

lint: setup
	$(BIN)/ruff check etl harness fixtures suites tests bench examples
	$(BIN)/mypy etl harness/etlq bench
	$(BIN)/actionlint .github/workflows/*.yml

report: setup allure
	$(BIN)/etlq report

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .tools .etlq reports/allure-results reports/allure-report reports/robot reports/libdoc reports/selftest-results reports/bench.json
