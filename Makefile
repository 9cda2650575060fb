# Two entry points, safe on a fresh Debian or Ubuntu machine with python3,
# python3-venv and make (see README, "Quick start"):
#   make book   create .venv if needed, install what the book needs, build it into _build/html
#   make test   the same environment, then run every test
#
# Both use the project's own virtual environment (.venv), made from whichever
# python3 is first on PATH, so they work with Debian's externally managed
# python3 (PEP 668) and whether or not another virtual environment is active.
PYTHON ?= python3
VENV ?= .venv
PIP_FLAGS ?= --quiet --disable-pip-version-check
VENV_PYTHON := $(abspath $(VENV))/bin/python
# Recipes run with the project's environment first on PATH, as if activated.
export PATH := $(abspath $(VENV))/bin:$(PATH)
export VIRTUAL_ENV := $(abspath $(VENV))
unexport PYTHONHOME
# jupyter-book has no `python -m` entry point; run its CLI with the same interpreter
JUPYTER_BOOK = $(VENV_PYTHON) -c "import sys; from jupyter_book.cli.main import main; sys.exit(main())"
# nbval re-executes every book notebook with one BLAS/OpenMP thread, while
# python -m tools.execute_notebooks stores outputs with the machine's default: the
# comparison proves stored outputs do not depend on the numerical set-up.
ONE_THREAD = OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: venv install book test clean

# The stamp records that the requirements were installed into this .venv;
# it is remade when requirements.txt or pyproject.toml change.
$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -m tools.check_python
	@test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create $(VENV) with $(PYTHON) -m venv."; \
	  echo "On Debian or Ubuntu: sudo apt-get install python3-venv (then run make again)."; \
	  rm -rf $(VENV); exit 1; }
	$(VENV_PYTHON) -m pip install $(PIP_FLAGS) --upgrade pip
	$(VENV_PYTHON) -m pip install $(PIP_FLAGS) -r requirements.txt
	@touch $@

venv install: $(VENV)/.installed

book: $(VENV)/.installed
	$(JUPYTER_BOOK) build . -W -n --keep-going

# Lint first (ruff, rules in pyproject.toml), then unit, simulator and explorer
# tests; nbval on every book notebook; the book build and browser checks;
# nbgrader end to end; a smoke run of every benchmark. Two workers; each
# notebook and each test module stays in one worker (loadscope); the 25 slowest
# tests are listed at the end. The browser tests read `make book`'s build when it
# is newer than every file (tests/conftest.py), else build a copy.
test: $(VENV)/.installed
	$(VENV_PYTHON) -m ruff check .
	$(ONE_THREAD) $(VENV_PYTHON) -m pytest -n 2 --dist loadscope --durations=25 tests book \
		--nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-current-env

clean:
	$(JUPYTER_BOOK) clean . --all
	rm -rf test-artifacts .pytest_cache
