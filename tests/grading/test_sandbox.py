"""Hostile submissions, graded in one sandboxed parallel batch between two honest students.

One course (the real ``outreach`` lab). ``honest-before`` is graded alone
first; then one batch of ``--jobs 2`` grades an honest student and nine
attacks, each of which would cheat, damage or escape without the sandbox;
then ``honest-after`` is graded alone. A small control batch grades two of
the attacks *without* the sandbox, to prove that they are real attacks.

key-reader      reads the answer key (solutions/) and runs it: 0 (control: full marks)
loopback        fetches answers from a server on 127.0.0.1: 0, server sees nobody (control: full)
gradebook-editor zeroes every grade in gradebook.db and overwrites the file: 0, nothing changed
hidden-printer  prints every cell it sees (hidden tests included): full marks, no hidden text kept
escaper         writes into other students' folders, /tmp, the repository: full, nothing written
daemon          leaves processes running in new sessions: full, none survives
memory-hog      allocates 8 GiB: MemoryError in its cell, full marks
flooder         prints 30 MB: output cut at the limit, full marks
disk-filler     fills its folder, /tmp and /dev/shm: stopped at the limit, full marks
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import uuid

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from reciprocity import grading
from reciprocity.grading import sandbox
from reciprocity.grading.preprocessors import flat, output_text
from reciprocity.grading.settings import Limits
from tests.support.common import ROOT, LoopbackServer, processes_with, release_lab

LAB = "outreach"
TOKEN = uuid.uuid4().hex[:12]
DAEMON_SECONDS = ("9871", "9872")  # unusual sleep lengths, to find the daemons' processes
ESCAPES = ["/tmp/reciprocity-escape-{token}", "{course}/escape-{token}",
           "{course}/autograded/honest-before/outreach/escape-{token}",
           "{course}/submitted/honest-during/outreach/escape-{token}", f"{ROOT}/escape-{{token}}"]

KEY_CELL = '''
import json
_key = {}
for _path in [%(key)r, "../../../solutions/outreach/outreach.ipynb"]:
    try:
        _nb = json.load(open(_path))
        _key = {c["id"]: "".join(c["source"]) for c in _nb["cells"] if c["cell_type"] == "code"}
        break
    except OSError as err:
        print("answer key:", type(err).__name__)
'''
LOOPBACK_CELL = '''
import json, socket
_key = {}
try:
    with socket.create_connection(("127.0.0.1", %(port)d), timeout=3) as _s:
        _data = b""
        while _chunk := _s.recv(1 << 16):
            _data += _chunk
    _key = json.loads(_data)
except OSError as err:
    print("loopback:", type(err).__name__)
'''
GRADEBOOK_CELL = '''
import sqlite3
try:
    _con = sqlite3.connect(%(db)r)
    _con.execute("UPDATE grade SET auto_score = 0, manual_score = 0")
    _con.commit()
except Exception as err:
    print("gradebook update:", type(err).__name__)
for _path in [%(db)r, "../../../gradebook.db"]:
    try:
        open(_path, "wb").write(b"ruined")
    except OSError as err:
        print("gradebook overwrite:", type(err).__name__)
'''
PRINTER_CELL = '''
def _show(info):
    print(info.raw_cell)
get_ipython().events.register("pre_run_cell", _show)
'''
ESCAPER_CELL = '''
for _path in %(paths)r + ["mine.txt"]:
    try:
        open(_path, "w").write("escaped")
    except OSError as err:
        print("write", type(err).__name__)
'''
DAEMON_CELL = '''
import subprocess
subprocess.Popen(["sleep", "%s"], start_new_session=True)
subprocess.Popen("setsid sleep %s > /dev/null 2>&1 &", shell=True)
''' % DAEMON_SECONDS
MEMORY_CELL = "_hog = bytearray(8 * 1024 ** 3)\n_hog[::4096] = b'x' * len(_hog[::4096])"
FLOOD_CELL = "for _ in range(300):\n    print('x' * 100_000)"
DISK_CELL = '''
_written = 0
for _target in ["fill.bin", "/tmp/fill.bin", "/dev/shm/fill.bin"]:
    try:
        with open(_target, "wb") as _f:
            for _ in range(4000):
                _f.write(b"\\0" * (1 << 20))
                _written += 1 << 20
    except OSError as err:
        print(_target, type(err).__name__)
print("written MiB", _written >> 20)
'''
USE_KEY = "exec(_key.get(%r, 'raise NotImplementedError()'))"


def _solution_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("solution")]


def _insert_after_setup(nb, source):
    nb = copy.deepcopy(nb)
    i = next(i for i, c in enumerate(nb.cells) if c.get("id") == "setup")
    nb.cells.insert(i + 1, new_code_cell(source))
    return nb


def _answers_from_key(release, first):
    """The release, with an attack cell first and every answer cell replaced by `exec(key[id])`."""
    nb = _insert_after_setup(release, first)
    for cell in _solution_cells(nb):
        cell.source = USE_KEY % cell.id
    return nb


def _auto_points(nb):
    return sum(c.metadata["nbgrader"].get("points", 0) for c in nb.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade"))


def _write(course, student, nb):
    folder = course / "submitted" / student / LAB
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{LAB}.ipynb")


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade honest-before, then the hostile batch (sandboxed, 2 jobs), then honest-after."""
    course = tmp_path_factory.mktemp("hostile-course")
    release_lab(course, LAB)
    source = nbformat.read(course / "solutions" / LAB / f"{LAB}.ipynb", as_version=4)
    release = nbformat.read(course / "exercises" / LAB / f"{LAB}.ipynb", as_version=4)
    key = {c.id: c.source for c in source.cells if c.cell_type == "code"}
    server = LoopbackServer(json.dumps(key).encode())
    db = course / "gradebook.db"
    paths = [p.format(token=TOKEN, course=course) for p in ESCAPES]
    full = _auto_points(source)
    quiet = dict(timeout=60, student_timeout=300, echo=lambda *a: None)

    _write(course, "honest-before", source)
    (before,) = grading.grade_lab(LAB, course, students=["honest-before"], jobs=1, **quiet)
    assert before.status == "graded" and before.score == full, before.log[-3000:]
    notebook_before = _sha(course / "autograded" / "honest-before" / LAB / f"{LAB}.ipynb")

    hostile = {
        "key-reader": (_answers_from_key(release, KEY_CELL % {"key": str(course / "solutions" / LAB / f"{LAB}.ipynb")}),
                       0),
        "loopback": (_answers_from_key(release, LOOPBACK_CELL % {"port": server.port}), 0),
        "gradebook-editor": (_insert_after_setup(release, GRADEBOOK_CELL % {"db": str(db)}), 0),
        "hidden-printer": (_insert_after_setup(source, PRINTER_CELL), full),
        "escaper": (_insert_after_setup(source, ESCAPER_CELL % {"paths": paths}), full),
        "daemon": (_insert_after_setup(source, DAEMON_CELL), full),
        "memory-hog": (_insert_after_setup(source, MEMORY_CELL), full),
        "flooder": (_insert_after_setup(source, FLOOD_CELL), full),
        "disk-filler": (_insert_after_setup(source, DISK_CELL), full),
        "honest-during": (source, full),
    }
    for student, (nb, _) in hostile.items():
        _write(course, student, nb)
    lines = []
    results = grading.grade_lab(LAB, course, students=list(hostile), jobs=2,
                                **{**quiet, "echo": lines.append})
    daemons = [pid for s in DAEMON_SECONDS for pid in processes_with(f"sleep {s}".encode())]
    connections = server.connections

    _write(course, "honest-after", source)
    (after,) = grading.grade_lab(LAB, course, students=["honest-after"], jobs=1, **quiet)

    # control: the same two attacks without the sandbox do get the answers
    control = {"control-key-reader": hostile["key-reader"][0], "control-loopback": hostile["loopback"][0]}
    for student, nb in control.items():
        _write(course, student, nb)
    control_lines = []
    control_results = grading.grade_lab(LAB, course, students=list(control), jobs=2, sandbox=False,
                                        feedback=False, **{**quiet, "echo": control_lines.append})
    server.close()
    yield {"course": course, "results": {r.student: r for r in results}, "expected": {
        s: e for s, (_, e) in hostile.items()}, "before": before, "after": after, "full": full,
        "notebook_before": notebook_before, "daemons": daemons, "connections": connections,
        "control": {r.student: r for r in control_results}, "control_lines": control_lines,
        "control_connections": server.connections - connections, "paths": paths, "lines": lines}
    for pid in [pid for s in DAEMON_SECONDS for pid in processes_with(f"sleep {s}".encode())]:
        os.kill(pid, 9)


