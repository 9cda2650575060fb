"""nbgrader's command line, with less start-up and shut-down cost.

``python -m reciprocity._nbgrader autograde LAB ...`` takes the same arguments
as ``nbgrader`` and runs the same application; ``reciprocity.grading`` uses it
for every nbgrader call. A stock ``nbgrader`` run spends about 3 s outside
the notebook, most of it in three places this launcher avoids:

* ``nbgrader/__init__.py`` imports the package's four Jupyter server
  extensions (tornado, jupyter_server, the formgrader handlers), which the
  command-line apps never use. The package is registered here without running
  that file; its submodules import as usual. If that cannot be done (a
  different nbgrader layout), the normal import is used.
* Importing creates a great many long-lived objects, and the cyclic garbage
  collector would walk them again and again; it is paused while importing
  and the imported objects are then frozen out of later collections.
* At exit the interpreter collects every object once more (about 0.5 s with
  this module graph); freezing them first skips that walk. Files and the
  gradebook are closed by then: nbgrader commits each change as it goes.
"""
from __future__ import annotations

import gc
import importlib.util
import sys
import types


def _register_package_without_extensions() -> bool:
    """Put a bare ``nbgrader`` package in ``sys.modules``; False if nbgrader looks different."""
    if "nbgrader" in sys.modules:
        return False
    spec = importlib.util.find_spec("nbgrader")
    if spec is None or not spec.submodule_search_locations:
        return False
    package = types.ModuleType("nbgrader", "nbgrader (command-line apps; server extensions not loaded)")
    package.__spec__ = spec
    package.__file__ = spec.origin
    package.__path__ = list(spec.submodule_search_locations)
    package.__package__ = "nbgrader"
    sys.modules["nbgrader"] = package
    try:
        from nbgrader._version import __version__
    except ImportError:
        del sys.modules["nbgrader"]
        return False
    package.__version__ = __version__
    return True


def load_app():
    """nbgrader's top-level application class, imported the cheap way."""
    gc.disable()
    try:
        _register_package_without_extensions()
        from nbgrader.apps.nbgraderapp import NbGraderApp
    finally:
        gc.enable()
    gc.freeze()
    return NbGraderApp


def main(argv: list[str] | None = None) -> None:
    app = load_app()
    sys.argv = ["nbgrader", *(sys.argv[1:] if argv is None else argv)]
    try:
        app.launch_instance()
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
