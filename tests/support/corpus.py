"""An adversarial corpus of lab submissions: real answered notebooks, broken in the ways students break them.

Every submission starts from a real one: a lab's student release
(``exercises/<lab>/``) answered with the model answers of ``solutions/<lab>/``,
fully (``full``), in part (``partial-a``: the first half of the code
answers; ``partial-b``: all but the last) or not at all (``blank``, the
release as given). Then one to three mutations change it, as issue 22 lists
them:

structure   cells deleted (any, or the graded tests), reordered, duplicated
metadata    grade ids, points, checksums, cell types and nbgrader flags edited;
            the kernel spec changed; nbgrader or all metadata removed
hostile     an answer replaced by an endless loop (one that ignores interrupts
            too), a fork bomb, a flood of output, or code that reads other
            students' folders, the answer key and the gradebook and tries to
            carry what it read out (outputs, files, errors, the score); a
            hidden-test block opened in an answer and never closed
file        invalid JSON, binary data, an empty file, another format
            version, JSON that is no notebook, a file too large to grade

``corpus(n, lab)`` makes submissions ``0 .. n-1`` (``iter_corpus`` one at a
time), each from its own ``random.Random(seed)``: the same index always gives
the same bytes, so a slice (the first 200) is fixed and the whole corpus
reproducible. ``submissions(lab)`` is a hypothesis strategy over the same
bases and mutation functions, for property tests. ``plant_canaries``,
``leaks`` and ``excess`` are the checks the test and the benchmark share:
secrets where no submission may reach and where they turn up, and scores
above what the cells earned.

What a submission is expected to score is bounded by its base: mutations
never add an answer, so no submission may score more than its base does
graded on its own, and anything built on ``blank`` scores 0.
"""
from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tests.support.common import ROOT

__all__ = ["LAB", "BASES", "MUTATIONS", "FILE_MUTATIONS", "HOSTILE_MUTATIONS", "Lab", "Targets",
           "Submission", "build", "corpus", "iter_corpus", "submissions", "answered", "plant_canaries",
           "leaks", "excess"]

LAB = "trials"  # the lab that executes fastest: the cheapest real submissions
BASES = ("full", "partial-a", "partial-b", "blank")
MiB = 1024 ** 2
# a marker the hostile cells print before anything they managed to read (tests look for it)
READ_MARK = "corpus-read:"
_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


