"""The grading sandbox: the bubblewrap command that runs a kernel, and a check that it works.

Every student's kernel runs as::

    setpriv --reuid=65534 --regid=65534 --clear-groups \\
      bwrap --unshare-all --die-with-parent ... \\
      python -m reciprocity.grading.sandbox_init LIMITS SOURCE WORKDIR -- \\
      python -m ipykernel_launcher -f CONNECTION_FILE

on the ``ipc`` transport (Unix sockets in a private folder bound into the
sandbox; the sandbox has its own, empty, network namespace). The kernel
provisioner (``reciprocity.grading.provisioner``) builds this command for
every kernel of the ``reciprocity-sandbox`` kernel; ``check`` starts one
sandbox before a grading run, to stop with a fix rather than fail every student.

What the kernel sees: a writable copy of the student's folder (a tmpfs of
``Limits.disk`` bytes, at the same path as outside), a private ``/tmp`` of the
same size, ``/usr`` and the Python environment read-only (the environment and
the interpreter it was made from) and the course package read-only. Not
visible: the source notebooks, the gradebook, other students' folders, the
exchange, home folders, the network (loopback included). It lives in its own
PID namespace: when the kernel stops, every process it started stops too;
when the grader dies, so does the sandbox. Limits (per process): address
space, processes, CPU time, file size and open files.

Who the kernel runs as: started by root, the user 65534 (``nobody``), switched
to with ``setpriv`` before bubblewrap starts. Started by anyone else (an
instructor's own server, the hub's formgrader running as the course's grader
account), that same account, seen as 65534 inside a user namespace: it still
sees none of that account's files.

Example
-------
>>> from reciprocity.grading import sandbox
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
from pathlib import Path

from .kernelspec import installation_problem
from .settings import Limits

__all__ = ["SandboxUnavailable", "bwrap_command", "check", "host_user", "kernel_env",
           "make_runtime_dir", "missing_tools", "stage_submission", "unreachable", "NOBODY"]

NOBODY = 65534
BWRAP = "/usr/bin/bwrap"
SETPRIV = "/usr/bin/setpriv"
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; "
                "Fedora: `sudo dnf install bubblewrap`)")
UNSAFE = "Or grade without a sandbox: --no-sandbox (unsafe)."
# where the read-only view of the submission is bound inside the sandbox
SUBMISSION_INSIDE = "/run/reciprocity/submission"


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be set up on this machine; the message says why and what to do."""


# --------------------------------------------------------------------------- command
def host_user() -> int | None:
    """The user a sandbox runs as: ``NOBODY`` when we are root, else None (our own account)."""
    return NOBODY if os.geteuid() == 0 else None


