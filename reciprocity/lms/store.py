"""A small JSON file that several processes may update: a lock for each change, an atomic replace.

The hub (launches) and the grading service (the grade ledger) each keep one
such file in the LTI state folder. Every change holds an exclusive lock on a
sibling ``.lock`` file for its read-modify-write, and the new content is
written to a temporary file in the same folder and renamed over the old one,
so a reader sees the old file or the new one, never a part, and a crash keeps
the last complete state.

This is not ``reciprocity.grading.reports.atomic_file``: that one imports
pandas and nbgrader, which the hub process (which records launches) does not
need.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["JsonStore"]


class JsonStore:
    """One JSON object in ``path``, read whole and changed under a lock.

    Example
    -------
    >>> store = JsonStore("/srv/hub/lti/ledger.json")        # doctest: +SKIP
    >>> with store.change() as data:                          # doctest: +SKIP
    ...     data.setdefault("posted", {})["ann"] = 3.5
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def read(self) -> dict[str, Any]:
        """The stored object (``{}`` when the file does not exist yet)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{self.path} is not valid JSON ({err}); restore it from a backup or "
                             "delete it (its records are rebuilt as people launch again)") from err
        if not isinstance(data, dict):
            raise ValueError(f"{self.path} does not hold a JSON object; delete it or restore a backup")
        return data

    @contextlib.contextmanager
    def change(self) -> Iterator[dict[str, Any]]:
        """Yield the stored object; write it back, atomically, when the block ends without error."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = self.read()
                yield data
                self._write(data)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, data: dict[str, Any]) -> None:
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}-", suffix=".part", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(name, 0o600)  # launches and grades are personal data
            os.replace(name, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
