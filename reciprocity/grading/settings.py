"""The settings of one grading run: the one shape that goes from the command line to the workers.

``GradingSettings`` is made once (by ``grade_lab``), written to JSON for each
worker process (``to_json``) and read back there (``from_json``); the worker
turns it into nbgrader configuration. ``Limits`` are the sandbox's resource
limits, part of the settings.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

__all__ = ["Limits", "GradingSettings", "MiB", "GiB", "SANDBOX_KERNEL", "PLAIN_KERNEL"]

MiB = 1024 ** 2
GiB = 1024 ** 3
# the kernel whose provisioner starts every kernel in the sandbox (reciprocity.grading.provisioner)
SANDBOX_KERNEL = "reciprocity-sandbox"
# ipykernel's own kernel, for --no-sandbox
PLAIN_KERNEL = "python3"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one student's sandbox.

    ``memory`` (address space of each process, bytes), ``processes`` (processes
    and threads of the sandbox user), ``cpu_seconds`` (CPU time of each
    process), ``disk`` (size of the writable folder and of ``/tmp``, each, and
    the largest file), ``output`` (bytes of notebook output the grader keeps)
    and ``open_files``. The wall-clock limit is the grader's (per cell and per
    student). ``notebook`` is checked before any sandbox starts: a submitted
    notebook file larger than this is not graded but flagged (see
    ``reciprocity.grading.intake``); it is mostly stored output, which
    nbgrader clears anyway, but it costs the grader memory and time to read.
    """

    memory: int = 3 * GiB
    processes: int = 128
    cpu_seconds: int = 900
    disk: int = 100 * MiB
    output: int = 8 * MiB
    open_files: int = 512
    notebook: int = 20 * MiB

    def rlimits(self) -> dict[str, int]:
        """The limits the sandbox sets with ``setrlimit`` (``output`` is the grader's)."""
        return {"memory": self.memory, "processes": self.processes,
                "cpu_seconds": self.cpu_seconds, "file_size": self.disk,
                "open_files": self.open_files}


@dataclass(frozen=True)
class GradingSettings:
    """What every worker of one run needs to grade a student.

    Parameters
    ----------
    lab : str
        The assignment.
    db : str
        The gradebook URL (see ``reciprocity.grading.gradebook.gradebook_url``).
    timeout : int
        Seconds each cell may run.
    sandbox : bool
        Run kernels in the sandbox (the ``reciprocity-sandbox`` kernel) or as the grader.
    limits : Limits
        The sandbox's limits; ``limits.output`` applies without a sandbox too.
    runtime_parent : str
        Where the sandboxes' working folders go ("" for the system's temporary folder).
    """

    lab: str
    db: str
    timeout: int = 60
    sandbox: bool = True
    limits: Limits = field(default_factory=Limits)
    runtime_parent: str = ""

    @property
    def kernel_name(self) -> str:
        """The kernel nbgrader starts for each notebook."""
        return SANDBOX_KERNEL if self.sandbox else PLAIN_KERNEL

    def to_json(self) -> str:
        """The settings as one line of JSON (``from_json`` reads it back)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> GradingSettings:
        """Settings written by ``to_json``; a ``TypeError`` names any field it does not know."""
        data = json.loads(text)
        return cls(**{**data, "limits": Limits(**data.get("limits", {}))})
