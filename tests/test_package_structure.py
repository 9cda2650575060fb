"""The package's shape, drawn from its own imports: no circle, no back-arrow, no private names of others.

Layers, lowest first: the foundation (data, statistics, plotting, glue, the
study registry, the insight index: plain tables that import nothing of the
package, so the grading wing may report per insight); dataset analyses and
simulators; explorers and the grading wing; the pages' helpers (practice,
the live panel). A module may import from its own folder and from lower
layers only, and the grading wing stands apart from the book's analyses,
simulators and explorers.
"""
from __future__ import annotations

import ast
import graphlib
import importlib
import inspect
from pathlib import Path

import pytest

from tests.support.common import ROOT

PACKAGE = ROOT / "reciprocity"
LAYERS = [
    {"reciprocity", "reciprocity._lazy", "reciprocity.data", "reciprocity.stats", "reciprocity.plots",
     "reciprocity.book", "reciprocity.studies", "reciprocity.insights"},
    {"reciprocity.analyses", "reciprocity.simulate"},
    {"reciprocity.explorers", "reciprocity.grading"},
    {"reciprocity.practice", "reciprocity.live", "reciprocity.lms"},
]
BOOK_SIDE = {"reciprocity.analyses", "reciprocity.simulate", "reciprocity.explorers"}
# Our own code: private names here are ours to use.
OWN = ("reciprocity", "tools", "benchmarks", "tests")
SCANNED = ["reciprocity", "tools", "benchmarks", "book/_ext", "deploy"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported_modules(name: str) -> set[str]:
    """Package modules that ``name`` imports, at any depth of its code (function-level imports count)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in MODULES:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                found.add(candidate)
    return found


def group(name: str) -> str:
    """The folder (or single module) a module belongs to: reciprocity.explorers.core -> reciprocity.explorers."""
    return ".".join(name.split(".")[:2])


def layer(name: str) -> int:
    for index, members in enumerate(LAYERS):
        if group(name) in members:
            return index
    raise AssertionError(f"{name} is in no layer: add its folder to LAYERS in {__file__}")


GRAPH = {name: imported_modules(name) for name in MODULES}


def test_the_package_has_no_import_circle():
    graphlib.TopologicalSorter(GRAPH).prepare()  # raises CycleError naming the circle


def test_every_import_points_down_or_within_its_folder():
    back_arrows = [f"{name} -> {target}" for name, targets in GRAPH.items() for target in targets
                   if group(target) != group(name) and layer(target) >= layer(name) and layer(name) > 0]
    assert back_arrows == []


def test_the_insight_index_imports_nothing_of_the_package():
    """It sits in the foundation, which the back-arrow check leaves alone, because it imports nothing."""
    assert GRAPH["reciprocity.insights"] == set()


def test_the_grading_wing_does_not_depend_on_the_book_side():
    crossing = [f"{name} -> {target}" for name, targets in GRAPH.items() if group(name) == "reciprocity.grading"
                for target in targets if group(target) in BOOK_SIDE]
    assert crossing == []


def test_the_layer_checks_catch_a_back_arrow():
    assert layer("reciprocity.simulate.gifts") < layer("reciprocity.explorers.meaningful_gifts")
    assert "reciprocity.simulate.gifts" in GRAPH["reciprocity.explorers.meaningful_gifts"]


def private_uses(path: Path) -> list[str]:
    """Places where ``path`` imports or reads a dependency's private (single-underscore) name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    foreign_aliases = set()
    found = []

    def private(name: str) -> bool:
        return name.startswith("_") and not name.startswith("__")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not alias.name.startswith(OWN):
                    foreign_aliases.add(alias.asname or alias.name.split(".")[0])
                    if any(private(part) for part in alias.name.split(".")):
                        found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module.startswith(OWN):
                continue
            if any(private(part) for part in node.module.split(".")):
                found.append(f"line {node.lineno}: from {node.module} import ...")
            for alias in node.names:
                if private(alias.name):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                elif alias.name[:1].islower():
                    foreign_aliases.add(alias.asname or alias.name)  # a submodule, e.g. from nbgrader import apps
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and private(node.attr) and isinstance(node.value, ast.Name)
                and node.value.id in foreign_aliases):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


SOURCES = sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_or_reads_a_dependency_private_name(path):
    assert private_uses(path) == []


def test_the_private_name_check_finds_one(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import jupyter_client.manager as m\nfrom nbgrader.apps import _x\nm._async_cleanup_resources\n")
    assert len(private_uses(probe)) == 2


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_class_overrides_a_dependency_private_method(name):
    module = importlib.import_module(name)
    overrides = []
    for cls_name, cls in inspect.getmembers(module, inspect.isclass):
        if cls.__module__ != name:
            continue
        foreign = [base for base in cls.__mro__[1:] if not base.__module__.startswith(OWN)]
        for attribute, value in vars(cls).items():
            function = getattr(value, "__func__", getattr(value, "fget", value))
            written_here = getattr(function, "__qualname__", "").startswith(f"{cls.__qualname__}.")
            if written_here and attribute.startswith("_") and not attribute.startswith("__") and \
                    any(attribute in vars(base) for base in foreign):
                overrides.append(f"{cls_name}.{attribute}")
    assert overrides == []
