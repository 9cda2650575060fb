"""The ``reciprocity-sandbox`` kernel provisioner: jupyter_client starts each such kernel in the sandbox.

jupyter_client hands the start of a kernel to the provisioner that the
kernel's spec names (``metadata.kernel_provisioner.provisioner_name`` in its
``kernel.json``); provisioners are found through the
``jupyter_client.kernel_provisioners`` entry point, where ``pyproject.toml``
registers this one. Because the sandbox lives in the kernel, every program
that starts a ``reciprocity-sandbox`` kernel gets it: ``nbgrader autograde``,
the formgrader's *Autograde* button, the grading command and the hub's
grading service (the course's ``nbgrader_config.py`` names this kernel in
``c.Execute.kernel_name``).

``SandboxProvisioner`` is jupyter_client's ``LocalProvisioner`` with a
different ``pre_launch`` (a private folder for the kernel's sockets and a
copy of the student's folder, the ``ipc`` transport, and the kernel command
wrapped in ``reciprocity.grading.sandbox.bwrap_command``) and a ``cleanup``
that removes that folder. Its limits are configurable like any traitlets
setting, e.g. ``c.SandboxProvisioner.memory = 2 * 1024**3`` in
``nbgrader_config.py``.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Integer, Unicode

from . import sandbox
from .settings import Limits

__all__ = ["SandboxProvisioner"]


class SandboxProvisioner(LocalProvisioner):
    """Starts the kernel in a bubblewrap sandbox, on Unix sockets, as an unprivileged user."""

    memory = Integer(Limits.memory, help="address space per process, bytes").tag(config=True)
    processes = Integer(Limits.processes, help="processes and threads").tag(config=True)
    cpu_seconds = Integer(Limits.cpu_seconds, help="CPU seconds per process").tag(config=True)
    disk = Integer(Limits.disk, help="bytes of the writable folder, of /tmp, and largest file"
                   ).tag(config=True)
    open_files = Integer(Limits.open_files, help="open files per process").tag(config=True)
    runtime_parent = Unicode("", help="where the per-kernel folders go (default: temp dir)"
                             ).tag(config=True)

    runtime_dir: str | None = None
    kernel_log: Any = None

    @property
    def limits(self) -> Limits:
        """The limits this provisioner's sandbox sets (``output`` is the grader's, not the kernel's)."""
        return Limits(memory=self.memory, processes=self.processes, cpu_seconds=self.cpu_seconds,
                      disk=self.disk, open_files=self.open_files)

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """Prepare the sandbox, then return jupyter_client's launch arguments with the command wrapped."""
        problem = sandbox.missing_tools()
        if problem:
            raise sandbox.SandboxUnavailable(
                f"{problem} Or, on a machine that holds nothing to protect, run kernels without "
                "the sandbox: c.Execute.kernel_name = 'python3' in nbgrader_config.py (unsafe).")
        km = self.parent
        if km is None:
            raise RuntimeError("the sandbox provisioner needs the kernel manager that owns it")
        self.remove_runtime_dir()  # a restart: the previous kernel's folder goes
        run_as = sandbox.host_user()
        workdir = os.path.realpath(kwargs.get("cwd") or os.getcwd())
        self.runtime_dir = sandbox.make_runtime_dir(run_as, self.runtime_parent or None)
        sockets = os.path.join(self.runtime_dir, "sockets")
        sandbox.stage_submission(workdir, os.path.join(self.runtime_dir, "submission"))
        # the sandbox has no network: the kernel listens on Unix sockets in a folder bound into it
        km.transport = "ipc"
        km.ip = os.path.join(sockets, "kernel-ipc")
        km.connection_file = os.path.join(sockets, "kernel.json")
        self.kernel_log = open(os.path.join(self.runtime_dir, "kernel.log"), "wb")  # noqa: SIM115
        kwargs.update(cwd="/", stdout=self.kernel_log, stderr=self.kernel_log)
        kwargs = await super().pre_launch(**kwargs)  # writes the connection file, formats argv
        if run_as is not None:  # the file is the grader's and private: give it to the kernel's user
            os.chown(km.connection_file, run_as, run_as)
        kwargs["cmd"] = sandbox.bwrap_command(kwargs["cmd"], workdir=workdir,
                                              runtime_dir=self.runtime_dir, limits=self.limits,
                                              env=sandbox.kernel_env(kwargs.get("env")),
                                              run_as=run_as)
        return kwargs

    async def cleanup(self, restart: bool = False) -> None:
        """jupyter_client's cleanup, then the kernel's folder (kept for a restart)."""
        await super().cleanup(restart=restart)
        if not restart:
            self.remove_runtime_dir()

    def remove_runtime_dir(self) -> None:
        """Remove this kernel's folder, first logging why the sandbox failed if its log says so."""
        if self.kernel_log is not None:
            self.kernel_log.close()
            self.kernel_log = None
        if not self.runtime_dir:
            return
        log = Path(self.runtime_dir, "kernel.log")
        if log.is_file() and log.stat().st_size:
            with open(log, "rb") as f:
                f.seek(max(0, log.stat().st_size - 2000))
                tail = f.read().decode("utf-8", "replace").strip()
            if "bwrap:" in tail or "setpriv:" in tail or "Traceback" in tail:
                self.log.warning("sandbox: %s", tail)
        shutil.rmtree(self.runtime_dir, ignore_errors=True)
        self.runtime_dir = None
