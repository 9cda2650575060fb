"""The ``reciprocity-sandbox`` kernel: its spec, installing it, and whether it can start here.

The spec (``reciprocity/grading/kernel/kernel.json``) is ipykernel's Python
kernel whose metadata names the ``reciprocity-sandbox`` kernel provisioner
(``reciprocity.grading.provisioner``, registered through the
``jupyter_client.kernel_provisioners`` entry point in ``pyproject.toml``) and
which is interrupted by message (a signal sent from outside would reach
bubblewrap, not the kernel).
``install_kernel`` puts the spec where Jupyter looks for the environment's
kernels (``ENV/share/jupyter/kernels``), with jupyter_client's own installer;
the grading command does it before grading, ``deploy/hub/run.py`` when it
starts the hub, and ``python -m reciprocity.grading.kernelspec`` on demand
(for ``nbgrader autograde`` or the formgrader before the first grading run).
"""
from __future__ import annotations

import sys
from pathlib import Path

from .settings import SANDBOX_KERNEL

__all__ = ["KERNEL_DIR", "install_kernel", "installation_problem"]

KERNEL_DIR = Path(__file__).parent / "kernel"


def install_kernel() -> Path:
    """Install the kernel's spec into this environment, unless Jupyter already finds this spec.

    Where the environment cannot be written to, the spec goes to the user's
    own Jupyter folder. Returns the folder of the spec Jupyter will use.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    wanted = (KERNEL_DIR / "kernel.json").read_text(encoding="utf-8")
    try:
        found = Path(manager.get_kernel_spec(SANDBOX_KERNEL).resource_dir)
        if (found / "kernel.json").read_text(encoding="utf-8") == wanted:
            return found
    except (NoSuchKernel, OSError):
        pass
    try:
        return Path(manager.install_kernel_spec(str(KERNEL_DIR), SANDBOX_KERNEL, prefix=sys.prefix))
    except PermissionError:
        return Path(manager.install_kernel_spec(str(KERNEL_DIR), SANDBOX_KERNEL, user=True))


def installation_problem() -> str:
    """Why the ``reciprocity-sandbox`` kernel cannot be started here ("" if it can), with the fix."""
    from importlib.metadata import entry_points

    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(SANDBOX_KERNEL)
    except NoSuchKernel:
        return (f"the {SANDBOX_KERNEL} kernel is not installed: "
                "`python -m reciprocity.grading.kernelspec` installs it.")
    name = spec.metadata.get("kernel_provisioner", {}).get("provisioner_name")
    if name != SANDBOX_KERNEL:
        return (f"the {SANDBOX_KERNEL} kernel found in {spec.resource_dir} does not name its "
                "provisioner: `python -m reciprocity.grading.kernelspec` reinstalls it.")
    if not entry_points(group="jupyter_client.kernel_provisioners", name=SANDBOX_KERNEL):
        return (f"the {SANDBOX_KERNEL} kernel provisioner is not registered in this environment: "
                "reinstall the course package (`pip install -e .` in the repository).")
    return ""


if __name__ == "__main__":  # pragma: no cover
    print(f"installed the {SANDBOX_KERNEL} kernel in {install_kernel()}")
    problem = installation_problem()
    if problem:
        sys.exit(problem)