def _autograded(batch, student):
    return nbformat.read(batch["course"] / "autograded" / student / LAB / f"{LAB}.ipynb",
                         as_version=4)


def _outputs_of(nb, source_contains):
    cell = next(c for c in nb.cells if c.cell_type == "code" and source_contains in c.source)
    return cell.outputs


@pytest.mark.parametrize("student", ["key-reader", "loopback", "gradebook-editor", "hidden-printer",
                                     "escaper", "daemon", "memory-hog", "flooder", "disk-filler",
                                     "honest-during"])
def test_hostile_submission_gets_the_right_score(batch, student):
    res = batch["results"][student]
    assert res.status == "graded", f"{student}: {res.note}\n{res.log[-3000:]}"
    assert res.score == batch["expected"][student], f"{student}: {res.score}"


def test_honest_students_score_the_same_before_and_after_the_batch(batch):
    from nbgrader.api import Gradebook

    course = batch["course"]
    assert batch["before"].score == batch["after"].score == batch["full"]
    with Gradebook(grading.gradebook_url(course)) as gb:
        assert gb.find_submission(LAB, "honest-before").score == batch["full"]
        assert gb.find_submission(LAB, "honest-after").score == batch["full"]
    notebook = course / "autograded" / "honest-before" / LAB / f"{LAB}.ipynb"
    assert _sha(notebook) == batch["notebook_before"]


