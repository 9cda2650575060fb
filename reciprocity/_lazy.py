"""Find a package's public names without importing its modules.

A chapter needs one explorer or simulator, not all of them; importing every
module of ``reciprocity.explorers`` on first use would cost each page the
imports of every other chapter. The packages read their modules' source with
:mod:`ast` (cheap) to learn which module defines which name, and import a
module only when one of its names is used.
"""
from __future__ import annotations

import ast
from pathlib import Path


def public_names(package_dir: Path, skip: set[str]) -> dict[str, str]:
    """Map each public name to the module (file stem) that defines it.

    A module's public names are its ``__all__`` entries, plus the functions it
    decorates with ``@register`` or ``@register(...)``.
    """
    names: dict[str, str] = {}
    for path in sorted(package_dir.glob("*.py")):
        module = path.stem
        if module.startswith("_") or module in skip:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                for element in getattr(node.value, "elts", []):
                    if isinstance(element, ast.Constant) and isinstance(element.value, str):
                        names[element.value] = module
            elif isinstance(node, ast.FunctionDef) and any(
                    _is_register(d) for d in node.decorator_list):
                names[node.name] = module
    return names


def _is_register(decorator: ast.expr) -> bool:
    """``@register`` or ``@register(...)``."""
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    return isinstance(decorator, ast.Name) and decorator.id == "register"


def lazy_getattr(package: str, where: dict[str, str]):
    """A module ``__getattr__`` that imports ``package.<module>`` on first use of a name."""
    import importlib

    def __getattr__(name: str):
        if name in where:
            module = importlib.import_module(f"{package}.{where[name]}")
            return getattr(module, name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
