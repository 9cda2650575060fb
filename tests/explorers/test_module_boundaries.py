"""Explorer modules hold explorers only; chapters reach them through the package.

- A book notebook imports builders from ``reciprocity.explorers`` itself,
  never from one of its modules: constants, grids and simulations a chapter
  quotes live in ``reciprocity.simulate`` (or ``reciprocity.analyses``), where
  the explorer imports them too.
- Practice items compute their numbers with the statistics, the analyses and
  the simulators, not with an explorer module.
- No explorer module draws random numbers: a simulation belongs in
  ``reciprocity.simulate``, whose contract test covers every seeded function.
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from reciprocity.explorers import EXPLORERS, load_all
from tests.support.common import ROOT

PACKAGE = "reciprocity.explorers"
NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
EXPLORER_MODULES = sorted((ROOT / "reciprocity" / "explorers").glob("*.py"))


def _code(path: Path) -> ast.Module:
    """A notebook's code cells as one Python module (IPython magics turned into calls)."""
    notebook = nbformat.read(path, as_version=4)
    transform = TransformerManager().transform_cell
    source = "\n".join(transform(cell.source) for cell in notebook.cells if cell.cell_type == "code")
    return ast.parse(source, filename=str(path))


def explorer_imports(tree: ast.AST) -> list[tuple[str, list[str]]]:
    """``(module, names)`` for every import of the explorers package or one of its modules."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and (
                node.module == PACKAGE or node.module.startswith(PACKAGE + ".")):
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.ImportFrom) and node.module == "reciprocity":
            found.extend((f"reciprocity.{a.name}", []) for a in node.names
                         if f"reciprocity.{a.name}" == PACKAGE)
        elif isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names if alias.name.startswith(PACKAGE))
    return found


def import_problems(tree: ast.AST) -> list[str]:
    builders = set(load_all())
    problems = []
    for module, names in explorer_imports(tree):
        if module != PACKAGE:
            problems.append(f"imports from {module}: import builders from {PACKAGE}, and constants or "
                            "simulations from reciprocity.simulate (or reciprocity.analyses)")
        elif not names:
            problems.append(f"imports the {PACKAGE} package whole: import the builders it shows by name")
        else:
            problems.extend(f"imports {name} from {PACKAGE}, which is not a registered builder"
                            for name in names if name not in builders)
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapters_import_only_builders_and_only_from_the_package(path):
    assert import_problems(_code(path)) == []


def test_the_import_check_catches_what_it_forbids():
    tree = ast.parse("from reciprocity.explorers import photo_reply_explorer\n"
                     "from reciprocity.explorers.show_the_sacrifice import FALSE_POSITIVE\n"
                     "import reciprocity.explorers.core\n"
                     "from reciprocity import explorers\n"
                     "from reciprocity.explorers import Explorer\n")
    problems = import_problems(tree)
    assert len(problems) == 4, problems
    assert "show_the_sacrifice" in problems[0] and "reciprocity.explorers.core" in problems[1]
    assert "whole" in problems[2] and "Explorer" in problems[3]


def test_practice_items_do_not_call_explorer_modules():
    for path in sorted((ROOT / "book").rglob("*.practice.yml")):
        text = path.read_text(encoding="utf-8")
        assert f'"{PACKAGE}' not in text and f"'{PACKAGE}" not in text, \
            f"{path.name}: compute with reciprocity.stats, analyses or simulate, not an explorer module"


RANDOM_NAMES = {"make_rng", "default_rng", "Generator", "RandomState"}


def random_draws(tree: ast.AST) -> list[str]:
    """Where a module imports or uses a random number generator."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module == "random" or module.endswith("random") or module.endswith("_common"):
                found.append(f"line {node.lineno}: from {module} import ...")
            found.extend(f"line {node.lineno}: imports {a.name}" for a in node.names if a.name in RANDOM_NAMES)
        elif isinstance(node, ast.Import):
            found.extend(f"line {node.lineno}: import {a.name}" for a in node.names
                         if a.name == "random" or a.name.endswith(".random"))
        elif isinstance(node, ast.Attribute) and (node.attr == "random" or node.attr in RANDOM_NAMES):
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


@pytest.mark.parametrize("path", EXPLORER_MODULES, ids=lambda p: p.stem)
def test_explorer_modules_draw_no_random_numbers(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert random_draws(tree) == [], \
        f"{path.name} simulates: move the simulation to reciprocity.simulate and import it"


def test_the_random_check_catches_a_simulation():
    tree = ast.parse("import numpy as np\nfrom ..simulate._common import make_rng\n"
                     "draws = np.random.default_rng(1).random(5)\n")
    assert len(random_draws(tree)) >= 3


def test_every_registered_builder_lives_in_a_chapter_module():
    load_all()
    for name, builder in EXPLORERS.items():
        module = builder.__module__.rsplit(".", 1)[-1]
        assert not module.startswith("_") and module not in {"core", "expr"}, (name, module)
