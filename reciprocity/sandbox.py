"""Run each student's notebook kernel in a bubblewrap sandbox, with resource limits.

nbgrader's autograde runs in the instructor's process as usual (it must read
the source notebooks and write the gradebook); only the *kernel* that executes
the student's code is started in a sandbox. Two classes plug it in:

``SandboxedKernelManager``
    a ``jupyter_client`` kernel manager that starts the kernel as::

        setpriv --reuid=65534 --regid=65534 --clear-groups \\
          bwrap --unshare-all --die-with-parent ... \\
          python -m reciprocity._sandbox_kernel LIMITS SOURCE WORKDIR -- \\
          python -m ipykernel_launcher -f CONNECTION_FILE

    on the ``ipc`` transport (Unix sockets in a private folder bound into the
    sandbox; the sandbox has its own, empty, network namespace).
``SandboxedExecute``
    nbgrader's ``Execute`` preprocessor using that kernel manager and keeping
    at most ``Limits.output`` bytes of output per notebook.

What the kernel sees: a writable copy of the student's folder (a tmpfs of
``Limits.disk`` bytes, at the same path as outside), a private ``/tmp`` of the
same size, ``/usr`` and the Python environment read-only (the virtual
environment and the interpreter it was made from) and the course package
read-only. Not visible: the source notebooks, the gradebook, other students'
folders, the exchange, home folders, the network (loopback included). It runs
as user 65534 (``nobody``), in its own PID namespace: when the kernel stops,
every process it started stops too; when the grader dies, so does the
sandbox. Limits (per process): address space, processes, CPU time, file
size and open files.

Example
-------
>>> from reciprocity import sandbox
>>> sandbox.check()            # doctest: +SKIP  (raises SandboxUnavailable with the fix)
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, Unicode

__all__ = ["Limits", "SandboxUnavailable", "SandboxedKernelManager", "SandboxedExecute",
           "check", "bwrap_command", "NOBODY"]

NOBODY = 65534
MiB = 1024 ** 2
GiB = 1024 ** 3
BWRAP = "/usr/bin/bwrap"
SETPRIV = "/usr/bin/setpriv"
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; "
                "Fedora: `sudo dnf install bubblewrap`)")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one student's sandbox.

    ``memory`` (address space of each process, bytes), ``processes`` (processes
    and threads of the sandbox user), ``cpu_seconds`` (CPU time of each
    process), ``disk`` (size of the writable folder and of ``/tmp``, each, and
    the largest file), ``output`` (bytes of notebook output the grader keeps)
    and ``open_files``. The wall-clock limit is the grader's (per cell and per
    student).
    """

    memory: int = 3 * GiB
    processes: int = 128
    cpu_seconds: int = 900
    disk: int = 100 * MiB
    output: int = 8 * MiB
    open_files: int = 512

    def rlimits(self) -> dict[str, int]:
        """The limits the sandbox sets with ``setrlimit`` (``output`` is the grader's)."""
        return {"memory": self.memory, "processes": self.processes,
                "cpu_seconds": self.cpu_seconds, "file_size": self.disk,
                "open_files": self.open_files}


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be set up on this machine; the message says why and what to do."""


# --------------------------------------------------------------------------- command
def _python_roots() -> list[str]:
    """Folders the kernel's Python needs: the environment and the interpreter it was made from."""
    roots = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
             os.path.realpath(os.path.dirname(os.path.realpath(sys.executable)))}
    import reciprocity

    roots.add(os.path.dirname(os.path.realpath(reciprocity.__file__)))  # editable or installed
    # drop folders inside others (one bind each is enough) and what /usr already gives
    ordered = sorted(roots, key=len)
    kept: list[str] = []
    for root in ordered:
        if root == "/usr" or root.startswith("/usr/"):
            continue
        if not any(root == k or root.startswith(k + os.sep) for k in kept):
            kept.append(root)
    return kept