# --------------------------------------------------------------------------- the lab
@dataclass(frozen=True)
class Lab:
    """A lab's source notebook (with answers and hidden tests) and its student release, as JSON."""

    name: str
    source: dict
    release: dict

    @classmethod
    def load(cls, name: str = LAB, root: Path = ROOT) -> Lab:
        read = lambda folder: json.loads((root / folder / name / f"{name}.ipynb").read_text("utf-8"))  # noqa: E731
        return cls(name, read("solutions"), read("exercises"))

    @cached_property
    def answers(self) -> dict[str, str]:
        """grade_id -> the model answer, as a student would type it (no solution markers)."""
        out = {}
        for cell in self.source["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if meta.get("solution"):
                lines = _text(cell["source"]).splitlines()
                out[meta["grade_id"]] = "\n".join(ln for ln in lines if not _MARKER.match(ln))
        return out

    @cached_property
    def code_answers(self) -> list[str]:
        """grade ids of the code answer cells, in notebook order."""
        return [c["metadata"]["nbgrader"]["grade_id"] for c in self.release["cells"]
                if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("solution")]

    def answered_ids(self, base: str) -> set[str]:
        """The answers a base fills in: all; the first half of the code answers (later answers
        build on earlier ones, as a student who stopped half way); all but the last code answer; none."""
        code = self.code_answers
        return {"full": set(self.answers), "partial-a": set(code[: len(code) // 2]),
                "partial-b": set(self.answers) - {code[-1]}, "blank": set()}[base]


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def answered(lab: Lab, base: str) -> dict:
    """The release answered as ``base`` says: a real, honest submission (notebook JSON)."""
    if base not in BASES:
        raise ValueError(f"unknown base {base!r}; choose from {', '.join(BASES)}")
    nb = copy.deepcopy(lab.release)
    chosen = lab.answered_ids(base)
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in chosen and cell["metadata"]["nbgrader"].get("solution"):
            cell["source"] = lab.answers[gid]
    return nb


# --------------------------------------------------------------------------- targets of attacks
@dataclass(frozen=True)
class Targets:
    """Where reading attacks look: paths outside the student's own folder, tried in turn.

    The defaults are what a student can guess from inside
    ``autograded/<student>/<lab>/``: the answer key, the gradebook and other
    students' folders, relative to the course. A test adds the absolute paths
    where it planted its canaries.
    """

    paths: tuple[str, ...] = ()

    def all_paths(self, lab: str) -> list[str]:
        guessed = [f"../../../solutions/{lab}/{lab}.ipynb", "../../../gradebook.db",
                   "../../../nbgrader_config.py", "../../../submitted", "../..", "/", "/root",
                   "/proc/1/cmdline", "/proc/1/environ", "/etc/shadow"]
        return [*self.paths, *guessed]


# --------------------------------------------------------------------------- mutations
Mutation = Callable[[dict, random.Random, Lab, Targets], "dict | bytes"]


def _nbgrader_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if isinstance(c.get("metadata"), dict)
            and isinstance(c["metadata"].get("nbgrader"), dict)]


def _graded_tests(nb: dict) -> list[dict]:
    return [c for c in _nbgrader_cells(nb) if c["metadata"]["nbgrader"].get("grade")
            and c.get("cell_type") == "code"]


def _answer_cells(nb: dict, lab: Lab) -> list[dict]:
    return [c for c in _nbgrader_cells(nb) if c["metadata"]["nbgrader"].get("grade_id") in lab.code_answers
            and c["metadata"]["nbgrader"].get("solution")]


def _pick(rng: random.Random, cells: list[dict]) -> dict | None:
    return rng.choice(cells) if cells else None


def _some(rng: random.Random, items: list) -> list:
    """A random non-empty subset of ``items`` (none if there are none)."""
    return rng.sample(items, rng.randint(1, len(items))) if items else []


def _new_code_cell(source: str, rng: random.Random) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": f"corpus-{rng.getrandbits(48):012x}",
            "metadata": {}, "outputs": [], "source": source}


# structure ------------------------------------------------------------------
def delete_cells(nb, rng, lab, targets):
    """Delete one to four cells of any kind."""
    for _ in range(rng.randint(1, min(4, len(nb["cells"]) - 1))):
        nb["cells"].pop(rng.randrange(len(nb["cells"])))
    return nb


def delete_tests(nb, rng, lab, targets):
    """Delete graded test cells (nbgrader puts them back)."""
    tests = _graded_tests(nb)
    for cell in _some(rng, tests):
        nb["cells"].remove(cell)
    return nb


def reorder_cells(nb, rng, lab, targets):
    """Shuffle a run of cells, or swap two."""
    cells = nb["cells"]
    if rng.random() < 0.5:
        i, j = rng.randrange(len(cells)), rng.randrange(len(cells))
        cells[i], cells[j] = cells[j], cells[i]
    else:
        start = rng.randrange(len(cells))
        stop = min(len(cells), start + rng.randint(2, 8))
        run = cells[start:stop]
        rng.shuffle(run)
        cells[start:stop] = run
    return nb


def duplicate_cell(nb, rng, lab, targets):
    """Copy a cell without nbgrader metadata (a new cell id, as JupyterLab gives it)."""
    plain = [c for c in nb["cells"] if "nbgrader" not in c.get("metadata", {})]
    cell = copy.deepcopy(_pick(rng, plain) or nb["cells"][0])
    cell["id"] = f"copy-{rng.getrandbits(32):08x}"
    nb["cells"].insert(rng.randrange(len(nb["cells"]) + 1), cell)
    return nb


def duplicate_graded_cell(nb, rng, lab, targets):
    """Copy a cell with nbgrader metadata: its grade id now appears twice."""
    cell = _pick(rng, _nbgrader_cells(nb))
    if cell is not None:
        twin = copy.deepcopy(cell)
        twin["id"] = f"copy-{rng.getrandbits(32):08x}"
        nb["cells"].insert(rng.randrange(len(nb["cells"]) + 1), twin)
    return nb


# metadata -------------------------------------------------------------------
def edit_grade_id(nb, rng, lab, targets):
    """A cell's grade id renamed, emptied, made a number or another cell's id."""
    cells = _nbgrader_cells(nb)
    cell = _pick(rng, cells)
    if cell is not None:
        other = rng.choice(cells)["metadata"]["nbgrader"].get("grade_id")
        cell["metadata"]["nbgrader"]["grade_id"] = rng.choice(
            ["my_answer", "", 42, None, other, f"{cell['metadata']['nbgrader'].get('grade_id')}_v2"])
    return nb


def edit_points(nb, rng, lab, targets):
    """A graded cell's points raised, made negative, text, null or removed."""
    graded = [c for c in _nbgrader_cells(nb) if c["metadata"]["nbgrader"].get("grade")]
    for cell in _some(rng, graded):
        value = rng.choice([1000, -5, 0, 2.5, "ten", None, "remove", "1e9"])
        if value == "remove":
            cell["metadata"]["nbgrader"].pop("points", None)
        else:
            cell["metadata"]["nbgrader"]["points"] = value
    return nb


def edit_checksum(nb, rng, lab, targets):
    """Checksums replaced by other hex strings, or removed."""
    for cell in _nbgrader_cells(nb):
        if rng.random() < 0.5:
            if rng.random() < 0.3:
                cell["metadata"]["nbgrader"].pop("checksum", None)
            else:
                cell["metadata"]["nbgrader"]["checksum"] = f"{rng.getrandbits(128):032x}"
    return nb


def edit_cell_type(nb, rng, lab, targets):
    """A cell with nbgrader metadata turned into another type (code, markdown, raw)."""
    cell = _pick(rng, _nbgrader_cells(nb))
    if cell is not None:
        new = rng.choice([t for t in ("code", "markdown", "raw") if t != cell["cell_type"]])
        cell["cell_type"] = new
        if new == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    return nb


def edit_flags(nb, rng, lab, targets):
    """nbgrader's grade / solution / locked / task flags flipped on a cell."""
    cell = _pick(rng, _nbgrader_cells(nb))
    if cell is not None:
        meta = cell["metadata"]["nbgrader"]
        for flag in rng.sample(["grade", "solution", "locked", "task"], rng.randint(1, 2)):
            meta[flag] = not meta.get(flag, False)
    return nb


def change_kernelspec(nb, rng, lab, targets):
    """The kernel spec pointed at another kernel, broken or removed."""
    choice = rng.choice(["bash", "ir", "missing-kernel", "remove", "string", "python2"])
    if choice == "remove":
        nb["metadata"].pop("kernelspec", None)
    elif choice == "string":
        nb["metadata"]["kernelspec"] = "python3"
    else:
        nb["metadata"]["kernelspec"] = {"name": choice, "display_name": choice.title(),
                                        "language": "python" if choice.startswith("python") else choice}
    return nb


def remove_nbgrader_metadata(nb, rng, lab, targets):
    """nbgrader metadata removed from some cells or from all."""
    cells = _nbgrader_cells(nb)
    for cell in cells if rng.random() < 0.4 else _some(rng, cells):
        del cell["metadata"]["nbgrader"]
    return nb


def remove_all_metadata(nb, rng, lab, targets):
    """Every cell's metadata and the notebook's metadata emptied."""
    nb["metadata"] = {}
    for cell in nb["cells"]:
        cell["metadata"] = {}
    return nb


def junk_nbgrader_metadata(nb, rng, lab, targets):
    """A cell's nbgrader metadata made a string, a list, an unknown schema or given odd keys."""
    cell = _pick(rng, _nbgrader_cells(nb))
    if cell is not None:
        meta = cell["metadata"]["nbgrader"]
        choice = rng.choice(["string", "list", "schema", "extra", "bool-text"])
        if choice == "string":
            cell["metadata"]["nbgrader"] = "graded"
        elif choice == "list":
            cell["metadata"]["nbgrader"] = [meta]
        elif choice == "schema":
            meta["schema_version"] = rng.choice([0, 1, 99, "3"])
        elif choice == "extra":
            meta.update({"bonus": 100, "max_score": 1000, "auto_score": 1000})
        else:
            meta["grade"] = "yes"
    return nb


# hostile code ---------------------------------------------------------------
LOOP = "while True:\n    pass"
SLEEP_LOOP = "import time\nwhile True:\n    time.sleep(0.05)"
# a bare except swallows the grader's interrupt: only the limit per student stops it
STUBBORN_LOOP = ("while True:\n    try:\n        while True:\n            pass\n"
                 "    except BaseException:\n        pass")
FORK_BOMB = ("import os\nwhile True:\n    try:\n        os.fork()\n"
             "    except OSError:\n        pass")
FLOOD = "import sys\nfor _ in range(%d):\n    sys.stdout.write('y' * 1_000_000 + '\\n')"
READER = '''
import os, glob, json
_found = []
for _path in %(paths)r:
    try:
        if os.path.isdir(_path):
            for _root, _dirs, _files in os.walk(_path):
                _dirs[:] = [d for d in _dirs if d not in ("proc", "sys", "usr", "dev")][:20]
                for _name in _files[:50]:
                    try:
                        with open(os.path.join(_root, _name), "rb") as _f:
                            _found.append(_f.read(200_000).decode("utf-8", "replace"))
                    except OSError:
                        pass
                if len(_found) > 400:
                    break
        else:
            with open(_path, "rb") as _f:
                _found.append(_f.read().decode("utf-8", "replace"))
    except OSError as _err:
        print("cannot read", _path, type(_err).__name__)
_loot = "\\n".join(_found)
print(%(mark)r, _loot[:100_000])
open("loot.txt", "w").write(_loot)
try:  # the answer key, if it was read, would give the answers: run them
    _key = json.loads(next(t for t in _found if '"nbformat"' in t and "BEGIN SOLUTION" in t))
    for _cell in _key["cells"]:
        if _cell["cell_type"] == "code" and _cell["metadata"].get("nbgrader", {}).get("solution"):
            exec("".join(_cell["source"]), globals())
except (StopIteration, ValueError, KeyError, Exception) as _err:
    print("no key:", type(_err).__name__)
if _loot:
    raise RuntimeError(%(mark)r + _loot[:5000])
'''
GRADEBOOK_WRITER = '''
import sqlite3
for _path in %(paths)r:
    if not _path.endswith(".db"):
        continue
    try:
        _con = sqlite3.connect(_path)
        _con.execute("UPDATE grade SET auto_score = 1000, manual_score = 1000")
        _con.commit()
        print("gradebook changed", _path)
    except Exception as _err:
        print("gradebook", type(_err).__name__)
'''


def _replace_answer(nb, rng, lab, source: str) -> dict:
    cell = _pick(rng, _answer_cells(nb, lab))
    if cell is None:
        nb["cells"].insert(rng.randrange(len(nb["cells"]) + 1), _new_code_cell(source, rng))
    else:
        cell["source"] = source
    return nb


def infinite_loop(nb, rng, lab, targets):
    """An answer replaced by an endless loop (busy or sleeping)."""
    return _replace_answer(nb, rng, lab, rng.choice([LOOP, SLEEP_LOOP]))


def stubborn_loop(nb, rng, lab, targets):
    """An answer replaced by an endless loop that swallows interrupts."""
    return _replace_answer(nb, rng, lab, STUBBORN_LOOP)


def fork_bomb(nb, rng, lab, targets):
    """An answer replaced by a fork bomb."""
    return _replace_answer(nb, rng, lab, FORK_BOMB)


def huge_output(nb, rng, lab, targets):
    """An answer replaced by a flood of output (10 to 30 MB printed)."""
    return _replace_answer(nb, rng, lab, FLOOD % rng.randint(10, 30))


def read_other_folders(nb, rng, lab, targets):
    """An answer replaced by code that reads the key, the gradebook and other students' work and leaks it."""
    paths = targets.all_paths(lab.name)
    rng.shuffle(paths)
    return _replace_answer(nb, rng, lab, READER % {"paths": paths, "mark": READ_MARK})


def write_gradebook(nb, rng, lab, targets):
    """A cell that tries to give itself full marks in the gradebook."""
    paths = [p for p in targets.all_paths(lab.name) if p.endswith(".db")]
    cell = _new_code_cell(GRADEBOOK_WRITER % {"paths": paths}, rng)
    nb["cells"].insert(rng.randrange(1, len(nb["cells"]) + 1), cell)
    return nb


def fake_hidden_markers(nb, rng, lab, targets):
    """An answer that opens a hidden-test block it never closes (nbgrader's feedback stops on it)."""
    cell = _pick(rng, _answer_cells(nb, lab))
    if cell is not None:
        cell["source"] = "### BEGIN HIDDEN TESTS\n" + _text(cell["source"])
    return nb


# the whole file -------------------------------------------------------------
def _dump(nb: dict) -> bytes:
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def invalid_json(nb, rng, lab, targets):
    """The JSON cut short, its last brace dropped, a quote lost or a trailing comma added."""
    text = _dump(nb)
    choice = rng.choice(["truncate", "brace", "quote", "comma"])
    if choice == "brace":
        broken = text.rstrip()[:-1]
    elif choice == "quote":
        i = text.index(b'"', rng.randrange(len(text) // 2))
        broken = text[:i] + text[i + 1:]
    elif choice == "comma":
        broken = text.rstrip()[:-1] + b",}"
    else:
        broken = text[: rng.randrange(1, len(text) - 2)]
    try:  # a lost quote can still leave valid JSON (inside a string): then cut it short
        json.loads(broken)
    except ValueError:
        return broken
    return text[: len(text) // 2]


def binary_file(nb, rng, lab, targets):
    """Binary data saved as the notebook: random bytes, a zip, an image or UTF-16 JSON."""
    choice = rng.choice(["random", "zip", "png", "utf16"])
    if choice == "random":
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(16, 4096)))
    if choice == "zip":
        return b"PK\x03\x04" + bytes(rng.getrandbits(8) for _ in range(512))
    if choice == "png":
        return b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(512))
    return json.dumps(nb).encode("utf-16")


def empty_file(nb, rng, lab, targets):
    """An empty file, or one of blanks."""
    return rng.choice([b"", b"\n", b"   \n\t\n"])


def other_format(nb, rng, lab, targets):
    """A notebook of another format version (3, 5) or without one."""
    choice = rng.choice([3, 5, "missing", "text"])
    if choice == "missing":
        nb.pop("nbformat", None)
    elif choice == "text":
        nb["nbformat"] = "4"
    else:
        nb["nbformat"] = choice
    return _dump(nb)


def not_a_notebook(nb, rng, lab, targets):
    """Valid JSON that is not a notebook: a list, a number, null, another object, cells not a list."""
    choice = rng.choice(["list", "number", "null", "object", "cells", "cell"])
    if choice == "list":
        return json.dumps(nb["cells"]).encode()
    if choice == "number":
        return b"42\n"
    if choice == "null":
        return b"null"
    if choice == "object":
        return json.dumps({"name": "my notebook", "answers": [1, 2, 3]}).encode()
    if choice == "cells":
        nb["cells"] = {"first": nb["cells"][0]}
        return _dump(nb)
    cell = rng.choice(nb["cells"])
    cell.pop(rng.choice(["source", "cell_type", "metadata"]))
    return _dump(nb)


def too_large(nb, rng, lab, targets):
    """50 to 60 MB of stored output in one cell (the notebook is far over the limit)."""
    cell = next((c for c in nb["cells"] if c["cell_type"] == "code"), None)
    size = rng.randint(50, 60) * MiB
    output = {"name": "stdout", "output_type": "stream", "text": "z" * size}
    if cell is None:
        cell = _new_code_cell("", rng)
        nb["cells"].append(cell)
    cell["outputs"] = [output]
    return _dump(nb)


MUTATIONS: dict[str, tuple[Mutation, float]] = {  # name -> (function, weight)
    "delete_cells": (delete_cells, 4), "delete_tests": (delete_tests, 4),
    "reorder_cells": (reorder_cells, 4), "duplicate_cell": (duplicate_cell, 3),
    "duplicate_graded_cell": (duplicate_graded_cell, 3),
    "edit_grade_id": (edit_grade_id, 4), "edit_points": (edit_points, 4),
    "edit_checksum": (edit_checksum, 4), "edit_cell_type": (edit_cell_type, 4),
    "edit_flags": (edit_flags, 4), "change_kernelspec": (change_kernelspec, 3),
    "remove_nbgrader_metadata": (remove_nbgrader_metadata, 3),
    "remove_all_metadata": (remove_all_metadata, 2), "junk_nbgrader_metadata": (junk_nbgrader_metadata, 3),
    "infinite_loop": (infinite_loop, 3), "stubborn_loop": (stubborn_loop, 0.5),
    "fork_bomb": (fork_bomb, 1), "huge_output": (huge_output, 2),
    "read_other_folders": (read_other_folders, 4), "write_gradebook": (write_gradebook, 2),
    "fake_hidden_markers": (fake_hidden_markers, 1),
    "invalid_json": (invalid_json, 5), "binary_file": (binary_file, 4), "empty_file": (empty_file, 3),
    "other_format": (other_format, 3), "not_a_notebook": (not_a_notebook, 4), "too_large": (too_large, 1),
}
FILE_MUTATIONS = ("invalid_json", "binary_file", "empty_file", "other_format", "not_a_notebook", "too_large")
HOSTILE_MUTATIONS = ("infinite_loop", "stubborn_loop", "fork_bomb", "huge_output", "read_other_folders",
                     "write_gradebook", "fake_hidden_markers")
# hostile code is most telling on the blank release: whatever it earns, it did not earn by answering
_HOSTILE_BASE = "blank"


@dataclass(frozen=True)
class Submission:
    """One corpus submission: its student id, how it was made, and the notebook file's bytes."""

    student: str
    seed: int
    base: str
    mutations: tuple[str, ...]
    content: bytes = field(repr=False)

    @property
    def label(self) -> str:
        return f"{self.base}: {' + '.join(self.mutations)}"

    def write(self, course: Path, lab: str) -> Path:
        """Put it where nbgrader's collect would: ``submitted/<student>/<lab>/<lab>.ipynb``."""
        folder = course / "submitted" / self.student / lab
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{lab}.ipynb"
        path.write_bytes(self.content)
        return path


def build(lab: Lab, base: str, names: list[str] | tuple[str, ...], seed: int,
          targets: Targets = Targets(), student: str | None = None) -> Submission:
    """``base`` answered, then the named mutations applied in order, each drawing from one seeded rng.

    A file-level mutation (``FILE_MUTATIONS``) ends the chain: it returns bytes.
    """
    rng = random.Random(seed)
    nb = answered(lab, base)
    content: bytes | None = None
    for name in names:
        if content is not None:
            break
        result = MUTATIONS[name][0](nb, rng, lab, targets)
        if isinstance(result, bytes):
            content = result
        else:
            nb = result
    return Submission(student or f"s{seed}", seed, base, tuple(names), content if content is not None
                      else _dump(nb))


def _draw(rng: random.Random) -> tuple[str, list[str]]:
    names = list(MUTATIONS)
    weights = [MUTATIONS[n][1] for n in names]
    chosen = rng.choices(names, weights)
    # a third of the submissions stack one or two changes (not file-level ones) before it
    if rng.random() < 1 / 3:
        plain = [n for n in names if n not in FILE_MUTATIONS and n not in HOSTILE_MUTATIONS]
        chosen = rng.sample(plain, rng.randint(1, 2)) + chosen
    base = _HOSTILE_BASE if any(n in HOSTILE_MUTATIONS for n in chosen) else rng.choice(BASES)
    return base, chosen


def iter_corpus(n: int, lab: Lab | None = None, targets: Targets = Targets(), start: int = 0,
                seed: int = 22) -> Iterator[Submission]:
    """Submissions ``start .. start+n-1`` of the corpus ``seed``, one at a time (a few are 50 MB)."""
    lab = lab or Lab.load()
    for index in range(start, start + n):
        rng = random.Random(f"{seed}:{index}")
        base, names = _draw(rng)
        yield build(lab, base, names, rng.getrandbits(32), targets, student=f"c{index:04d}")


def corpus(n: int, lab: Lab | None = None, targets: Targets = Targets(), start: int = 0,
           seed: int = 22) -> list[Submission]:
    """Submissions ``start .. start+n-1`` of the corpus ``seed`` (student ids ``c0000``, ``c0001``, ...)."""
    return list(iter_corpus(n, lab, targets, start, seed))


def submissions(lab: Lab | None = None, targets: Targets = Targets()):
    """A hypothesis strategy of corpus submissions: a base, one to three mutations and a seed."""
    from hypothesis import strategies as st

    lab = lab or Lab.load()
    plain = [n for n in MUTATIONS if n not in FILE_MUTATIONS]

    @st.composite
    def strategy(draw):
        names = draw(st.lists(st.sampled_from(plain), min_size=0, max_size=2))
        names.append(draw(st.sampled_from(list(MUTATIONS))))
        base = draw(st.sampled_from(BASES))
        return build(lab, base, names, draw(st.integers(0, 2 ** 32 - 1)), targets)

    return strategy()


# --------------------------------------------------------------------------- canaries and checks
def plant_canaries(course: Path, lab: str = LAB, honest: str = "honest-full") -> tuple[Targets, dict[str, str]]:
    """Canaries where no submission may reach, in a course whose lab is released; the paths to try.

    A comment in a model answer of the answer key (``solutions/``), a file in
    ``honest``'s submitted folder, a student's name in the gradebook and a
    file in the course's root. Returns the targets for reading attacks (those
    absolute paths and the folders around them) and place -> canary text.
    """
    from nbgrader.api import Gradebook

    token = f"{random.SystemRandom().getrandbits(48):012x}"
    canaries = {place: f"canary-{place}-{token}" for place in ("source", "student", "gradebook", "course")}
    source = course / "solutions" / lab / f"{lab}.ipynb"
    nb = json.loads(source.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "### END SOLUTION" in _text(c["source"]))
    cell["source"] = _text(cell["source"]).replace("### END SOLUTION", f"# {canaries['source']}\n### END SOLUTION", 1)
    source.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    notes = course / "submitted" / honest / lab / "notes.txt"
    notes.parent.mkdir(parents=True, exist_ok=True)
    notes.write_text(f"my own notes {canaries['student']}\n")
    (course / "instructor-notes.txt").write_text(f"answers to check {canaries['course']}\n")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.update_or_create_student("canary-keeper", first_name=canaries["gradebook"])
    targets = Targets(paths=(str(source), str(course / "gradebook.db"), str(notes),
                             str(course / "instructor-notes.txt"), str(course / "submitted"), str(course)))
    return targets, canaries


def leaks(course: Path, results: dict, canaries: dict[str, str], honest: str = "honest-full",
          lab: str = LAB) -> list[str]:
    """Where a canary shows up: graded notebooks, feedback, any file nbgrader left, logs and notes.

    ``results`` maps student ids to ``StudentResult``. The honest student's own
    notes (copied into their graded and feedback folders by nbgrader) are theirs to have.
    """
    own = {course / step / honest / lab / "notes.txt" for step in ("autograded", "feedback")}
    found = []
    for folder in ("autograded", "feedback"):
        for path in sorted((course / folder).rglob("*")):
            if path.is_file() and path not in own:
                data = path.read_bytes()
                found += [f"{place} in {path.relative_to(course)}" for place, text in canaries.items()
                          if text.encode() in data]
    for student, res in results.items():
        found += [f"{place} in {student}'s log or note" for place, text in canaries.items()
                  if text in res.log or text in res.note]
    return found


def _raised(autograded: Path) -> set[str]:
    """grade ids of the cells of a graded notebook that have an error output."""
    nb = json.loads(autograded.read_text(encoding="utf-8"))
    return {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb["cells"]
            if c.get("cell_type") == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))}


