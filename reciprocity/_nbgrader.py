"""nbgrader's command line, with less start-up and shut-down cost.

``python -m reciprocity._nbgrader autograde LAB ...`` takes the same arguments
as ``nbgrader`` and runs the same application; ``reciprocity.grading`` uses it
for every nbgrader call. A stock ``nbgrader autograde`` of one student spends
about 3 s outside the notebook. This launcher cuts that in four ways:

* ``nbgrader/__init__.py`` imports the package's four Jupyter server
  extensions (tornado handlers, jupyter_server, formgrader), which the
  command-line apps never use. The package is registered here without running
  that file; its submodules import as usual. If that cannot be done (a
  different nbgrader layout), the normal import is used.
* Importing creates a great many long-lived objects, and the cyclic garbage
  collector would walk them again and again; it is paused while importing
  and the imported objects are then frozen out of later collections.
* At exit the interpreter collects every object once more (about 0.5 s with
  this module graph); freezing them first skips that walk. nbgrader has
  committed the gradebook and closed its files by then.
* For ``autograde`` the kernel is started *before* nbgrader is imported, so
  the kernel's own start-up (about 1 s) runs on the second core while this
  process loads nbgrader and sanitises the submission. The kernel is started
  the way nbgrader would start it (same kernel, arguments and environment,
  including ``NBGRADER_EXECUTION=autograde``), in the course folder; when
  nbgrader executes the first notebook, the kernel moves to the notebook's
  folder (a silent ``os.chdir`` that leaves no trace in the student's
  namespace or execution counts) and runs it. Any mismatch (another kernel
  name, a second notebook) falls back to a kernel started as usual. The one
  visible trace: IPython's folder history ``_dh`` starts at the course folder.
  ``RECIPROCITY_EARLY_KERNEL=0`` turns this off.
"""
from __future__ import annotations

import gc
import importlib.util
import inspect
import os
import sys
import types

EARLY_KERNEL_ENV = "RECIPROCITY_EARLY_KERNEL"
_early_kernel = None  # the AsyncKernelManager started before nbgrader was imported


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


# --------------------------------------------------------------------------- early kernel
def _kernel_spec_manager():
    """Kernel specs from the usual folders, without importing IPython to name one of them.

    jupyter_client adds ``<IPython dir>/kernels`` by importing IPython (0.4 s);
    the folder is ``$IPYTHONDIR`` or ``~/.ipython``, so name it directly.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_core.paths import jupyter_path

    ipython_dir = os.environ.get("IPYTHONDIR") or os.path.join(os.path.expanduser("~"), ".ipython")
    return KernelSpecManager(kernel_dirs=[*jupyter_path("kernels"), os.path.join(ipython_dir, "kernels")])


def _start_early_kernel(kernel_name: str = "python3"):
    """Start the kernel nbgrader's Execute preprocessor would start; None if that fails."""
    try:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        km = AsyncKernelManager(kernel_name=kernel_name, kernel_spec_manager=_kernel_spec_manager())
        env = {**os.environ, "NBGRADER_EXECUTION": "autograde"}
        # nbclient adds this argument for IPython kernels (history in memory, not on disk)
        run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"],
                                  env=env, cwd=os.getcwd())
        return km
    except Exception:  # noqa: BLE001 - any failure just means the usual start later
        return None


def _stop_kernel(km) -> None:
    from jupyter_core.utils import run_sync

    try:
        if run_sync(km.is_alive)():
            run_sync(km.shutdown_kernel)(now=True)
    except RuntimeError:
        pass
    finally:
        run_sync(km.cleanup_resources)()


def _fits(km, nb, client) -> bool:
    """Would ``client`` (nbgrader's Execute) have started the same kernel for ``nb``?"""
    from jupyter_client.manager import AsyncKernelManager

    # nbclient's choice: its kernel_name if set, else the notebook's kernelspec
    wanted = client.kernel_name or (nb.metadata.get("kernelspec") or {}).get("name") or ""
    extra = [a for a in client.extra_arguments if not a.startswith("--HistoryManager.hist_file")]
    return (wanted == km.kernel_name and not extra
            and issubclass(AsyncKernelManager, client.kernel_manager_class))


def _take_early_kernel(nb, client):
    """The early kernel if it fits this notebook and is alive; else None (and it is stopped)."""
    global _early_kernel
    km, _early_kernel = _early_kernel, None
    if km is None:
        return None
    from jupyter_core.utils import run_sync

    try:
        if _fits(km, nb, client) and run_sync(km.is_alive)():
            return km
    except Exception:  # noqa: BLE001 - fall back to a kernel started as usual
        pass
    _stop_kernel(km)
    return None


def _move_to(client, path: str):
    """An ``on_notebook_start`` hook: change the kernel's folder silently, before any cell.

    ``silent=True`` means no output, no execution count and no history; the
    name used is deleted again, so the student's namespace is untouched.
    """
    previous = client.on_notebook_start

    async def hook(**kwargs):
        code = f"import os as _o; _o.chdir({path!r}); del _o"
        msg_id = client.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        reply = await client.async_wait_for_reply(msg_id)
        if not reply or reply["content"].get("status") != "ok":
            raise RuntimeError(f"the grading kernel could not move to {path}")
        if previous is not None:
            result = previous(**kwargs)
            if inspect.isawaitable(result):
                await result

    return hook, previous


def _use_early_kernel_in_execute() -> None:
    """Let nbgrader's Execute preprocessor run its first notebook in the early kernel."""
    from nbgrader.preprocessors import Execute

    original = Execute.preprocess

    def preprocess(self, nb, resources=None, km=None):
        early = _take_early_kernel(nb, self) if km is None else None
        if early is None:
            return original(self, nb, resources, km)
        path = ((resources or {}).get("metadata") or {}).get("path") or os.getcwd()
        self.on_notebook_start, previous = _move_to(self, os.path.abspath(path))
        try:
            return original(self, nb, resources, early)
        finally:
            self.on_notebook_start = previous
            # a client does not stop a kernel it was given: stop it as nbgrader would
            if self.km is early:
                self._cleanup_kernel()
            else:
                _stop_kernel(early)

    Execute.preprocess = preprocess


# --------------------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> None:
    global _early_kernel
    args = list(sys.argv[1:] if argv is None else argv)
    early = (args[:1] == ["autograde"] and os.environ.get(EARLY_KERNEL_ENV, "1") != "0")
    if early:
        _early_kernel = _start_early_kernel()
    try:
        app = load_app()
        if _early_kernel is not None:
            _use_early_kernel_in_execute()
        sys.argv = ["nbgrader", *args]
        app.launch_instance()
    finally:
        if _early_kernel is not None:  # nbgrader stopped before executing anything
            _stop_kernel(_early_kernel)
            _early_kernel = None
        gc.freeze()


if __name__ == "__main__":
    main()