def _system_binds() -> list[str]:
    """/usr read-only, and /bin, /lib, ... as the host has them (links into /usr or folders)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    for name in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives", "/etc/fonts"):
        if os.path.exists(name):
            args += ["--ro-bind", name, name]
    return args


def bwrap_command(kernel_cmd: list[str], *, workdir: str, runtime_dir: str, limits: Limits,
                  env: dict[str, str], binds: list[str] | None = None,
                  uid: int = NOBODY) -> list[str]:
    """The command line that runs ``kernel_cmd`` in the sandbox, as user ``uid``.

    ``runtime_dir`` holds ``sockets/`` (bound read-write at the same path: the
    connection file and the kernel's Unix sockets) and ``submission/`` (a copy
    of the student's folder, bound read-only and copied inside into
    ``workdir``, a tmpfs of ``limits.disk`` bytes at the folder's own path).
    ``binds`` are the folders bound read-only (default: the Python environment
    and the course package). bwrap runs as ``uid``, so each of them, and
    every folder above it, must be readable by that user.
    """
    binds = _python_roots() if binds is None else binds
    args = [SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", BWRAP,
            "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--new-session", "--clearenv", "--uid", str(uid), "--gid", str(uid)]
    args += _system_binds()
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(limits.disk), "--tmpfs", "/dev/shm",
             "--size", str(limits.disk), "--tmpfs", "/tmp"]
    for folder in binds:
        args += ["--ro-bind", folder, folder]
    sockets = os.path.join(runtime_dir, "sockets")
    args += ["--bind", sockets, sockets]
    args += ["--size", str(limits.disk), "--tmpfs", workdir]
    source = "/run/reciprocity/submission"
    args += ["--ro-bind-try", os.path.join(runtime_dir, "submission"), source]
    args += ["--chdir", "/"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    args += [kernel_cmd[0], "-m", "reciprocity._sandbox_kernel", json.dumps(limits.rlimits()),
             source, workdir, "--", *kernel_cmd]
    return args


def _sandbox_env(kernel_env: dict[str, str] | None) -> dict[str, str]:
    """The kernel's environment: a fixed minimum plus nbgrader's markers; nothing of the grader's."""
    venv_bin = os.path.dirname(sys.executable)
    env = {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
           "TMPDIR": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib", "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if sys.prefix != sys.base_prefix:
        env["VIRTUAL_ENV"] = sys.prefix
    for key, value in (kernel_env or {}).items():
        if key.startswith(("NBGRADER_", "JPY_SESSION_NAME")) or key == "PYDEVD_DISABLE_FILE_VALIDATION":
            env[key] = value
    return env


def _make_runtime_dir(uid: int, parent: str | None = None) -> str:
    """A fresh folder with ``sockets/`` (owned by ``uid``) and room for ``submission/``."""
    base = tempfile.mkdtemp(prefix="reciprocity-kernel-", dir=parent)
    os.chmod(base, 0o755)
    sockets = os.path.join(base, "sockets")
    os.mkdir(sockets, 0o700)
    os.chown(sockets, uid, uid)
    return base


def _unreachable(folders: list[str], uid: int) -> list[str]:
    """Folders that ``uid`` cannot open (a folder above them is closed to it)."""
    out = []
    for folder in folders:
        parts = Path(folder).parts
        for i in range(2, len(parts) + 1):
            st = os.stat(os.path.join(*parts[:i]))
            mode = st.st_mode
            ok = (mode & 0o001) or (st.st_uid == uid and mode & 0o100) or (st.st_gid == uid and mode & 0o010)
            if not ok:
                out.append(folder)
                break
    return out


def check(limits: Limits | None = None, timeout: float = 60) -> None:
    """Start a trivial sandbox; raise ``SandboxUnavailable`` (saying how to fix it) if that fails.

    Checks that ``bwrap`` and ``setpriv`` exist, that the sandbox user can
    reach the Python environment, that an unprivileged user can create the
    namespaces, and that the sandbox has no network and cannot see the
    grader's files.
    """
    for tool, fix in ((BWRAP, INSTALL_HINT),
                      (SETPRIV, "install util-linux (`sudo apt-get install util-linux`)")):
        if not os.access(tool, os.X_OK):
            raise SandboxUnavailable(f"the grading sandbox needs {tool}, which is missing: {fix}. "
                                     "Or grade without a sandbox: --no-sandbox (unsafe).")
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            "the grading sandbox runs each kernel as user 65534 (nobody), which needs root "
            "to switch to; run the grading command as root (e.g. in a container or a VM "
            "kept for grading), or grade without a sandbox: --no-sandbox (unsafe).")
    closed = _unreachable(_python_roots(), NOBODY)
    if closed:
        raise SandboxUnavailable(
            f"the sandbox user (65534) cannot reach {', '.join(closed)}, which the kernel needs "
            "read-only: make the folders above it traversable (`chmod o+x` on each) or put the "
            "course's environment elsewhere (e.g. under /opt). Or grade without a sandbox: "
            "--no-sandbox (unsafe).")
    limits = limits or Limits()
    # a listener on the grader's loopback and a file of the grader's: the sandbox must
    # reach neither (its loopback is its own; only the bound folders exist in it)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    runtime = _make_runtime_dir(NOBODY)
    try:
        secret = os.path.join(runtime, "grader-only")
        Path(secret).write_text("x")
        probe = ("import os, socket\n"
                 "s = socket.socket(); s.settimeout(2)\n"
                 "try:\n"
                 f"    s.connect(('127.0.0.1', {port})); net = 'open'\n"
                 "except OSError as e:\n"
                 "    net = type(e).__name__\n"
                 f"print(os.getuid(), net, os.path.exists({secret!r}) or os.path.exists('/root'))\n")
        cmd = bwrap_command([sys.executable, "-c", probe], workdir="/run/reciprocity/work",
                            runtime_dir=runtime, limits=limits, env=_sandbox_env(None))
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd="/")
    finally:
        listener.close()
        shutil.rmtree(runtime, ignore_errors=True)
    if proc.returncode != 0:
        err = (proc.stderr or proc.stdout).strip().splitlines()
        detail = err[-1] if err else f"exit status {proc.returncode}"
        fix = ("unprivileged user namespaces seem to be disabled: allow them with "
               "`sudo sysctl kernel.unprivileged_userns_clone=1` (Debian) or "
               "`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0` (Ubuntu 24.04+), "
               "or, in a container, run it with user namespaces allowed"
               if "namespace" in detail or "uid map" in detail or "Operation not permitted" in detail
               else INSTALL_HINT)
        raise SandboxUnavailable(f"the grading sandbox could not start ({detail}); {fix}. "
                                 "Or grade without a sandbox: --no-sandbox (unsafe).")
    uid, net, sees_host = proc.stdout.split()
    if uid != str(NOBODY) or net == "open" or sees_host != "False":
        raise SandboxUnavailable(f"the grading sandbox is not isolated (uid {uid}, network {net}, "
                                 f"host files visible: {sees_host}); refusing to grade.")