def test_the_answer_key_is_out_of_reach(batch):
    outputs = _outputs_of(_autograded(batch, "key-reader"), "answer key:")
    assert "answer key: FileNotFoundError" in "".join(o.get("text", "") for o in outputs)
    assert batch["control"]["control-key-reader"].score == batch["full"]  # the attack is real


def test_loopback_is_unreachable(batch):
    assert batch["connections"] == 0
    outputs = _outputs_of(_autograded(batch, "loopback"), "loopback:")
    assert "loopback: " in "".join(o.get("text", "") for o in outputs)
    assert batch["control_connections"] >= 1
    assert batch["control"]["control-loopback"].score == batch["full"]
    assert any("WARNING: grading without a sandbox" in line for line in batch["control_lines"])


def test_the_gradebook_cannot_be_touched(batch):
    text = "".join(o.get("text", "") for o in
                   _outputs_of(_autograded(batch, "gradebook-editor"), "gradebook update:"))
    # the path does not exist in the sandbox; what it writes there stays in its own tmpfs
    assert "gradebook update: OperationalError" in text
    assert (batch["course"] / "gradebook.db").read_bytes()[:15] == b"SQLite format 3"


def test_nothing_is_written_outside_the_sandbox(batch):
    for path in batch["paths"]:
        assert not os.path.exists(path), path
    assert not (batch["course"] / "autograded" / "escaper" / LAB / "mine.txt").exists()
    assert batch["results"]["escaper"].status == "graded"


def test_no_process_outlives_its_sandbox(batch):
    assert batch["daemons"] == []


def test_memory_past_the_limit_fails_in_the_cell(batch):
    errors = [o for o in _outputs_of(_autograded(batch, "memory-hog"), "_hog =")
              if o.output_type == "error"]
    assert errors and errors[0].ename == "MemoryError"


def test_an_output_flood_is_cut_at_the_limit(batch):
    path = batch["course"] / "autograded" / "flooder" / LAB / f"{LAB}.ipynb"
    assert path.stat().st_size < Limits().output + 2 * 1024 ** 2
    text = "".join(o.get("text", "") for o in _outputs_of(_autograded(batch, "flooder"), "print('x'"))
    assert "[grader: output past" in text


def test_disk_writes_stop_at_the_limit(batch):
    text = "".join(o.get("text", "") for o in _outputs_of(_autograded(batch, "disk-filler"), "_written"))
    for target in ["fill.bin", "/tmp/fill.bin", "/dev/shm/fill.bin"]:
        assert f"{target} OSError" in text, text
    written = int(re.search(r"written MiB (\d+)", text).group(1))
    assert written <= 3 * Limits().disk >> 20
    assert not (batch["course"] / "autograded" / "disk-filler" / LAB / "fill.bin").exists()


def _hidden_lines():
    nb = nbformat.read(ROOT / "solutions" / LAB / f"{LAB}.ipynb", as_version=4)
    return grading.hidden_test_lines(nb)


def test_no_hidden_test_text_reaches_outputs_or_feedback(batch):
    hidden = _hidden_lines()
    assert len(hidden) >= 5
    course = batch["course"]
    students = [*batch["results"], "honest-before", "honest-after"]
    for student in students:
        nb = _autograded(batch, student)
        outputs = " ".join(flat(output_text(o))
                           for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        for line in hidden:
            assert line not in outputs, f"{student}'s graded notebook quotes: {line}"
        page = course / "feedback" / student / LAB / f"{LAB}.html"
        assert page.is_file(), f"no feedback for {student}"
        text = flat(page.read_text(encoding="utf-8"))
        for line in hidden:
            assert line not in text, f"{student}'s feedback quotes: {line}"
    # the check can fail: the printer's outputs were redacted, not empty
    printed = " ".join(o.get("text", "") for c in _autograded(batch, "hidden-printer").cells
                       for o in c.get("outputs", []))
    assert grading.RedactHiddenTests.notice in printed


def test_the_sandbox_refuses_to_start_without_bubblewrap(tmp_path, monkeypatch, capsys):
    (tmp_path / "submitted" / "ann" / LAB).mkdir(parents=True)
    monkeypatch.setattr(sandbox, "BWRAP", str(tmp_path / "no-bwrap"))
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        grading.grade_lab(LAB, tmp_path, echo=lambda *a: None)
    assert grading.main([LAB, "--course-dir", str(tmp_path)]) == 2
    assert "Nobody was graded" in capsys.readouterr().err
    assert not (tmp_path / "autograded").exists() and not (tmp_path / "gradebook.db").exists()