def python_roots() -> list[str]:
    """Folders the kernel's Python needs: the environment and the interpreter it was made from."""
    roots = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
             os.path.realpath(os.path.dirname(os.path.realpath(sys.executable)))}
    import reciprocity

    roots.add(os.path.dirname(os.path.realpath(reciprocity.__file__)))  # editable or installed
    # drop folders inside others (one bind each is enough) and what /usr already gives
    kept: list[str] = []
    for root in sorted(roots, key=len):
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
                  run_as: int | None = NOBODY) -> list[str]:
    """The command line that runs ``kernel_cmd`` in the sandbox.

    ``runtime_dir`` holds ``sockets/`` (bound read-write at the same path: the
    connection file and the kernel's Unix sockets) and ``submission/`` (a copy
    of the student's folder, bound read-only and copied inside into
    ``workdir``, a tmpfs of ``limits.disk`` bytes at the folder's own path).
    ``binds`` are the folders bound read-only (default: the Python environment
    and the course package). ``run_as`` is the host user the sandbox runs as
    (switched to with ``setpriv``, which needs root; each bound folder and
    every folder above it must be readable by that user); None runs it as the
    caller, seen as ``NOBODY`` inside a user namespace.
    """
    binds = python_roots() if binds is None else binds
    inside = NOBODY if run_as is None else run_as
    args = [SETPRIV, f"--reuid={run_as}", f"--regid={run_as}", "--clear-groups"] \
        if run_as is not None else []
    args += [BWRAP, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
             "--new-session", "--clearenv", "--uid", str(inside), "--gid", str(inside)]
    args += _system_binds()
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(limits.disk), "--tmpfs", "/dev/shm",
             "--size", str(limits.disk), "--tmpfs", "/tmp"]
    for folder in binds:
        args += ["--ro-bind", folder, folder]
    sockets = os.path.join(runtime_dir, "sockets")
    args += ["--bind", sockets, sockets]
    args += ["--size", str(limits.disk), "--tmpfs", workdir]
    args += ["--ro-bind-try", os.path.join(runtime_dir, "submission"), SUBMISSION_INSIDE]
    args += ["--chdir", "/"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    args += [kernel_cmd[0], "-m", "reciprocity.grading.sandbox_init", json.dumps(limits.rlimits()),
             SUBMISSION_INSIDE, workdir, "--", *kernel_cmd]
    return args


def kernel_env(launch_env: dict[str, str] | None) -> dict[str, str]:
    """The kernel's environment: a fixed minimum plus nbgrader's markers; nothing else of the grader's.

    The sandbox starts with ``--clearenv``, so what jupyter_client adds for a
    kernel it watches from outside (``JPY_PARENT_PID``, a process the sandbox
    cannot see) stays outside.
    """
    venv_bin = os.path.dirname(sys.executable)
    env = {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
           "TMPDIR": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib", "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if sys.prefix != sys.base_prefix:
        env["VIRTUAL_ENV"] = sys.prefix
    for key, value in (launch_env or {}).items():
        if key.startswith(("NBGRADER_", "JPY_SESSION_NAME")) or key == "PYDEVD_DISABLE_FILE_VALIDATION":
            env[key] = value
    return env


def make_runtime_dir(run_as: int | None, parent: str | None = None) -> str:
    """A fresh folder with ``sockets/`` (owned by ``run_as``, if given) and room for ``submission/``."""
    base = tempfile.mkdtemp(prefix="reciprocity-kernel-", dir=parent)
    os.chmod(base, 0o755)
    sockets = os.path.join(base, "sockets")
    os.mkdir(sockets, 0o700)
    if run_as is not None:
        os.chown(sockets, run_as, run_as)
    return base


def stage_submission(workdir: str, target: str) -> None:
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


# --------------------------------------------------------------------------- checks
def missing_tools() -> str:
    """What this machine lacks to start a sandbox at all ("" if nothing), with the fix."""
    tools = [(BWRAP, INSTALL_HINT)]
    if host_user() is not None:
        tools.append((SETPRIV, "install util-linux (`sudo apt-get install util-linux`)"))
    for tool, fix in tools:
        if not os.access(tool, os.X_OK):
            return f"the grading sandbox needs {tool}, which is missing: {fix}."
    return ""


def unreachable(folders: list[str], uid: int) -> list[str]:
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

    Checks that ``bwrap`` (and, as root, ``setpriv``) exist, that the
    ``reciprocity-sandbox`` kernel is installed, that the sandbox user can
    reach the Python environment, that the namespaces can be created, and
    that the sandbox has no network and cannot see the grader's files.
    """
    problem = missing_tools() or installation_problem()
    if problem:
        raise SandboxUnavailable(f"{problem} {UNSAFE}")
    run_as = host_user()
    closed = unreachable(python_roots(), run_as) if run_as is not None else []
    if closed:
        raise SandboxUnavailable(
            f"the sandbox user ({run_as}) cannot reach {', '.join(closed)}, which the kernel needs "
            "read-only: make the folders above it traversable (`chmod o+x` on each) or put the "
            f"course's environment elsewhere (e.g. under /opt). {UNSAFE}")
    limits = limits or Limits()
    # a listener on the grader's loopback and a file of the grader's: the sandbox must reach neither
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    runtime = make_runtime_dir(run_as)
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
                            runtime_dir=runtime, limits=limits, env=kernel_env(None), run_as=run_as)
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
        raise SandboxUnavailable(f"the grading sandbox could not start ({detail}); {fix}. {UNSAFE}")
    uid, net, sees_host = proc.stdout.split()
    if uid != str(NOBODY) or net == "open" or sees_host != "False":
        raise SandboxUnavailable(f"the grading sandbox is not isolated (uid {uid}, network {net}, "
                                 f"host files visible: {sees_host}); refusing to grade.")