def excess(course: Path, lab: Lab, results: dict, submissions: dict[str, Submission],
           ceilings: dict[str, float], db_url: str) -> list[tuple[str, str, float]]:
    """Every way a graded corpus submission scored more than its cells earned: (student, what, by how much).

    A grade above the cell's points in the answer key; points for a test
    cell that raised; a submission score other than the sum of its grades
    (the gradebook's or the grader's); a score above its base's score when
    graded alone (``ceilings``: base -> score; 0 for the blank release).
    """
    from nbgrader.api import Gradebook

    points = {c["metadata"]["nbgrader"]["grade_id"]: float(c["metadata"]["nbgrader"]["points"])
              for c in lab.source["cells"] if c["metadata"].get("nbgrader", {}).get("grade")}
    out = []
    with Gradebook(db_url) as gb:
        for student, sub in submissions.items():
            res = results[student]
            if res.status != "graded":
                continue
            record = gb.find_submission(lab.name, student)
            raised = _raised(course / "autograded" / student / lab.name / f"{lab.name}.ipynb")
            total = 0.0
            for notebook in record.notebooks:
                for grade in notebook.grades:
                    score = float(grade.score or 0)
                    total += score
                    if score > points.get(grade.name, 0) or score < 0:
                        out.append((student, f"{grade.name} scored {score:g} of {points.get(grade.name)}",
                                    score - points.get(grade.name, 0)))
                    if grade.cell.cell_type == "code" and score > 0 and grade.name in raised:
                        out.append((student, f"{grade.name} raised but scored {score:g}", score))
            for name, value in (("gradebook", float(record.score)), ("grader", float(res.score or 0))):
                if abs(value - total) > 1e-9:
                    out.append((student, f"the {name}'s score {value:g} is not the sum of its grades {total:g}",
                                value - total))
            if total > ceilings[sub.base] + 1e-9:
                out.append((student, f"scored {total:g}, its base ({sub.base}) {ceilings[sub.base]:g} alone",
                            total - ceilings[sub.base]))
    return out
