# Two entry points, both safe on a fresh machine with Python 3.11:
#   make book   install what the book needs, then build it into _build/html
#   make test   install what the tests need, then run every test
PYTHON ?= python3
PIP_FLAGS ?= --quiet --disable-pip-version-check
# jupyter-book has no `python -m` entry point; run its CLI with the same interpreter
JUPYTER_BOOK = $(PYTHON) -c "import sys; from jupyter_book.cli.main import main; sys.exit(main())"

.PHONY: install book test clean

install:
	$(PYTHON) -m pip install $(PIP_FLAGS) -r requirements.txt

book: install
	$(JUPYTER_BOOK) build . -W -n --keep-going

# Unit, simulator and widget tests; nbval on every book notebook; the book
# build and browser checks; nbgrader end to end. Two workers; each notebook
# and each test module stays in one worker (loadscope).
test: install
	$(PYTHON) -m pytest -n 2 --dist loadscope tests book \
		--nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-current-env

clean:
	$(JUPYTER_BOOK) clean . --all
	rm -rf test-artifacts .pytest_cache