# --------------------------------------------------------------------------- kernel manager
def _stage(workdir: str, target: str) -> None:
    """Copy the student's folder (without notebooks) where the sandbox user can read it."""
    os.mkdir(target, 0o755)
    if not os.path.isdir(workdir):
        return
    shutil.copytree(workdir, target, symlinks=True, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    for root, dirs, files in os.walk(target):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel in a bubblewrap sandbox, on Unix sockets, as an unprivileged user."""

    memory = Integer(Limits.memory, help="address space per process, bytes").tag(config=True)
    processes = Integer(Limits.processes, help="processes and threads").tag(config=True)
    cpu_seconds = Integer(Limits.cpu_seconds, help="CPU seconds per process").tag(config=True)
    disk = Integer(Limits.disk, help="bytes of the writable folder, of /tmp, and largest file"
                   ).tag(config=True)
    open_files = Integer(Limits.open_files, help="open files per process").tag(config=True)
    sandbox_uid = Integer(NOBODY, help="user (and group) the kernel runs as").tag(config=True)
    runtime_parent = Unicode("", help="where the per-kernel folders go (default: temp dir)"
                             ).tag(config=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        super().__init__(**kwargs)
        self._runtime_dir: str | None = None
        self._log_file = None
        self._workdir = "/run/reciprocity/work"

    @property
    def limits(self) -> Limits:
        return Limits(memory=self.memory, processes=self.processes, cpu_seconds=self.cpu_seconds,
                      disk=self.disk, open_files=self.open_files)

    async def start_kernel(self, **kw):  # type: ignore[override]
        self._remove_runtime_dir()
        self._workdir = os.path.realpath(kw.get("cwd") or os.getcwd())
        self._runtime_dir = _make_runtime_dir(self.sandbox_uid, self.runtime_parent or None)
        _stage(self._workdir, os.path.join(self._runtime_dir, "submission"))
        self.transport = "ipc"
        self.connection_file = os.path.join(self._runtime_dir, "sockets", "kernel.json")
        self.ip = os.path.join(self._runtime_dir, "sockets", "kernel-ipc")
        self._log_file = open(os.path.join(self._runtime_dir, "kernel.log"), "wb")  # noqa: SIM115
        kw["cwd"] = "/"
        kw["stdout"] = kw["stderr"] = self._log_file
        # signals sent from outside reach bwrap, not the kernel: interrupt by message
        if self.kernel_spec is not None:
            self.kernel_spec.interrupt_mode = "message"
        try:
            return await super().start_kernel(**kw)
        except BaseException:
            self._remove_runtime_dir()
            raise

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if os.path.exists(self.connection_file):  # written just before, readable by root only
            os.chown(self.connection_file, self.sandbox_uid, self.sandbox_uid)
        # the environment jupyter_client builds (JPY_PARENT_PID and all) stays outside: the
        # sandbox starts with --clearenv and gets only what _sandbox_env lets through
        return bwrap_command(cmd, workdir=self._workdir, runtime_dir=self._runtime_dir,
                             limits=self.limits, env=_sandbox_env(dict(os.environ)),
                             uid=self.sandbox_uid)

    def _remove_runtime_dir(self):
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._runtime_dir:
            log = Path(self._runtime_dir, "kernel.log")
            if log.is_file() and log.stat().st_size:
                with open(log, "rb") as f:
                    f.seek(max(0, log.stat().st_size - 2000))
                    tail = f.read().decode("utf-8", "replace").strip()
                if "bwrap:" in tail or "setpriv:" in tail or "Traceback" in tail:
                    self.log.warning("sandbox: %s", tail)
            shutil.rmtree(self._runtime_dir, ignore_errors=True)
            self._runtime_dir = None

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self._remove_runtime_dir()

    cleanup_resources = _async_cleanup_resources


# --------------------------------------------------------------------------- preprocessor
def _size(content: dict) -> int:
    if "text" in content:
        return len(content["text"])
    data = content.get("data") or {}
    size = sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())
    return size + sum(len(t) for t in content.get("traceback") or [])


class SandboxedExecute(Execute):
    """nbgrader's ``Execute``, with the kernel in a sandbox and a cap on kept output.

    Past ``output_limit`` bytes (counted over the whole notebook) standard
    output and displays are dropped. What decides a grade is always kept, cut
    short: an error, a result (partial credit) and the fact that a cell wrote
    to standard error (a test that writes to stderr fails).
    """

    sandbox = Bool(True, help="start kernels in the sandbox (False: as the grader)").tag(config=True)
    output_limit = Integer(Limits.output, help="bytes of output kept per notebook").tag(config=True)
    kept_when_over = Integer(2000, help="characters kept of an error or result past the limit"
                             ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.sandbox:
            self.kernel_manager_class = SandboxedKernelManager

    def preprocess(self, nb, resources=None, km=None):
        self._output_bytes = 0
        self._over_cells: set[int] = set()
        return super().preprocess(nb, resources, km)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        self._output_bytes = getattr(self, "_output_bytes", 0) + _size(content)
        if self._output_bytes <= self.output_limit:
            return super().output(outs, msg, display_id, cell_index)
        kind = msg.get("msg_type")
        over = getattr(self, "_over_cells", set())
        if cell_index not in over:
            over.add(cell_index)
            self._over_cells = over
            outs.append(new_output("stream", name="stdout",
                                   text=f"[grader: output past {self.output_limit} bytes "
                                        "is not kept]\n"))
        if kind == "stream" and content.get("name") == "stderr":
            if not any(o.get("output_type") == "stream" and o.get("name") == "stderr"
                       for o in outs):
                outs.append(new_output("stream", name="stderr",
                                       text=content.get("text", "")[:self.kept_when_over]))
            return None
        if kind == "error":
            cut = [t[:self.kept_when_over] for t in content.get("traceback", [])[-3:]]
            out = new_output("error", ename=str(content.get("ename", ""))[:200],
                             evalue=str(content.get("evalue", ""))[:self.kept_when_over],
                             traceback=cut)
            outs.append(out)
            return out
        if kind == "execute_result":
            text = (content.get("data") or {}).get("text/plain", "")
            out = new_output("execute_result", data={"text/plain": text[:self.kept_when_over]},
                             execution_count=content.get("execution_count"))
            outs.append(out)
            return out
        return None
